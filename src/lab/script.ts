// Runs one path of a regression spec script (`paths --format sh`, src/spec/sh.ts) on a lab guest:
// the script goes in the initramfs as /spec.sh, each part runs through the agent's `spec` command
// (lab/guest/agent), a part that ends in a crash or a reboot is followed by the next boot, and the
// next part runs there. Every wait has a timeout.
import { join } from 'node:path';
import type { Guest as GuestDescription } from '../conform/transcript';
import { config as makeConfig } from '../config';
import { generatePaths } from '../explore/paths';
import { modelConfigOf } from '../conform/transcript';
import { configSpec, type ConfigSpec } from '../spec/steps';
import { shBody, shScript } from '../spec/sh';
import { Guest, GuestError } from './guest';
import { pseriesArgs, qemuCommand } from './lab';
import { TIMEOUTS, type Timeouts } from './run';

/** The part numbers of path `path` in a script's path table (`path_N='3 7 9'`); [] when absent. */
export function scriptPathParts(script: string, path: number): number[] {
  const m = new RegExp(`^path_${path}='([0-9 ]+)'$`, 'm').exec(script);
  return m?.[1]?.split(' ').map(Number) ?? [];
}

/** The spec of the lab guest's configuration (the model configured as conform configures it),
 *  and its script. */
export function labSpec(guest: GuestDescription): { spec: ConfigSpec; script: string } {
  const spec = configSpec(generatePaths(makeConfig(modelConfigOf(guest))));
  return { spec, script: shScript([spec], shBody(spec)) };
}

/** A path a guest runs without the HMC: no manual step, at least one crash into a capture boot,
 *  at most `maxParts` parts (boots). 1-based; null when there is none. */
export function runnablePath(spec: ConfigSpec, maxParts = 3): number | null {
  const i = spec.paths.findIndex((p) => {
    const parts = p.parts.map((k) => spec.parts[k]);
    return (
      p.parts.length >= 2 &&
      p.parts.length <= maxParts &&
      parts.some((q) => q?.boot === 'capture') &&
      parts.every((q) => q !== undefined && q.boot !== 'off' && q.steps.every((s) => s.how.kind !== 'manual'))
    );
  });
  return i < 0 ? null : i + 1;
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
  end: { end: 'completed' | 'failed' | 'timeout' | 'guest-died'; reason: string };
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
  timeouts?: Partial<Timeouts>;
  onPart?: (p: PartRun) => void;
}

const SCRIPT_LINE = /^(ok \d|not ok \d|# |MANUAL )/;

/** Runs every part of the path on a fresh guest; never throws for the guest's failure. */
export async function runScript(o: ScriptRunOptions): Promise<ScriptRun> {
  const t = { ...TIMEOUTS, ...o.timeouts };
  const sock = join(o.workDir, `qmp-${process.pid}-${Date.now()}.sock`);
  const guest = Guest.launch({
    command: qemuCommand(),
    args: pseriesArgs(o.guest, o.vmlinux, o.initramfs, sock),
    qmpSocket: sock,
  });
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
    for (let q = 1; q <= o.parts; q++) {
      const t0 = Date.now();
      const r = await guest.commandOrBoot(`spec ${o.path} ${q}`, t.command + t.crashToCapture);
      const boot = r.rc === null ? (await guest.booted(t.crashToCapture, r.from)).boot : null;
      const p: PartRun = {
        part: q,
        lines: r.lines.filter((l) => SCRIPT_LINE.test(l)),
        rc: r.rc,
        boot,
        ms: Date.now() - t0,
      };
      parts.push(p);
      o.onPart?.(p);
      if (r.rc !== null && q < o.parts) return result({ end: 'failed', reason: `part ${q} exited ${r.rc}` });
      if (r.rc !== null && r.rc !== 0) return result({ end: 'failed', reason: `part ${q} exited ${r.rc}` });
    }
    const res = result({ end: 'completed', reason: `${o.parts} parts` });
    return res.failed > 0 ? { ...res, end: { end: 'failed', reason: `${res.failed} checks failed` } } : res;
  } catch (err) {
    if (err instanceof GuestError) return result({ end: err.kind, reason: err.message });
    return result({ end: 'guest-died', reason: err instanceof Error ? err.message : String(err) });
  } finally {
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
