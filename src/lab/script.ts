// Runs one path of a regression spec script (`paths --format sh`, src/spec/sh.ts) on a lab guest:
// the script goes in the initramfs as /spec.sh, each part runs through the agent's `spec` command
// (lab/guest/agent), a part that ends in a crash or a reboot is followed by the next boot, and the
// next part runs there; a manual memory hotplug is done through QMP, any other manual step is
// skipped (the part ends there, exit 3). Every wait has a timeout.
import { join } from 'node:path';
import type { Guest as GuestDescription } from '../conform/transcript';
import { config as makeConfig } from '../config';
import { generatePaths } from '../explore/paths';
import { modelConfigOf } from '../conform/transcript';
import { configSpec, type ConfigSpec } from '../spec/steps';
import { shBody, shScript } from '../spec/sh';
import { Guest, GuestError } from './guest';
import { running } from '../sysfs/view';
import { pseriesArgs, qemuCommand } from './lab';
import { TIMEOUTS, type Timeouts } from './run';

/** The part numbers of path `path` in a script's path table (`path_N='3 7 9'`); [] when absent. */
export function scriptPathParts(script: string, path: number): number[] {
  const m = new RegExp(`^path_${path}='([0-9 ]+)'$`, 'm').exec(script);
  return m?.[1]?.split(' ').map(Number) ?? [];
}

/** The spec of the lab guest's configuration (the model configured as conform configures it),
 *  fitted to QEMU: no crash of a capture kernel (QEMU presents a preserved dump only to the one boot
 *  after ibm,os-term, `is_next_boot_fadump` in hw/ppc/spapr_fadump.c, where PowerVM and the model
 *  keep it until it is released: a known divergence, test/real/known-divergences.json), and no
 *  memory hotplug in a capture kernel (the model refuses a DLPAR remove there with EINVAL; QEMU's
 *  device_del went through on 6.12 in the first run, test/real/script-pseries-6.12-64k-unfitted.log);
 *  and its script. */
export function labSpec(guest: GuestDescription): { spec: ConfigSpec; script: string } {
  const spec = configSpec(generatePaths(makeConfig(modelConfigOf(guest))), {
    blocked: (state, e) => (e.event === 'crash' || e.event === 'memory-hotplug') && running(state) === 'capture',
  });
  return { spec, script: shScript([spec], shBody(spec)) };
}

/** Whether the lab can do a manual step: memory hotplug, through QMP. */
function labCanDo(event: string): boolean {
  return /^memory-hotplug (add|remove) \d+ LMBs?$/.test(event);
}

/** A path a guest runs to its end: its manual steps are memory hotplug (QMP), it crashes into a
 *  capture boot, and no capture kernel crashes (QEMU presents a preserved dump only to the one boot
 *  after ibm,os-term, `is_next_boot_fadump` in hw/ppc/spapr_fadump.c, where PowerVM and the model
 *  keep it: a known divergence, test/real/known-divergences.json); the one with the fewest parts
 *  (boots). 1-based; null when there is none. */
export function runnablePath(spec: ConfigSpec): number | null {
  let best: number | null = null;
  spec.paths.forEach((p, i) => {
    const parts = p.parts.map((k) => spec.parts[k]);
    const ok =
      parts.some((q) => q?.boot === 'capture') &&
      parts.every(
        (q) =>
          q !== undefined &&
          q.boot !== 'off' &&
          !(q.boot === 'capture' && q.steps.some((s) => s.event.event === 'crash')) &&
          q.steps.every((s) => s.how.kind !== 'manual' || s.event.event === 'memory-hotplug'),
      );
    if (ok && (best === null || p.parts.length < (spec.paths[best - 1]?.parts.length ?? 0))) best = i + 1;
  });
  return best;
}

export interface PartRun {
  part: number;
  /** The script's output lines (checks, comments, manual steps), console noise left out. */
  lines: string[];
  /** The part's exit status, or null when it ended in a crash or a reboot. */
  rc: number | null;
  /** The boot that followed (null: none). */
  boot: 'normal' | 'capture' | null;
  ms: number;
}

export interface ScriptRun {
  parts: PartRun[];
  checks: number;
  failed: number;
  end: { end: 'completed' | 'failed' | 'timeout' | 'guest-died' | 'interrupted'; reason: string };
}

export interface ScriptRunOptions {
  guest: GuestDescription;
  vmlinux: string;
  /** The initramfs with the script as /spec.sh (buildInitramfs(lab, script)). */
  initramfs: string;
  workDir: string;
  path: number;
  /** How many parts the path has (scriptPathParts()). */
  parts: number;
  /** settle: ms to let a hot-plugged DIMM come online (or go) before the script goes on. */
  timeouts?: Partial<Timeouts & { settle: number }>;
  onPart?: (p: PartRun) => void;
  /** Aborted (SIGINT, SIGTERM, SIGHUP in src/cli/lab.ts): the guest is stopped at once and the
   *  run ends 'interrupted' with the parts that finished. */
  signal?: AbortSignal;
}

const SCRIPT_LINE = /^(ok \d|not ok \d|# |MANUAL )/;

/** Runs every part of the path on a fresh guest; never throws for the guest's failure. */
export async function runScript(o: ScriptRunOptions): Promise<ScriptRun> {
  const t = { ...TIMEOUTS, settle: 10_000, ...o.timeouts };
  const sock = join(o.workDir, `qmp-${process.pid}-${Date.now()}.sock`);
  const guest = Guest.launch({
    command: qemuCommand(),
    args: pseriesArgs(o.guest, o.vmlinux, o.initramfs, sock),
    qmpSocket: sock,
  });
  // QEMU runs in its own process group: a stop ends it here, or nothing would.
  const onAbort = () => void guest.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted === true) onAbort();
  const parts: PartRun[] = [];
  const result = (end: ScriptRun['end']): ScriptRun => {
    const lines = parts.flatMap((p) => p.lines);
    return {
      parts,
      checks: lines.filter((l) => /^(not )?ok \d/.test(l)).length,
      failed: lines.filter((l) => l.startsWith('not ok ')).length,
      end,
    };
  };
  try {
    await guest.booted(t.boot, 0);
    const dimms: string[] = [];
    let seq = 0;
    for (let q = 1; q <= o.parts; q++) {
      const t0 = Date.now();
      const lines: string[] = [];
      const started = await guest.begin(`spec ${o.path} ${q}`, t.command);
      let from = started.from;
      let r = await guest.next(started.id, from, t.command + t.crashToCapture);
      lines.push(...r.lines);
      // Manual steps: memory hotplug through QMP (then Enter), anything else skipped (s).
      while (r.kind === 'manual') {
        if (labCanDo(r.manual)) {
          const [, action, n] = /(add|remove) (\d+)/.exec(r.manual) ?? [];
          const bytes = Number(n) * o.guest.lmbMiB * 1024 * 1024;
          if (action === 'add') {
            const id = `dimm${++seq}`;
            await guest.qmpCommand(
              'object-add',
              { 'qom-type': 'memory-backend-ram', id: `mem-${id}`, size: bytes },
              t.command,
            );
            await guest.qmpCommand('device_add', { driver: 'pc-dimm', id, memdev: `mem-${id}` }, t.command);
            dimms.push(id);
          } else {
            const id = dimms.pop();
            if (id !== undefined) await guest.qmpCommand('device_del', { id }, t.command);
          }
          lines.push(
            `# lab: did it through QMP (${action === 'add' ? 'object-add, device_add pc-dimm' : 'device_del'})`,
          );
          await new Promise((res) => setTimeout(res, t.settle));
          guest.send('\n');
        } else guest.send('s\n');
        from = r.end;
        r = await guest.next(started.id, from, t.command + t.crashToCapture);
        lines.push(...r.lines);
      }
      const boot = r.kind === 'boot' ? (await guest.booted(t.crashToCapture, r.end)).boot : null;
      const p: PartRun = {
        part: q,
        lines: lines.filter((l) => SCRIPT_LINE.test(l)),
        rc: r.rc,
        boot,
        ms: Date.now() - t0,
      };
      parts.push(p);
      o.onPart?.(p);
      if (r.rc !== null && (q < o.parts || r.rc !== 0))
        return result({ end: 'failed', reason: `part ${q} exited ${r.rc}` });
    }
    const res = result({ end: 'completed', reason: `${o.parts} parts` });
    return res.failed > 0 ? { ...res, end: { end: 'failed', reason: `${res.failed} checks failed` } } : res;
  } catch (err) {
    if (o.signal?.aborted === true)
      return result({ end: 'interrupted', reason: `interrupted in part ${parts.length + 1}` });
    if (err instanceof GuestError) return result({ end: err.kind, reason: err.message });
    return result({ end: 'guest-died', reason: err instanceof Error ? err.message : String(err) });
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await guest.stop();
  }
}

/** The run as a small text log: what ran where, each part's lines, and the totals. */
export function scriptLog(head: Record<string, string>, r: ScriptRun): string {
  const lines = Object.entries(head).map(([k, v]) => `# ${k}: ${v}`);
  for (const p of r.parts) {
    lines.push(
      `## part ${p.part}: ${(p.ms / 1000).toFixed(0)} s, ${p.rc === null ? `ended in a boot (${p.boot ?? '?'})` : `exit ${p.rc}`}`,
    );
    lines.push(...p.lines);
  }
  lines.push(`# result: ${r.end.end} (${r.end.reason}); ${r.checks} checks, ${r.failed} failed`);
  return `${lines.join('\n')}\n`;
}
