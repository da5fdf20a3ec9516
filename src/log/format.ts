// The human-readable replay: every step with its line, event, verdict, each actor's state, the
// files, /proc/vmcore's PT_LOADs and the dump outcome.
import { describeEvent } from '../events';
import { hex } from '../memory/layout';
import type { Observation } from '../sysfs/view';
import { finalObservation, type Replay, type ReplayStep } from './replay';

function verdict(s: ReplayStep): string {
  if (s.accepted) return 'accepted';
  if (s.errno !== null) return `-${s.errno}`;
  return s.note ?? 'not accepted';
}

function observationLines(o: Observation): string[] {
  const out = [
    `  states: ${Object.entries(o.states)
      .map(([a, v]) => `${a}=${v}`)
      .join('  ')}`,
  ];
  const files = Object.entries(o.sysfs);
  if (files.length === 0) out.push('  files: (none: no kernel with fadump is running)');
  for (const [path, contents] of files) {
    const lines = contents.split('\n');
    out.push(`  ${path}: ${lines[0] ?? ''}`);
    for (const more of lines.slice(1)) out.push(`  ${' '.repeat(path.length)}  ${more}`);
  }
  if (o.vmcore) {
    out.push(`  /proc/vmcore: ${o.vmcore.ptLoad.length} PT_LOAD`);
    for (const p of o.vmcore.ptLoad)
      out.push(`    PT_LOAD paddr=${hex(p.paddr)} size=${hex(p.size)} offset=${hex(p.offset)}`);
  } else {
    out.push('  /proc/vmcore: absent');
  }
  out.push(`  dump: ${o.dump}`);
  return out;
}

/** One step: its line, event, verdict and what a user sees after it. */
export function formatStep(s: ReplayStep): string {
  const out = [`line ${s.line}: ${describeEvent(s.event)} -> ${verdict(s)}`];
  if (s.errno !== null && s.note === null) out.push(`  errno: ${s.errno}`);
  for (const l of s.console) out.push(`  console: ${l}`);
  out.push(...observationLines(s));
  return out.join('\n');
}

/** What is printed for a log with no events. */
export function formatNoSteps(initial: Observation): string {
  return ['(the log has no events)', ...observationLines(initial)].join('\n');
}

export function formatReplay(r: Replay): string {
  if (r.steps.length === 0) return formatNoSteps(r.initial);
  return r.steps.map(formatStep).join('\n');
}

export function stepJson(s: ReplayStep): unknown {
  return {
    line: s.line,
    event: s.event,
    accepted: s.accepted,
    errno: s.errno,
    ...(s.note === null ? {} : { note: s.note }),
    console: s.console,
    states: s.states,
    sysfs: s.sysfs,
    vmcore: s.vmcore,
    dump: s.dump,
  };
}

export function replayJson(r: Replay): unknown {
  return { steps: r.steps.map(stepJson), final: r.final };
}

const indent = (text: string, prefix: string) => text.replace(/\n/g, `\n${prefix}`);

/** JSON.stringify(replayJson(r), null, 2), in pieces (each a run of whole lines), one step at a
 *  time: a long log is printed without holding every step. */
export function* replayJsonChunks(
  initial: Observation,
  steps: Iterable<ReplayStep>,
): Generator<string, void, undefined> {
  let pending: string | null = null;
  let last: ReplayStep | undefined;
  for (const s of steps) {
    yield pending === null ? '{\n  "steps": [' : `${pending},`;
    pending = `    ${indent(JSON.stringify(stepJson(s), null, 2), '    ')}`;
    last = s;
  }
  const final = `  "final": ${indent(JSON.stringify(finalObservation(initial, last), null, 2), '  ')}\n}`;
  // An empty array prints on the opening line.
  if (pending === null) yield `{\n  "steps": [],\n${final}`;
  else yield `${pending}\n  ],\n${final}`;
}
