// The human-readable replay: every step with its line, event, verdict, each actor's state, the
// files, /proc/vmcore's PT_LOADs and the dump outcome.
import { describeEvent } from '../events';
import { hex } from '../memory/layout';
import type { Observation } from '../sysfs/view';
import type { Replay, ReplayStep } from './replay';

function verdict(s: ReplayStep): string {
  if (s.accepted) return 'accepted';
  if (s.errno !== null) return `-${s.errno}`;
  return s.note ?? 'not accepted';
}

function observationLines(o: Observation): string[] {
  const out = [`  states: ${Object.entries(o.states).map(([a, v]) => `${a}=${v}`).join('  ')}`];
  const files = Object.entries(o.sysfs);
  if (files.length === 0) out.push('  files: (none: no kernel with fadump is running)');
  for (const [path, contents] of files) {
    const lines = contents.split('\n');
    out.push(`  ${path}: ${lines[0] ?? ''}`);
    for (const more of lines.slice(1)) out.push(`  ${' '.repeat(path.length)}  ${more}`);
  }
  if (o.vmcore) {
    out.push(`  /proc/vmcore: ${o.vmcore.ptLoad.length} PT_LOAD`);
    for (const p of o.vmcore.ptLoad) out.push(`    PT_LOAD paddr=${hex(p.paddr)} size=${hex(p.size)} offset=${hex(p.offset)}`);
  } else {
    out.push('  /proc/vmcore: absent');
  }
  out.push(`  dump: ${o.dump}`);
  return out;
}

export function formatReplay(r: Replay): string {
  const out: string[] = [];
  for (const s of r.steps) {
    out.push(`line ${s.line}: ${describeEvent(s.event)} -> ${verdict(s)}`);
    if (s.errno !== null && s.note === null) out.push(`  errno: ${s.errno}`);
    out.push(...observationLines(s));
  }
  if (r.steps.length === 0) out.push('(the log has no events)', ...observationLines(r.initial));
  return out.join('\n');
}

export function replayJson(r: Replay): unknown {
  return {
    steps: r.steps.map((s) => ({
      line: s.line,
      event: s.event,
      accepted: s.accepted,
      errno: s.errno,
      ...(s.note === null ? {} : { note: s.note }),
      states: s.states,
      sysfs: s.sysfs,
      vmcore: s.vmcore,
      dump: s.dump,
    })),
    final: r.final,
  };
}
