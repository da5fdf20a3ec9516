// `paths --format md`: the same spec as the shell scripts (src/spec/sh.ts), for a reader: each
// distinct part once (its boot, what the files read after it, each step and what changes), then
// the paths as lists of parts. Values are written whole (a long run of one character as its count).
import { describeEvent } from '../events';
import type { DumpVerdict } from '../explain/outcome';
import {
  OutcomeNames,
  MEMINFO_CMA,
  modelBound,
  type ConfigSpec,
  type FileCheck,
  type SpecPart,
  type SpecStep,
} from './steps';
import { blockText, readable, ptLoadText, setCmdline } from './text';
import { ALIASES } from '../sysfs/store';

/** debugfs' fadump_region, which the Markdown names by its file name (the paths' paragraph says
 *  where it is). */
const FADUMP_REGION = '/sys/kernel/debug/powerpc/fadump_region';

/** The fadump directory, whose files the Markdown names without it. */
const FADUMP_DIR = '/sys/kernel/fadump/';

/** A file as the Markdown names it: fadump_region and the files of /sys/kernel/fadump/ by their
 *  names, anything else by its path. */
function mdPath(p: string): string {
  if (p === FADUMP_REGION) return 'fadump_region';
  return p.startsWith(FADUMP_DIR) ? p.slice(FADUMP_DIR.length) : p;
}

/** The checks a reader is shown: a /sys/kernel/fadump_* link (src/sysfs/store.ts ALIASES) is left
 *  out where its target is listed with the same value (the script checks both). */
function readerChecks(checks: readonly FileCheck[]): FileCheck[] {
  const value = new Map(checks.map((c) => [c.path, c.value]));
  return checks.filter((c) => {
    const target = ALIASES[c.path];
    return target === undefined || !value.has(target) || value.get(target) !== c.value;
  });
}

/** Values longer than this are written once, in the "Values" section, and named. */
const SHARED_VALUE = 120;

class Shared {
  readonly outcomes = new OutcomeNames();
  /** A dump outcome: its kind, linked to its note (listed once). */
  outcome(d: DumpVerdict): string {
    const n = this.outcomes.name(d);
    return `the model's dump outcome: ${d.kind} ([${n}](#${n.toLowerCase()}))`;
  }
  readonly values: string[] = [];
  private readonly valueIndex = new Map<string, number>();
  readonly states: string[][] = [];
  readonly manuals: string[] = [];
  private readonly manualIndex = new Map<string, number>();

  /** A manual step's instructions, listed once; a link to them. */
  manual(text: string): string {
    let i = this.manualIndex.get(text);
    if (i === undefined) {
      i = this.manuals.length + 1;
      this.manualIndex.set(text, i);
      this.manuals.push(`- <a id="m${i}"></a>M${i}: ${text}`);
    }
    return `[M${i}](#m${i})`;
  }
  private readonly stateIndex = new Map<string, number>();

  value(v: string): string {
    const text = v.includes('\n') ? `\n\n\`\`\`\n${blockText(v)}\n\`\`\`\n` : readable(v);
    if (text.length <= SHARED_VALUE) return text.startsWith('\n') ? text : ` ${text}`;
    let i = this.valueIndex.get(text);
    if (i === undefined) {
      i = this.values.length + 1;
      this.valueIndex.set(text, i);
      this.values.push(`### V${i}\n${text.startsWith('\n') ? text : `\n${text}\n`}`);
    }
    return ` [V${i}](#v${i})`;
  }

  /** A state right after a boot, listed once; its name. */
  state(lines: string[]): string {
    const key = lines.join('\n');
    let i = this.stateIndex.get(key);
    if (i === undefined) {
      i = this.states.length + 1;
      this.stateIndex.set(key, i);
      this.states.push(lines);
    }
    return `[S${i}](#s${i})`;
  }
}

function fileLine(c: FileCheck, sh: Shared): string {
  const p = mdPath(c.path);
  if (c.value === null) return `\`${p}\` is absent`;
  if (c.value === 'exists') return `\`${p}\` exists`;
  if (c.path === MEMINFO_CMA) return `\`grep -E '^Cma(Total|Free):' /proc/meminfo\` =${sh.value(c.value)}`;
  return `\`${p}\` =${sh.value(c.value)}`;
}

function vmcoreLine(v: SpecPart['start']['vmcore']): string {
  return v === null
    ? '`/proc/vmcore` is absent'
    : `\`/proc/vmcore\` PT_LOADs (paddr:size:offset): \`${ptLoadText(v)}\``;
}

function action(s: SpecStep, sh: Shared): string {
  const e = s.event;
  switch (s.how.kind) {
    case 'boot': {
      const what = e.event === 'crash' ? 'crash' : e.event === 'reboot' ? 'reboot' : 'power the LPAR on';
      // docs/kernel-behaviour.md §12: the boot loader's stored line is set first.
      return (e.event === 'reboot' || e.event === 'boot') && e.cmdline !== undefined
        ? `${sh.manual(setCmdline(e.cmdline))} (the boot entry's command line), then ${what}`
        : what;
    }
    case 'manual': {
      const bound = modelBound(s);
      const link = sh.manual(`${s.how.hmc}; QEMU: ${s.how.qemu}${bound === null ? '' : `; ${bound}`}`);
      const refusal =
        bound !== null
          ? `: the model refuses it (${s.errno ?? ''}): a modelling bound, informational, not a check`
          : s.errno === null || s.how.notApplicable === true
            ? ''
            : `: the kernel must refuse it (${s.errno})`;
      return `${link} ${describeEvent(e)}${refusal}`;
    }
    case 'shell':
      if (e.event === 'write')
        return `\`${mdPath(e.path)}\` ← ${readable(e.value)}${s.errno === null ? '' : `: fails with ${s.errno}`}`;
      return `save the dump (read \`/proc/vmcore\`): ${s.errno === null ? 'succeeds' : `fails with ${s.errno}`}`;
  }
}

function partText(part: SpecPart, i: number, sh: Shared): string[] {
  const lines = [`### P${i + 1}`, ''];
  if (part.boot === 'off') lines.push('The LPAR is off.', '');
  else {
    const state = [
      ...readerChecks(part.start.checks).map((c) => `- ${fileLine(c, sh)}`),
      `- ${vmcoreLine(part.start.vmcore)}`,
      ...(part.start.dump.kind !== 'none' ? [`- ${sh.outcome(part.start.dump)}`] : []),
    ];
    lines.push(`${part.boot === 'normal' ? 'Normal' : 'Capture'} boot: ${sh.state(state)}.`, '');
  }
  part.steps.forEach((s, k) => {
    lines.push(`${k + 1}. ${action(s, sh)}`);
    for (const c of readerChecks(s.checks)) lines.push(`   - ${fileLine(c, sh).replace(/\n(?=.)/g, '\n   ')}`);
    if (s.vmcore !== undefined) lines.push(`   - ${vmcoreLine(s.vmcore)}`);
    if (s.dump !== undefined) lines.push(`   - ${sh.outcome(s.dump)}`);
  });
  lines.push('');
  return lines;
}

/** The Markdown body for one configuration's spec (without the header naming configurations). */
export function mdBody(spec: ConfigSpec): string {
  const lines = [
    '## Paths',
    '',
    'Each path starts at the power-on; run its parts in order, one per boot (the Nth part of path K is `sh SCRIPT K N`, as `sh SCRIPT list` shows; the parts, P1, P2, ..., are shared between paths): a part ends with a crash or a reboot, and the next part starts after the boot that follows (a capture boot has `/proc/vmcore`). After each boot the files read as the state named (S1, S2, ...; listed after the parts). `FILE` ← VALUE is one write(2) of the whole value, which succeeds unless the step says it fails; a step that starts with the name of a manual step (M1, ...) is done as it says; `FILE = VALUE`: the file reads exactly VALUE (without its last newline). Long values are named (V1, V2, ...) and listed at the end (in a block, ⟨"c" × N⟩ stands for N times the character c), manual steps (M1, ...) and the model\'s dump outcomes (D1, ...) before the states. A file named without a directory is in /sys/kernel/fadump/, and `fadump_region` is debugfs\' /sys/kernel/debug/powerpc/fadump_region; a crash is `echo c > /proc/sysrq-trigger`; a link /sys/kernel/fadump_X is listed only where it does not read as /sys/kernel/fadump/X (the script checks both).',
    '',
  ];
  spec.paths.forEach((p, i) =>
    lines.push(
      `- Path ${i + 1}: ${p.parts.map((k) => `P${k + 1}`).join(' → ')}${p.count > 1 ? ` (${p.count} paths alike)` : ''}`,
    ),
  );
  lines.push('', '## Parts', '');
  const sh = new Shared();
  spec.parts.forEach((part, i) => lines.push(...partText(part, i, sh)));
  lines.push('## Manual steps', '', 'What a shell in the LPAR cannot do.', '', ...sh.manuals, '');
  lines.push(
    '## Dump outcomes',
    '',
    ...sh.outcomes.notes.map((n, i) => `- <a id="d${i + 1}"></a>D${i + 1}: ${n}`),
    '',
    '## States right after a boot',
    '',
  );
  sh.states.forEach((st, i) => lines.push(`### S${i + 1}`, '', ...st, ''));
  lines.push(
    '## Values',
    '',
    'Values too long to repeat, each exactly as the file reads (without its last newline).',
    '',
  );
  lines.push(...sh.values, '');
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
    `Generated from the model (\`fadump-model paths --format md\`, src/spec/md.ts): the model's graph has ${g.transitions} transitions, ${g.visible} of them distinct to a user (what the files read before, the event and its errno, what they read after; src/spec/cover.ts); ${first.paths.length} paths of ${first.parts.length} distinct parts take each at least once. Steps without an effect are left out, and a rejected write already checked where the files read the same. The same steps as a script: \`--format sh\`.`,
    '',
    `Configuration${specs.length > 1 ? 's' : ''}:`,
    '',
    ...specs.map((s) => `- ${s.config.name}: \`${JSON.stringify(s.config.input)}\``),
    '',
    body,
  ].join('\n');
}
