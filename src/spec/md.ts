// `paths --format md`: the same spec as the shell scripts (src/spec/sh.ts), for a reader: each
// distinct part once (its boot, what the files read after it, each step and what changes), then
// the paths as lists of parts. Values are written whole (a long run of one character as its count).
import { describeEvent } from '../events';
import { dumpOutcomeNote, type ConfigSpec, type FileCheck, type SpecPart, type SpecStep } from './steps';
import { readable, ptLoadText } from './text';

function fileLine(c: FileCheck): string {
  if (c.value === null) return `\`${c.path}\` is absent`;
  if (c.value === 'exists') return `\`${c.path}\` exists`;
  if (c.value.includes('\n')) return `\`${c.path}\` reads:\n\n\`\`\`\n${c.value}\n\`\`\`\n`;
  return `\`${c.path}\` reads ${readable(c.value)}`;
}

function vmcoreLine(v: SpecPart['start']['vmcore']): string {
  return v === null
    ? '`/proc/vmcore` is absent'
    : `\`/proc/vmcore\` PT_LOADs (paddr:size:offset): \`${ptLoadText(v)}\``;
}

function action(s: SpecStep): string {
  const e = s.event;
  switch (s.how.kind) {
    case 'boot':
      return e.event === 'crash'
        ? 'crash: `echo c > /proc/sysrq-trigger`; the part ends, the next starts after the boot'
        : e.event === 'reboot'
          ? 'reboot; the part ends, the next starts after the boot'
          : 'power the LPAR on; the next part starts after the boot';
    case 'manual':
      return `**manual** (${describeEvent(e)}): ${s.how.hmc}; in QEMU: ${s.how.qemu}`;
    case 'shell':
      if (e.event === 'write')
        return `write ${readable(e.value)} to \`${e.path}\` (one write(2)): ${s.errno === null ? 'succeeds' : `fails with ${s.errno}`}`;
      return `save the dump (read \`/proc/vmcore\` to the end): ${s.errno === null ? 'succeeds' : `fails with ${s.errno}`}`;
  }
}

function partText(part: SpecPart, i: number): string[] {
  const lines = [
    `### Part ${i + 1}`,
    '',
    part.boot === 'off'
      ? 'The LPAR is off.'
      : `After a ${part.boot} boot${part.boot === 'capture' ? ' (`/proc/vmcore` exists)' : ''}, the files read:`,
    '',
  ];
  if (part.boot !== 'off') {
    for (const c of part.start.checks) lines.push(`- ${fileLine(c)}`);
    lines.push(`- ${vmcoreLine(part.start.vmcore)}`);
    if (part.start.dump !== 'none') lines.push(`- ${dumpOutcomeNote(part.start.dump)}`);
    lines.push('');
  }
  part.steps.forEach((s, k) => {
    lines.push(`${k + 1}. ${action(s)}`);
    for (const c of s.checks) lines.push(`   - ${fileLine(c).replace(/\n(?=.)/g, '\n   ')}`);
    if (s.vmcore !== undefined) lines.push(`   - ${vmcoreLine(s.vmcore)}`);
    if (s.dump !== undefined) lines.push(`   - ${dumpOutcomeNote(s.dump)}`);
  });
  lines.push('');
  return lines;
}

/** The Markdown body for one configuration's spec (without the header naming configurations). */
export function mdBody(spec: ConfigSpec): string {
  const lines = ['## Paths', '', 'Each path starts at the power-on; run its parts in order, one per boot.', ''];
  spec.paths.forEach((p, i) =>
    lines.push(
      `- Path ${i + 1}: parts ${p.parts.map((k) => k + 1).join(' → ')}${p.count > 1 ? ` (${p.count} generated paths alike)` : ''}`,
    ),
  );
  lines.push('', '## Parts', '');
  spec.parts.forEach((part, i) => lines.push(...partText(part, i)));
  return lines.join('\n');
}

/** The whole Markdown spec for a group of configurations that share one body. */
export function mdSpec(specs: readonly ConfigSpec[], body: string): string {
  const first = specs[0];
  if (first === undefined) throw new Error('mdSpec: no configuration');
  const g = first.generated;
  return [
    `# Regression spec: ${specs.map((s) => s.config.name).join('; ')}`,
    '',
    `Generated from the model (\`fadump-model paths --format md\`, src/spec/md.ts): ${first.paths.length} distinct paths of ${first.parts.length} distinct parts, from the ${g.paths} generated paths (${g.steps} events covering all ${g.transitions} transitions). A step that changes nothing is left out, and a rejected write already checked where the files read the same. The same steps as a script: \`--format sh\`.`,
    '',
    `Configuration${specs.length > 1 ? 's' : ''}:`,
    '',
    ...specs.map((s) => `- ${s.config.name}: \`${JSON.stringify(s.config.input)}\``),
    '',
    body,
  ].join('\n');
}
