// The dump outcome that tells the truth (issue 16): not only "captured" but whether the vmcore's
// PT_LOADs describe exactly the crashed kernel's memory at the crash, and if not which ranges they
// miss or describe in excess; a lost dump with the kernel's message as the model holds it; a
// crash that found nothing armed. Shown by replay (text and --json), conform, the report and the
// paths spec. An observer: it reads the system state and changes nothing.
import type { SystemState } from '../../machines/system';
import type { Config } from '../config';
import { NOT_TRIGGERED } from '../events';
import { kdumpPtLoads, kdumpRtas } from '../memory/kdump';
import { normalize, subtract, totalSize, type PtLoad, type Range } from '../memory/layout';
import { diffPtLoads, memoryText, ptLoadsText, rangesText, sizeText } from '../memory/map';
import { phypPtLoads } from '../memory/phyp';
import { expectedPtLoads } from '../specs/properties';
import { regionsNotDumped } from '../../machines/kernel-rules';

/** Which capture exported the vmcore: fadump's capture kernel, kdump's (kexec -p), or
 *  hypervisor-assisted dump's capture boot. */
export type CaptureMechanism = 'fadump' | 'kdump' | 'phyp-assisted-dump';

/** The outcome of the most recent crash, as a user would want it told:
 *  - `none`: no crash yet;
 *  - `not-armed`: a crash found no dump mechanism armed: panic() goes on, the machine reboots, no
 *    vmcore (`message`: the model's reason, e.g. "fadump is not registered: a plain panic, no
 *    dump");
 *  - `not-triggered`: the kernel ended without a crash the dump mechanism hears (a watchdog hard
 *    restart, a firmware-initiated MPIPL with nothing registered: docs/kernel-behaviour.md §13): no
 *    vmcore, armed or not (`message`: the model's reason);
 *  - `captured-accurate`: the vmcore's PT_LOADs describe exactly the crashed kernel's memory;
 *  - `captured-stale`: they do not: `missing` (memory at the crash the vmcore does not describe)
 *    and `extra` (ranges it describes that were not memory at the crash, or belong to the reserved
 *    area or crashkernel=), bytes, merged ranges; `moved`: PT_LOADs with the right range at the
 *    wrong file offset;
 *  - `captured-partial`: fadump exported a vmcore, but the firmware copied only some boot-memory
 *    regions ('preserve-partial' on OPAL, whose kernel does not check the copy: docs/kernel-behaviour.md §1.4 "Partial
 *    preservation"): `notPreserved`, the crashed kernel's ranges whose data the vmcore does not
 *    hold (its PT_LOADs still describe them);
 *  - `lost`: no vmcore, `message` verbatim as the model holds it (e.g. the capture kernel's
 *    "Endianness mismatch between the crashed and the capture kernel", firmware's "Dump taken by
 *    platform is incomplete").
 *  Every kind carries `summary`, one line for people. After the vmcore is saved and released the
 *  captured kinds stay as they were judged while the vmcore was exported (`exported: false`). */
export type DumpVerdict =
  | { kind: 'none'; summary: string }
  | { kind: 'not-armed'; message: string; summary: string }
  | { kind: 'not-triggered'; message: string; summary: string }
  | {
      kind: 'captured-accurate';
      mechanism: CaptureMechanism;
      /** The crashed kernel's memory at the crash. */
      memoryAtCrash: Range[];
      /** The vmcore's PT_LOADs (p_offset as the kernel set it in the elfcorehdr). */
      ptLoads: PtLoad[];
      exported: boolean;
      summary: string;
    }
  | {
      kind: 'captured-stale';
      mechanism: CaptureMechanism;
      memoryAtCrash: Range[];
      ptLoads: PtLoad[];
      /** The PT_LOADs that would describe the memory at the crash exactly. */
      expected: PtLoad[];
      missing: Range[];
      extra: Range[];
      moved: number;
      /** Where PT_LOADs' data lie (p_offset .. + size) outside the memory at the crash: the
       *  firmware could not have copied there (a boot-memory copy destination beyond memory). */
      unbacked: Range[];
      exported: boolean;
      summary: string;
    }
  | {
      kind: 'captured-partial';
      mechanism: CaptureMechanism;
      memoryAtCrash: Range[];
      ptLoads: PtLoad[];
      /** Boot-memory ranges of the crashed kernel the firmware did not copy (bytes, merged). */
      notPreserved: Range[];
      exported: boolean;
      summary: string;
    }
  | { kind: 'lost'; message: string; summary: string };

/** The kinds of DumpVerdict, for tests and tables. */
export const DUMP_VERDICT_KINDS = [
  'none',
  'not-armed',
  'not-triggered',
  'captured-accurate',
  'captured-stale',
  'captured-partial',
  'lost',
] as const;

/** The kinds a capture that exported a vmcore gets. */
type CapturedKind = 'captured-accurate' | 'captured-stale' | 'captured-partial';

function isCaptured(v: DumpVerdict): v is Extract<DumpVerdict, { kind: CapturedKind }> {
  return v.kind === 'captured-accurate' || v.kind === 'captured-stale' || v.kind === 'captured-partial';
}

interface Exported {
  mechanism: CaptureMechanism;
  actual: PtLoad[];
  expected: PtLoad[];
  memoryAtCrash: Range[];
  /** fadump: boot-memory ranges the firmware did not copy ([] for a complete copy). */
  notPreserved: Range[];
}

/** The vmcore a capture kernel exports now, beside the PT_LOADs that describe the memory at the
 *  crash exactly (the firmware's record of the partition then, not any kernel's); null when no
 *  capture kernel exports one. The same ground truth as accurate-vmcore (src/specs/properties.ts). */
export function exportedVmcore(state: SystemState, config: Config): Exported | null {
  const a = state.actors;
  if (a.captureKernel.matches('dumpAvailable')) {
    const d = a.firmware.context.dump;
    return {
      mechanism: 'fadump',
      actual: a.captureKernel.context.ptLoads ?? [],
      expected: expectedPtLoads(state) ?? [],
      memoryAtCrash: normalize(d?.memoryAtCrash ?? []),
      notPreserved: d === null ? [] : normalize(regionsNotDumped(d)),
    };
  }
  if (a.kexec.matches('capture')) {
    // kdump: no firmware copy; the crashed kernel's memory is the partition's, unchanged while
    // the capture kernel runs (it refuses DLPAR).
    const memory = normalize(a.firmware.context.memory);
    const ck = a.productionKernel.context.crashkernel;
    return {
      mechanism: 'kdump',
      actual: a.kexec.context.vmcore ?? [],
      expected: ck === null ? [] : kdumpPtLoads(memory, ck, kdumpRtas(config, memory)),
      memoryAtCrash: memory,
      notPreserved: [],
    };
  }
  if (a.phypDump.matches('capture')) {
    const d = a.firmware.context.dump;
    return {
      mechanism: 'phyp-assisted-dump',
      actual: a.phypDump.context.ptLoads ?? [],
      expected: d === null ? [] : phypPtLoads(d.memoryAtCrash, d.area, config.pageSize),
      memoryAtCrash: normalize(d?.memoryAtCrash ?? []),
      notPreserved: [],
    };
  }
  return null;
}

const CAPTURED_BY: Record<CaptureMechanism, string> = {
  fadump: "fadump's capture kernel",
  kdump: "kdump's capture kernel",
  'phyp-assisted-dump': "hypervisor-assisted dump's capture boot",
};

/** The verdict on the state after a step. `previous` is the verdict before it: a captured dump
 *  whose vmcore is no longer exported (saved, released) keeps the verdict it had while it was. */
export function dumpVerdict(config: Config, state: SystemState, previous: DumpVerdict | null): DumpVerdict {
  if (state.dump === 'lost') {
    const message = state.dumpReason ?? '(no reason recorded)';
    return { kind: 'lost', message, summary: `lost: ${message}` };
  }
  if (state.dump === 'none') {
    if (state.dumpReason === null) return { kind: 'none', summary: 'none (no crash yet)' };
    const message = state.dumpReason;
    if ((Object.values(NOT_TRIGGERED) as string[]).includes(message))
      return { kind: 'not-triggered', message, summary: `not-triggered: ${message}` };
    return {
      kind: 'not-armed',
      message,
      summary: `not-armed: the crash found no dump mechanism armed (${message}); panic() goes on, the machine reboots, no vmcore`,
    };
  }
  const x = exportedVmcore(state, config);
  if (x === null) {
    if (previous !== null && isCaptured(previous))
      return previous.exported ? { ...previous, exported: false } : previous;
    return { kind: 'none', summary: 'captured earlier; no vmcore exported now' };
  }
  const v = judgeVmcore(x.mechanism, x.actual, x.expected, x.memoryAtCrash);
  return x.notPreserved.length ? partialVerdict(v, x.notPreserved) : v;
}

/** A vmcore whose boot-memory data the firmware copied only in part: the judged PT_LOADs, and the
 *  ranges whose data is not the crashed kernel's (docs/kernel-behaviour.md §1.4 "Partial preservation"). */
function partialVerdict(
  v: Extract<DumpVerdict, { kind: 'captured-accurate' | 'captured-stale' }>,
  notPreserved: Range[],
): Extract<DumpVerdict, { kind: 'captured-partial' }> {
  const by = CAPTURED_BY[v.mechanism];
  const stale = v.kind === 'captured-stale' ? `; besides, ${v.summary.slice('captured-stale: '.length)}` : '';
  return {
    kind: 'captured-partial',
    mechanism: v.mechanism,
    memoryAtCrash: v.memoryAtCrash,
    ptLoads: v.ptLoads,
    notPreserved,
    exported: v.exported,
    summary: `captured-partial: ${by} exports ${ptLoadsText(v.ptLoads)}, but the firmware did not preserve ${rangesText(notPreserved)} (${sizeText(totalSize(notPreserved))}): the vmcore's data there is not the crashed kernel's memory ${memoryText(v.memoryAtCrash)}${stale}`,
  };
}

/** The verdict as a reader sees it beside the files: the summary, and for a captured dump whose
 *  vmcore is no longer exported (saved and released, or rebooted back to production) a note that
 *  it is an earlier crash's ("captured-accurate (the earlier crash's, no longer exported): ...").
 *  The summary itself stays as judged (the regression spec and the report compare it). */
export function outcomeText(v: DumpVerdict): string {
  if (isCaptured(v) && !v.exported) {
    const prefix = `${v.kind}: `;
    const rest = v.summary.startsWith(prefix) ? v.summary.slice(prefix.length) : v.summary;
    return `${v.kind} (the earlier crash's, no longer exported): ${rest.replace(' exports ', ' exported ')}`;
  }
  return v.summary;
}

/** The parts of the PT_LOADs' data ([p_offset, p_offset + size), bytes) that lie outside
 *  `memory`, merged: a copy destination past the end of memory (a registration the firmware
 *  should have refused with -3, docs/kernel-behaviour.md §4) is not a dump. */
export function unbackedData(ptLoads: readonly PtLoad[], memory: readonly Range[]): Range[] {
  const data = normalize(ptLoads.map((p) => ({ start: p.offset, end: p.offset + p.size })));
  return normalize(normalize(memory).reduce<Range[]>((left, m) => subtract(left, m), data));
}

/** Judges a vmcore's PT_LOADs (`actual`) against those that describe the crashed kernel's memory
 *  exactly (`expected`, with the same kind of p_offset), `memoryAtCrash` the crashed kernel's
 *  memory: captured-accurate or captured-stale (exported: true). `offsets`: 'physical' where
 *  p_offset is where the data lies in memory (the model's vmcore: unbackedData() applies), 'file'
 *  where it is the offset in /proc/vmcore (a real guest's, conform: says nothing of where the data
 *  came from, so no unbacked check; a hole below the data would otherwise look unbacked). Pure. */
export function judgeVmcore(
  mechanism: CaptureMechanism,
  actual: readonly PtLoad[],
  expected: readonly PtLoad[],
  memoryAtCrash: readonly Range[],
  offsets: 'physical' | 'file' = 'physical',
): Extract<DumpVerdict, { kind: 'captured-accurate' | 'captured-stale' }> {
  const d = diffPtLoads(actual, expected);
  const base = { mechanism, memoryAtCrash: [...memoryAtCrash], ptLoads: [...actual], exported: true };
  const by = CAPTURED_BY[mechanism];
  const unbacked = offsets === 'physical' ? unbackedData(actual, memoryAtCrash) : [];
  if (d.same && unbacked.length === 0)
    return {
      kind: 'captured-accurate',
      ...base,
      summary: `captured-accurate: ${by} exports ${ptLoadsText(actual)}, exactly the crashed kernel's memory ${memoryText(memoryAtCrash)}${mechanism === 'fadump' ? '' : ' (less the memory set aside for the capture)'}`,
    };
  const parts: string[] = [];
  if (d.missing.length) parts.push(`misses ${rangesText(d.missing)} (${sizeText(totalSize(d.missing))})`);
  if (d.extra.length)
    parts.push(`describes ${rangesText(d.extra)} (${sizeText(totalSize(d.extra))}) that was not memory at the crash`);
  if (d.moved.length) parts.push(`has ${d.moved.length} PT_LOAD at the wrong file offset`);
  if (unbacked.length)
    parts.push(
      `reads ${rangesText(unbacked)} (${sizeText(totalSize(unbacked))}), where no memory was at the crash: the firmware could not copy boot memory there`,
    );
  return {
    kind: 'captured-stale',
    ...base,
    expected: [...expected],
    missing: d.missing,
    extra: d.extra,
    moved: d.moved.length,
    unbacked,
    summary: `captured-stale: ${by}'s vmcore ${parts.join(' and ')}; the crashed kernel's memory was ${memoryText(memoryAtCrash)}`,
  };
}
