// `npx fadump-model paths [--config FILE] [--format jsonl|md] [--out DIR]`: the generated
// regression suite written out, for QA on real POWER systems: one replayable event log per path,
// or a readable Markdown spec (per path, each step and what the files must show after it).
import { join } from 'node:path';
import { config as makeConfig, type ConfigInput } from '../config';
import { describeEvent } from '../events';
import { hex } from '../memory/layout';
import { formatLog } from '../log/parse';
import { writeFileAtomic } from '../util/atomic';
import { UsageError, type Io } from './io';
import { readConfigs } from '../inputs';
import { slug } from '../explore/check';
import { defaultMatrix } from '../explore/matrix';
import { generatePaths, type PathSet } from '../explore/paths';
import { expectedSteps, type ExpectedStep } from '../explore/suite';

export interface PathsFlags {
  config?: string;
  format: string;
  out: string;
}

function changedFiles(prev: ExpectedStep, cur: ExpectedStep): string[] {
  const out: string[] = [];
  const paths = new Set([...Object.keys(prev.sysfs), ...Object.keys(cur.sysfs)]);
  for (const p of [...paths].sort()) {
    const a = prev.sysfs[p];
    const b = cur.sysfs[p];
    if (a === b) continue;
    if (b === undefined) out.push(`\`${p}\` disappears`);
    else out.push(`\`${p}\` reads \`${b.replace(/\n/g, '⏎').slice(0, 160)}\`${a === undefined ? ' (appears)' : ''}`);
  }
  if (JSON.stringify(prev.vmcore) !== JSON.stringify(cur.vmcore)) {
    out.push(
      cur.vmcore === null
        ? '`/proc/vmcore` absent'
        : `\`/proc/vmcore\` PT_LOADs: ${cur.vmcore.ptLoad.map((p) => `[${hex(p.paddr)}+${hex(p.size)} @${hex(p.offset)}]`).join(' ')}`,
    );
  }
  if (prev.dump !== cur.dump) out.push(`dump outcome: ${cur.dump}`);
  return out;
}

export function markdownSpec(set: PathSet): string {
  const lines = [
    `# Regression spec: ${set.config.name}`,
    '',
    `Generated from the model: ${set.paths.length} paths, ${set.steps} steps, covering all ${set.transitions} transitions of the reachable graph (${set.exploration.states} states).`,
    '',
    'Configuration:',
    '',
    '```json',
    JSON.stringify(set.config.input, null, 2),
    '```',
    '',
  ];
  set.paths.forEach((p, i) => {
    const steps = expectedSteps(set, p);
    lines.push(`## Path ${i + 1}`, '');
    steps.forEach((s, k) => {
      const prev = steps[k - 1];
      if (s.event === null || prev === undefined) return;
      const verdict = s.accepted ? 'succeeds' : s.errno !== null ? `fails with -${s.errno}` : 'changes nothing';
      lines.push(`${k}. \`${describeEvent(s.event).slice(0, 120)}\` ${verdict}`);
      for (const c of changedFiles(prev, s)) lines.push(`   - ${c}`);
    });
    lines.push('');
  });
  return lines.join('\n');
}

export function pathsCommand(flags: PathsFlags, io: Io): number {
  if (flags.format !== 'jsonl' && flags.format !== 'md')
    throw new UsageError(`--format: expected jsonl or md, got '${flags.format}'`);
  const inputs: ConfigInput[] = flags.config === undefined ? defaultMatrix() : readConfigs(flags.config);
  let files = 0;
  let steps = 0;
  let transitions = 0;
  for (const input of inputs) {
    const c = makeConfig(input);
    const set = generatePaths(c);
    steps += set.steps;
    transitions += set.transitions;
    const dir = join(flags.out, slug(c.name));
    if (flags.format === 'md') {
      writeFileAtomic(`${dir}.md`, markdownSpec(set));
      files++;
    } else {
      set.paths.forEach((p, i) => {
        writeFileAtomic(join(dir, `path-${String(i + 1).padStart(4, '0')}.jsonl`), formatLog(input, p.events));
        files++;
      });
    }
    io.out(`${c.name}: ${set.paths.length} paths, ${set.steps} steps for ${set.transitions} transitions`);
  }
  io.out(
    `${files} files under ${flags.out}: ${steps} steps cover ${transitions} transitions (${(steps / Math.max(1, transitions)).toFixed(2)} steps per transition)`,
  );
  return 0;
}
