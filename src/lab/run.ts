// Runs one event log on a real guest and records the transcript (src/conform/transcript.ts): the
// host side of the lab. Each model event becomes guest actions; after every step the guest agent
// reports every observable. A guest that dies or hangs ends the path with the reason.
import { join } from 'node:path';
import { describeEvent, type ExternalEvent } from '../events';
import type { End, Guest as GuestDescription, Observed, Step } from '../conform/transcript';
import { Guest, GuestError } from './guest';
import { diedBetween, dyingLines, errnoOf, parseObservation, writeResult } from './observe';
import { kdumpctlCmdline } from '../memory/cmdline';
import { pnorImage, powernvArgs, pseriesArgs, qemuCommand } from './lab';

/** Timeouts, in ms, for TCG on a shared 2-core machine. */
export const TIMEOUTS = {
  boot: 240_000,
  command: 60_000,
  crashToCapture: 300_000,
  hotplug: 180_000,
  saveDump: 600_000,
};
export type Timeouts = typeof TIMEOUTS;

/** Whether a guest under QEMU can perform an event: firmware fault injection, kdumpctl stop and
 *  restart are not part of this lab; kdump's `kexec -p` and `kexec -p -u` are (kdumpEvent()), and
 *  kdumpctl start and reload (kdumpctlEvent()); a memory remove needs a DIMM the path added. */
export function performable(e: ExternalEvent): boolean {
  return (
    e.event === 'boot' ||
    e.event === 'write' ||
    e.event === 'crash' ||
    e.event === 'reboot' ||
    // The HMC's dump restart is QEMU's nmi (QMP inject-nmi): a system reset interrupt on every
    // vCPU (docs/kernel-behaviour.md §13.4).
    e.event === 'dump-restart' ||
    e.event === 'save-dump' ||
    // By count: pc-dimms the path adds and removes. By address: device_del of the pc-dimm
    // holding it (a DIMM present at boot or added); a drc index names no DIMM.
    (e.event === 'memory-hotplug' && (e.lmbs !== undefined || (e.action === 'remove' && e.address !== undefined))) ||
    e.event === 'cpu-hotplug' ||
    kdumpEvent(e) ||
    kdumpctlEvent(e)
  );
}

/** kdumpctl's events the lab performs as kdump-utils' kdumpctl touches the kernel (PathRunner
 *  kdumpctl()): `kdump-start` (kdumpctl start) and `kdump-reload` (kdumpctl reload, which the udev
 *  throttler runs after a hotplug: the lab's guest has no udev rule, the path says when). */
export function kdumpctlEvent(e: ExternalEvent): boolean {
  return e.event === 'kdump-start' || e.event === 'kdump-reload';
}

/** kdump's events the lab performs with kexec-tools in the guest (lab/guest/agent kload, kunload):
 *  `kexec-load` runs the whole `kexec -p` (its errno, if it fails, is the step's), `kexec-loaded`
 *  is its return, already seen (nothing to do), `kexec-unload` runs `kexec -p -u`. */
export function kdumpEvent(e: ExternalEvent): boolean {
  return e.event === 'kexec-load' || e.event === 'kexec-loaded' || e.event === 'kexec-unload';
}

/** kexec-tools' answer (the agent's "KEXEC ok" / "KEXEC err <output>"): null on success, else the
 *  errno its message names (strerror's text, as kexec.c prints "kexec_load failed: %s"), or
 *  "E?(...)" with the message when it names none (a failure in user space). */
export function kexecResult(lines: readonly string[]): { errno: string | null; said: string } {
  const said = lines.join('\n');
  return { errno: lines.some((l) => l === 'KEXEC ok') ? null : errnoOf(said.replace(/^KEXEC err /m, '')), said };
}

/** Whether a guest of `platform` can perform an event: performable() on pSeries,
 *  performableOnPowernv() on PowerNV. */
export function performableOn(e: ExternalEvent, platform: GuestDescription['platform']): boolean {
  return platform === 'powernv' ? performableOnPowernv(e) : performable(e);
}

/** What a powernv10 guest can perform: boot, writes, a crash (with fadump registered the kernel's
 *  crash_fadump() asks OPAL for an MPIPL, opal_cec_reboot2(OPAL_REBOOT_MPIPL), which skiboot and
 *  QEMU carry out), reboot and save-dump. No DLPAR on PowerNV; the model's `mpipl` event (an MPIPL
 *  the kernel does not start: an OPAL assert or the SBE's) has no trigger QEMU offers: no QMP
 *  command makes skiboot assert, and hw/ppc/pnv_sbe.c takes no MPIPL request from the host [I];
 *  QMP inject-nmi on powernv is a system reset, the model's dump-restart, left out here
 *  [I: not recorded yet]. */
function performableOnPowernv(e: ExternalEvent): boolean {
  return (
    e.event === 'boot' || e.event === 'write' || e.event === 'crash' || e.event === 'reboot' || e.event === 'save-dump'
  );
}

/** printf octal escapes for the bytes of a value, in pieces of at most `max` characters. */
export function octalPieces(value: string, max = 1000): string[] {
  const esc = [...Buffer.from(value, 'latin1')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const out: string[] = [];
  for (let i = 0; i < esc.length; i += max - (max % 4)) out.push(esc.slice(i, i + max - (max % 4)));
  return out.length ? out : [''];
}

export interface RunOptions {
  guest: GuestDescription;
  vmlinux: string;
  initramfs: string;
  /** A scratch directory for the QMP socket. */
  workDir: string;
  /** Receives each step as it is recorded. */
  onStep?: (s: Step) => void;
  onConsole?: (text: string) => void;
  /** Shorter waits (tests against a fake guest). */
  timeouts?: Partial<Timeouts>;
}

/** The recorded steps and how the run ended. */
export interface RunResult {
  steps: Step[];
  end: End;
}

class PathRunner {
  private guest: Guest | null = null;
  private boot: Observed['boot'] = null;
  private dimms: string[] = [];
  private cores: string[] = [];
  private seq = 0;
  private readonly t: Timeouts;

  constructor(private readonly o: RunOptions) {
    this.t = { ...TIMEOUTS, ...o.timeouts };
  }

  private async launch(): Promise<void> {
    const sock = join(this.o.workDir, `qmp-${process.pid}-${Date.now()}.sock`);
    this.guest = Guest.launch({
      command: qemuCommand(),
      args:
        this.o.guest.platform === 'powernv'
          ? powernvArgs(this.o.guest, this.o.vmlinux, this.o.initramfs, sock, pnorImage())
          : pseriesArgs(this.o.guest, this.o.vmlinux, this.o.initramfs, sock),
      qmpSocket: sock,
      ...(this.o.onConsole ? { onConsole: this.o.onConsole } : {}),
    });
    if (this.stopping) await this.guest.stop();
    this.boot = (await this.guest.booted(this.t.boot, 0)).boot;
  }

  private live(): Guest {
    if (this.guest === null) throw new GuestError('guest-died', 'no guest is running (the path did not boot it)');
    return this.guest;
  }

  /** Kernel log lines seen by the waits inside a step (peek()), given to the step's observation. */
  private carried: string[] = [];

  /** The crashing kernel's console lines of the last crash, until the step's observation. */
  private dying: string[] | null = null;

  /** What the guest shows now, with the kernel's log lines since the last step (and, after a
   *  crash, the crashing kernel's). */
  async observe(): Promise<Observed | null> {
    const o = await this.peek();
    const console = this.carried;
    const panic = this.dying;
    this.carried = [];
    this.dying = null;
    if (o === null) return null;
    return panic === null ? { ...o, console } : { ...o, console, panic };
  }

  /** The raw console from a crash to the next boot: the crashing kernel's lines, and those of any
   *  kernel that booted and died in between (diedBetween(): a kdump capture kernel out of memory),
   *  which are its dying lines too and the kernel log lines of the step. */
  private diedAt(raw: string): void {
    const between = diedBetween(raw);
    this.dying = [...dyingLines(raw), ...between];
    this.carried.push(...between);
  }

  /** An observation inside a step (a wait's poll): its log lines are kept for the step's. */
  private async peek(): Promise<Observed | null> {
    if (this.guest === null) return null;
    const o = parseObservation(await this.command('obs', this.t.command), this.boot);
    this.carried.push(...o.console);
    return o;
  }

  /** An agent command's answer; on PowerNV without the lines skiboot printed meanwhile on the
   *  same UART (withoutOpalLines()). */
  private async command(line: string, timeoutMs: number): Promise<string[]> {
    const lines = await this.live().command(line, timeoutMs);
    return this.o.guest.platform === 'powernv' ? withoutOpalLines(lines) : lines;
  }

  /** Performs one event; returns the errno (writes) and what the guest's tool said. */
  async perform(e: ExternalEvent): Promise<{ errno: string | null; said: string | null }> {
    switch (e.event) {
      case 'boot':
        if (this.guest === null) await this.launch();
        return { errno: null, said: null };
      case 'write': {
        const g = this.live();
        for (const p of octalPieces(e.value)) await g.command(`put ${p}`, this.t.command);
        return writeResult(await this.command(`write ${e.path}`, this.t.command));
      }
      case 'crash':
      case 'reboot': {
        const g = this.live();
        const from = await g.fire(e.event, this.t.command);
        const b = await g.booted(e.event === 'crash' ? this.t.crashToCapture : this.t.boot, from);
        this.boot = b.boot;
        if (e.event === 'crash') this.diedAt(g.text(from, b.at));
        return { errno: null, said: null };
      }
      case 'dump-restart': {
        // QMP inject-nmi: system_reset_exception() in the guest ends it as a crash does (§13.4).
        const g = this.live();
        const from = g.mark();
        await g.qmpCommand('inject-nmi', {}, this.t.command);
        const b = await g.booted(this.t.crashToCapture, from);
        this.boot = b.boot;
        this.diedAt(g.text(from, b.at));
        return { errno: null, said: 'QMP inject-nmi' };
      }
      case 'save-dump': {
        const said = (await this.command('savedump', this.t.saveDump)).join('\n');
        return { errno: said.startsWith('SAVED err') ? 'EIO' : null, said };
      }
      case 'memory-hotplug':
        if (e.lmbs !== undefined) return this.hotplug(e.action, e.lmbs);
        if (e.action === 'remove' && e.address !== undefined) return this.removeDimmAt(BigInt(e.address));
        throw new Error(
          `the lab cannot ${e.action} a named LMB (${describeEvent(e)}): it hot-adds pc-dimms by count and device_dels them by count or by an address in them; replay the log with the model instead`,
        );
      case 'cpu-hotplug':
        return this.cpuHotplug(e.action, e.cpus);
      case 'kexec-load':
        // kdumpctl's load_kdump(): kexec -p with prepare_cmdline()'s command line, built from
        // /proc/cmdline (the guest's) as kdumpctlCmdline() states it (src/memory/cmdline.ts).
        return kexecResult(await this.live().command(`kload ${kdumpctlCmdline(this.o.guest.cmdline)}`, this.t.command));
      case 'kexec-loaded':
        // The lab's kexec -p (kexec-load, kdumpctl start or reload in kdump mode) ran whole.
        return { errno: null, said: 'kexec -p returned at the step that ran it' };
      case 'kexec-unload':
        return kexecResult(await this.live().command('kunload', this.t.command));
      case 'kdump-start':
        return this.kdumpctl('start');
      case 'kdump-reload':
        return this.kdumpctl('reload');
      default:
        throw new Error(`the lab cannot perform ${e.event}`);
    }
  }

  /** kdump-utils' kdumpctl `start` or `reload` as it touches the kernel (kdumpctl main(); the
   *  guest has no kdump.conf, initrd rebuild or dump target to check [I]). determine_dump_mode():
   *  fadump mode when /sys/kernel/fadump/enabled reads 1 (is_fadump_capable()), else kdump.
   *  start(): check_current_status() (fadump: registered reads 1; kdump: kexec_crash_loaded reads
   *  1) says "Kdump already running" and does nothing; check_dump_feasibility() in kdump mode stops
   *  at "No memory reserved for crash kernel" when kexec_crash_size reads 0; then start_dump():
   *  start_fadump() (`echo 1 > registered`; fadump_bootargs_append() writes nothing without
   *  FADUMP_COMMANDLINE_APPEND) or load_kdump() (`kexec -p`). reload(): reload_fadump() (`echo 1 >
   *  registered`; refused, stop_fadump() `echo 0` then start_fadump() `echo 1`), or stop_kdump()
   *  (`kexec -p -u`) then load_kdump(). `said` lists what ran, with each answer; the errno is the
   *  last kexec's or write's (the model compares none for these events). */
  private async kdumpctl(op: 'start' | 'reload'): Promise<{ errno: string | null; said: string | null }> {
    const files = (await this.peek())?.files ?? {};
    const fadump = files[FADUMP_ENABLED] === '1';
    const said: string[] = [`kdumpctl ${op} (${fadump ? 'fadump' : 'kdump'} mode)`];
    const run = async (what: string, r: Promise<{ errno: string | null; said: string | null }>) => {
      const a = await r;
      said.push(`${what}: ${a.errno === null ? 'ok' : (a.said ?? a.errno)}`);
      return a.errno;
    };
    const register = (v: '0' | '1') =>
      run(`echo ${v} > ${FADUMP_REGISTERED}`, this.writeFile(FADUMP_REGISTERED, `${v}\n`));
    const load = () =>
      run('kexec -p', this.command(`kload ${kdumpctlCmdline(this.o.guest.cmdline)}`, this.t.command).then(kexecResult));
    let errno: string | null = null;
    if (op === 'start') {
      const running = fadump ? files[FADUMP_REGISTERED] === '1' : files['/sys/kernel/kexec_crash_loaded'] === '1';
      if (running) said.push('Kdump already running: [WARNING]');
      else if (!fadump && (files['/sys/kernel/kexec_crash_size'] ?? '0') === '0')
        said.push('No memory reserved for crash kernel');
      else errno = fadump ? await register('1') : await load();
    } else if (fadump) {
      errno = await register('1');
      if (errno !== null && (await register('0')) === null) errno = await register('1');
    } else {
      errno = await run('kexec -p -u', this.command('kunload', this.t.command).then(kexecResult));
      if (errno === null) errno = await load();
    }
    return { errno, said: said.join('\n') };
  }

  /** One write(2) of `value` to `path` by the guest agent (put, then write). */
  private async writeFile(path: string, value: string): Promise<{ errno: string | null; said: string | null }> {
    for (const p of octalPieces(value)) await this.live().command(`put ${p}`, this.t.command);
    return writeResult(await this.command(`write ${path}`, this.t.command));
  }

  /** QMP pc-dimm hot-add (object-add + device_add) or device_del of the newest added DIMM; waits
   *  until the guest's online memory blocks change by the LMBs' worth. */
  private async hotplug(
    action: 'add' | 'remove',
    lmbs: number,
  ): Promise<{ errno: string | null; said: string | null }> {
    const g = this.live();
    const before = (await this.peek())?.memoryBlocksOnline ?? 0;
    const bytes = lmbs * this.o.guest.lmbMiB * 1024 * 1024;
    if (action === 'add') {
      const id = `dimm${++this.seq}`;
      await g.qmpCommand(
        'object-add',
        { 'qom-type': 'memory-backend-ram', id: `mem-${id}`, size: bytes },
        this.t.command,
      );
      await g.qmpCommand('device_add', { driver: 'pc-dimm', id, memdev: `mem-${id}` }, this.t.command);
      this.dimms.push(id);
    } else {
      const id = this.dimms.pop();
      if (id === undefined) return { errno: null, said: 'no DIMM added by this path to remove' };
      await g.qmpCommand('device_del', { id }, this.t.command);
    }
    const blocks = (bytes / ((await this.peek())?.memoryBlockBytes || bytes)) * (action === 'add' ? 1 : -1);
    const deadline = Date.now() + this.t.hotplug;
    for (;;) {
      const now = (await this.peek())?.memoryBlocksOnline ?? 0;
      if (now === before + blocks) return { errno: null, said: `memory blocks online: ${before} -> ${now}` };
      if (Date.now() > deadline)
        return {
          errno: null,
          said: `memory blocks online: ${before} -> ${now} (expected ${before + blocks} within ${this.t.hotplug / 1000} s)`,
        };
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  /** QMP device_add of a spapr CPU core into a free slot of query-hotpluggable-cpus (one thread a
   *  core), or device_del of the newest core this path added; waits until the guest's online CPU
   *  count (/sys/devices/system/cpu/online) changes by that many. A core QEMU refuses (no free
   *  slot) is said, and the wait is skipped. */
  private async cpuHotplug(
    action: 'add' | 'remove',
    cpus: number,
  ): Promise<{ errno: string | null; said: string | null }> {
    const g = this.live();
    const before = (await this.peek())?.cpusOnline ?? '';
    const said: string[] = [];
    for (let i = 0; i < cpus; i++) {
      if (action === 'add') {
        const slots = (await g.qmpCommand('query-hotpluggable-cpus', {}, this.t.command)) as HotpluggableCpu[];
        const free = slots.filter((s) => s['qom-path'] === undefined).sort((a, b) => coreId(a) - coreId(b))[0];
        if (free === undefined) {
          said.push('no free CPU slot (query-hotpluggable-cpus)');
          break;
        }
        const id = `core${coreId(free)}`;
        await g.qmpCommand('device_add', { driver: free.type, id, 'core-id': coreId(free) }, this.t.command);
        this.cores.push(id);
      } else {
        const id = this.cores.pop();
        if (id === undefined) {
          said.push('no CPU core added by this path to remove');
          break;
        }
        await g.qmpCommand('device_del', { id }, this.t.command);
      }
    }
    const want = countCpus(before) + (action === 'add' ? cpus : -cpus);
    const deadline = Date.now() + this.t.hotplug;
    for (;;) {
      const now = (await this.peek())?.cpusOnline ?? '';
      if (countCpus(now) === want || said.length)
        return { errno: null, said: [`cpus online: ${before} -> ${now}`, ...said].join('\n') };
      if (Date.now() > deadline)
        return {
          errno: null,
          said: `cpus online: ${before} -> ${now} (expected ${want} CPUs within ${this.t.hotplug / 1000} s)`,
        };
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  /** device_del of the pc-dimm holding `address` (QMP query-memory-devices: addr, size), then a
   *  wait until the guest's online memory blocks drop by the DIMM's worth, or the kernel logs that
   *  it refused (pseries-hotplug-mem, REFUSED below), or the hotplug timeout. QEMU asks for the
   *  DIMM's LMBs in one "indexed count" request (hw/ppc/spapr.c spapr_memory_unplug_request()),
   *  which the kernel takes all or nothing (dlpar_memory_remove_by_ic()). `said`: the blocks
   *  before and after, the kernel's refusal, and whether QEMU still lists the DIMM. */
  private async removeDimmAt(address: bigint): Promise<{ errno: string | null; said: string | null }> {
    const g = this.live();
    const dimm = dimmAt((await g.qmpCommand('query-memory-devices', {}, this.t.command)) as MemoryDevice[], address);
    if (dimm === null) return { errno: null, said: `no pc-dimm holds 0x${address.toString(16)}` };
    const o = await this.peek();
    const before = o?.memoryBlocksOnline ?? 0;
    const want = before - dimm.size / (o?.memoryBlockBytes || dimm.size);
    await g.qmpCommand('device_del', { id: dimm.id }, this.t.command);
    const deadline = Date.now() + this.t.hotplug;
    const from = this.carried.length;
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = (await this.peek())?.memoryBlocksOnline ?? 0;
      const refused = this.carried.slice(from).find((l) => REFUSED.test(l));
      if (now === want || refused !== undefined || Date.now() > deadline) {
        const left = dimmAt(
          (await g.qmpCommand('query-memory-devices', {}, this.t.command)) as MemoryDevice[],
          address,
        );
        const still = left === null ? 'QEMU no longer lists it' : `QEMU still lists ${left.id}`;
        const why = refused ?? (now === want ? 'removed' : `no change within ${this.t.hotplug / 1000} s`);
        return {
          errno: null,
          said: `device_del ${dimm.id}: memory blocks online: ${before} -> ${now}; ${why}; ${still}`,
        };
      }
    }
  }

  /** Set by stop(): a guest launched after it is stopped at once. */
  private stopping = false;

  /** Stops the guest (its QEMU's process group), and any the path launches later. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.guest?.stop();
  }
}

/** Lines without skiboot's own log lines: on powernv, OPAL's console shares the UART with the
 *  kernel's hvc0, and skiboot prints its messages there as "[   26.390478478,5] DUMP: ..."
 *  (core/console-log.c vprlog(): "[%5lu.%09lu,%d] " timebase seconds and the log level). */
export function withoutOpalLines(lines: readonly string[]): string[] {
  return lines.filter((l) => !OPAL_LINE.test(l));
}

const OPAL_LINE = /^\[\s*\d+\.\d{9},\d\] /;

/** kdumpctl's files (kdump-lib.sh is_fadump_capable(), kdumpctl FADUMP_REGISTER_SYS_NODE). */
const FADUMP_ENABLED = '/sys/kernel/fadump/enabled';
const FADUMP_REGISTERED = '/sys/kernel/fadump/registered';

/** The kernel's lines for a DLPAR memory request it refused (hotplug-memory.c:
 *  dlpar_memory_remove_by_ic() "Memory indexed-count-remove failed, adding any removed LMBs",
 *  dlpar_memory_remove_by_count() "Memory hot-remove failed, adding LMB's back"). */
const REFUSED = /^pseries-hotplug-mem: Memory (indexed-count-remove|hot-remove) failed/;

/** One entry of QMP query-memory-devices (a pc-dimm: its id, base address and size in bytes). */
interface MemoryDevice {
  type: string;
  data: { id?: string; addr: number; size: number };
}

/** The pc-dimm whose [addr, addr + size) holds `address`, or null. */
export function dimmAt(devices: readonly MemoryDevice[], address: bigint): { id: string; size: number } | null {
  for (const d of devices) {
    const { id, addr, size } = d.data;
    if (d.type === 'dimm' && id !== undefined && BigInt(addr) <= address && address < BigInt(addr) + BigInt(size))
      return { id, size };
  }
  return null;
}

/** One entry of QMP query-hotpluggable-cpus: a slot, with a qom-path when a core is plugged in. */
interface HotpluggableCpu {
  type: string;
  props: { 'core-id'?: number };
  'qom-path'?: string;
}

function coreId(s: HotpluggableCpu): number {
  return s.props['core-id'] ?? 0;
}

/** How many CPUs a CPU list names ("0-1,3" → 3). */
export function countCpus(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m !== null) n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

/** Runs the events on a fresh guest; never throws for a guest's failure (the end says why). */
export async function runPath(
  events: readonly ExternalEvent[],
  o: RunOptions,
  signal?: AbortSignal,
): Promise<RunResult> {
  const r = new PathRunner(o);
  // Stopping (SIGINT, SIGTERM, SIGHUP in src/cli/lab.ts) ends the guest at once: QEMU runs in its
  // own process group, so nothing else would; the wait under way then ends and the path is
  // interrupted.
  const onAbort = () => void r.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  const steps: Step[] = [];
  const push = (s: Step) => {
    steps.push(s);
    o.onStep?.(s);
  };
  push({ step: 0, event: null, errno: null, said: null, observed: null, ms: 0 });
  try {
    for (const [i, e] of events.entries()) {
      if (signal?.aborted) return { steps, end: { end: 'interrupted', reason: `interrupted before step ${i + 1}` } };
      const t0 = Date.now();
      const { errno, said } = await r.perform(e);
      push({ step: i + 1, event: e, errno, said, observed: await r.observe(), ms: Date.now() - t0 });
    }
    return { steps, end: { end: 'completed', reason: `${events.length} events` } };
  } catch (err) {
    if (signal?.aborted) return { steps, end: { end: 'interrupted', reason: `interrupted at step ${steps.length}` } };
    if (err instanceof GuestError)
      return { steps, end: { end: err.kind, reason: `step ${steps.length}: ${err.message}` } };
    return {
      steps,
      end: { end: 'guest-died', reason: `step ${steps.length}: ${err instanceof Error ? err.message : String(err)}` },
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await r.stop();
  }
}
