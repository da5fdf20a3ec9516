// The lab's files and guests: where the set-up (lab/setup.sh) left QEMU, busybox and the kernels,
// the guest's initramfs (busybox plus lab/guest/), and the QEMU command line for a guest.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpioNewc, type CpioEntry } from './cpio';
import { ensurePnorImage } from './pnor';
import type { Guest as GuestDescription } from '../conform/transcript';
import { InputError } from '../util/read';

/** The lab cache: $FADUMP_LAB, or ~/.cache/fadump-model/lab. */
export function labDir(): string {
  return process.env.FADUMP_LAB ?? join(homedir(), '.cache', 'fadump-model', 'lab');
}

/** The repository's lab/ folder (set-up script, kernel fragments, guest files). */
export function repoLabDir(): string {
  return fileURLToPath(new URL('../../lab', import.meta.url));
}

/** A kernel variant the set-up builds: "6.12-64k" → series 6.12, 64 KiB pages. */
export interface KernelVariant {
  name: string;
  series: string;
  pageSizeKiB: 4 | 64;
  vmlinux: string;
  release: string;
  source: string;
  /** CONFIG_NR_CPUS of the build (its .config). */
  nrCpus: number;
}

/** The built variant, or an Error saying how to build it. */
export function kernelVariant(name: string, lab = labDir()): KernelVariant | Error {
  const m = /^(\d+\.\d+)-(4|64)k$/.exec(name);
  if (m === null) return new Error(`kernel variant "${name}": expected SERIES-PAGESk, such as 6.12-64k`);
  const dir = join(lab, 'kernels', name);
  const vmlinux = join(dir, 'vmlinux');
  if (!existsSync(vmlinux))
    return new InputError(`kernel ${name} is not built in ${lab}: run LAB_KERNELS="${name}" npm run lab -- setup`);
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : '?');
  const version = read('version');
  const nrCpus = Number(/^CONFIG_NR_CPUS=(\d+)$/m.exec(read('config'))?.[1] ?? 8);
  return {
    name,
    series: m[1] ?? '',
    pageSizeKiB: m[2] === '4' ? 4 : 64,
    vmlinux,
    release: /Linux version (\S+)/.exec(version)?.[1] ?? '?',
    source: read('debian-version'),
    nrCpus,
  };
}

/** The guest's files: busybox, /init and the agent (lab/guest/). */
function baseEntries(lab: string): CpioEntry[] {
  const busybox = join(lab, 'guest', 'busybox');
  if (!existsSync(busybox)) throw new InputError(`no busybox in ${lab}: run npm run lab -- setup`);
  const g = repoLabDir();
  return [
    ...['bin', 'dev', 'proc', 'sys', 'tmp', 'root'].map((name) => ({ name, kind: 'dir' as const })),
    { name: 'bin/busybox', kind: 'file', data: readFileSync(busybox), executable: true },
    { name: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { name: 'init', kind: 'file', data: readFileSync(join(g, 'guest', 'init')), executable: true },
    { name: 'bin/agent', kind: 'file', data: readFileSync(join(g, 'guest', 'agent')), executable: true },
  ];
}

/** Builds the guest's initramfs from busybox and lab/guest/{init,agent} (and `spec`, a regression
 *  spec script, as /spec.sh); returns its path. */
export function buildInitramfs(lab = labDir(), spec?: string): string {
  const entries: CpioEntry[] = [
    ...baseEntries(lab),
    ...(spec === undefined
      ? []
      : [{ name: 'spec.sh', kind: 'file' as const, data: Buffer.from(spec), executable: true }]),
  ];
  mkdirSync(join(lab, 'guest'), { recursive: true });
  const out = join(lab, 'guest', spec === undefined ? 'initramfs.cpio' : 'initramfs-spec.cpio');
  writeFileSync(out, cpioNewc(entries));
  return out;
}

/** Where the guest finds kexec-tools (lab/setup.sh kexec_tools()): the binary, its interpreter
 *  (PT_INTERP /lib64/ld64.so.2) and its libraries in glibc's multiarch directory, which Debian's
 *  ppc64el ld.so searches. */
const KEXEC_IN_GUEST = { binary: 'sbin/kexec', interp: 'lib64/ld64.so.2', libDir: 'lib/powerpc64le-linux-gnu' };

/** The kdump pieces in the guest: the vmlinux `kexec -p` loads and its capture initramfs. */
export const KDUMP_IN_GUEST = { vmlinux: '/boot/vmlinux', initrd: '/boot/capture.cpio' };

/** kexec-tools and its libraries as initramfs entries, from the lab's guest/kexec/. */
function kexecEntries(lab: string): CpioEntry[] {
  const dir = join(lab, 'guest', 'kexec');
  if (!existsSync(join(dir, 'kexec'))) throw new InputError(`no kexec-tools in ${lab}: run npm run lab -- setup`);
  const libs = readdirSync(dir).filter((f) => f !== 'kexec' && f !== 'ld64.so.2');
  return [
    ...['sbin', 'lib', 'lib64', KEXEC_IN_GUEST.libDir, 'boot'].map((name) => ({ name, kind: 'dir' as const })),
    { name: KEXEC_IN_GUEST.binary, kind: 'file', data: readFileSync(join(dir, 'kexec')), executable: true },
    { name: KEXEC_IN_GUEST.interp, kind: 'file', data: readFileSync(join(dir, 'ld64.so.2')), executable: true },
    ...libs.map((f) => ({
      name: `${KEXEC_IN_GUEST.libDir}/${f}`,
      kind: 'file' as const,
      data: readFileSync(join(dir, f)),
      executable: true,
    })),
  ];
}

/** The guest's initramfs for kdump paths on one kernel: the lab guest with kexec-tools, the
 *  kernel's vmlinux (/boot/vmlinux) and a capture initramfs (/boot/capture.cpio: the same guest
 *  without the vmlinux and without itself, so that the crashkernel= region holds it). Returns the
 *  initramfs's path and the sizes `kexec -p` loads (bytes): the vmlinux's first PT_LOAD memsz
 *  (what kexec-tools' elf_ppc64_load() places) and the capture initramfs's. */
export function buildKdumpInitramfs(
  vmlinux: string,
  variant: string,
  lab = labDir(),
): { initramfs: string; imageBytes: number; initrdBytes: number } {
  const capture = cpioNewc([...baseEntries(lab), ...kexecEntries(lab)]);
  const image = readFileSync(vmlinux);
  const out = join(lab, 'guest', `initramfs-kdump-${variant}.cpio`);
  writeFileSync(
    out,
    cpioNewc([
      ...baseEntries(lab),
      ...kexecEntries(lab),
      { name: KDUMP_IN_GUEST.vmlinux.slice(1), kind: 'file', data: image, executable: false },
      { name: KDUMP_IN_GUEST.initrd.slice(1), kind: 'file', data: capture, executable: false },
    ]),
  );
  return { initramfs: out, imageBytes: firstLoadMemsz(image), initrdBytes: capture.length };
}

/** p_memsz of an ELF64 file's first PT_LOAD (0 when there is none): the kernel image's size in
 *  memory, bss included. */
export function firstLoadMemsz(elf: Buffer): number {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) return 0;
  const le = elf[5] === 1;
  const u16 = (o: number) => (le ? elf.readUInt16LE(o) : elf.readUInt16BE(o));
  const u64 = (o: number) => Number(le ? elf.readBigUInt64LE(o) : elf.readBigUInt64BE(o));
  const phoff = u64(32);
  for (let i = 0; i < u16(56); i++) {
    const o = phoff + i * 56;
    if (o + 56 <= elf.length && (le ? elf.readUInt32LE(o) : elf.readUInt32BE(o)) === 1) return u64(o + 40);
  }
  return 0;
}

/** The QEMU version the lab's wrapper runs. */
export function qemuCommand(lab = labDir()): string {
  return join(lab, 'qemu', 'run');
}

/** The QOM id of the i-th pc-dimm present at boot (its memory backend is `mem-<id>`). */
export function bootDimmId(i: number): string {
  return `boot${i}`;
}

/** -object/-device pairs for pc-dimms present at boot (MiB each): QEMU places them in order from
 *  the device-memory base (hw/ppc/spapr.c), each with its LMBs' DRCs, so that device_del can
 *  remove them (boot RAM cannot be). */
function bootDimmArgs(dimmsMiB: readonly number[]): string[] {
  return dimmsMiB.flatMap((mib, i) => [
    '-object',
    `memory-backend-ram,id=mem-${bootDimmId(i)},size=${mib}M`,
    '-device',
    `pc-dimm,id=${bootDimmId(i)},memdev=mem-${bootDimmId(i)}`,
  ]);
}

/** What every lab guest boots with: a guest panic left to the kernel (ibm,os-term without a dump
 *  registered: QEMU's default action shuts the machine down; with none the kernel goes on to
 *  panic=N and reboots the partition, as an LPAR whose dump is not armed does), the QMP socket the
 *  driver talks to, and the kernel, initramfs and command line QEMU loads. */
function bootArgs(cmdline: string, vmlinux: string, initramfs: string, qmpSocket: string): string[] {
  return [
    '-action',
    'panic=none',
    '-qmp',
    `unix:${qmpSocket},server=on,wait=off`,
    '-kernel',
    vmlinux,
    '-initrd',
    initramfs,
    '-append',
    cmdline,
  ];
}

/** A guest with no display, network or monitor, its console on QEMU's stdio (the driver's
 *  hvc0 / OPAL console). */
const HEADLESS = ['-vga', 'none', '-display', 'none', '-net', 'none', '-serial', 'stdio', '-monitor', 'none'];

/** QEMU's arguments for a pSeries guest under TCG (hvc0 console on stdio, QMP on a socket, room
 *  for pc-dimm hot-add up to maxMemoryMiB and for CPU cores up to cpus, a guest panic left to the
 *  kernel's panic=). */
export function pseriesArgs(g: GuestDescription, vmlinux: string, initramfs: string, qmpSocket: string): string[] {
  return [
    '-machine',
    // resize-hpt=disabled: a guest whose kdump capture must survive a memory hot-add under the hash
    // MMU (src/lab/counterexamples.ts kexecAcrossHotplug()).
    g.resizeHpt === false ? 'pseries,resize-hpt=disabled' : 'pseries',
    '-accel',
    'tcg',
    '-smp',
    // Cores of one thread: maxcpus leaves room for spapr CPU cores to be hot-added (device_add).
    g.onlineCpus !== undefined && g.onlineCpus < g.cpus ? `${g.onlineCpus},maxcpus=${g.cpus}` : String(g.cpus),
    '-m',
    `${g.memoryMiB}M,slots=4,maxmem=${g.maxMemoryMiB}M`,
    ...bootDimmArgs(g.dimmsMiB ?? []),
    ...HEADLESS,
    ...bootArgs(g.cmdline, vmlinux, initramfs, qmpSocket),
  ];
}

/** The lab's PNOR image for PowerNV guests: $FADUMP_LAB/powernv/pnor.img, made (src/lab/pnor.ts)
 *  when absent. */
export function pnorImage(lab = labDir()): string {
  mkdirSync(join(lab, 'powernv'), { recursive: true });
  return ensurePnorImage(join(lab, 'powernv', 'pnor.img'));
}

/** QEMU's arguments for a PowerNV guest under TCG: a POWER10 machine (powernv10) whose skiboot
 *  (from qemu-system-data, -L) boots the kernel with OPAL, its console on the UART (stdio), and a
 *  PNOR flash (pnorImage(): skiboot needs a valid FFS table for the MPIPL a crash with fadump
 *  registered takes, core/flash.c). No DLPAR and no pc-dimms on PowerNV; a guest panic is left to
 *  the kernel (with fadump registered it calls opal_cec_reboot2(OPAL_REBOOT_MPIPL), QEMU's
 *  hw/ppc/pnv.c). */
export function powernvArgs(
  g: GuestDescription,
  vmlinux: string,
  initramfs: string,
  qmpSocket: string,
  pnor: string,
): string[] {
  return [
    '-machine',
    'powernv10',
    '-accel',
    'tcg',
    '-smp',
    String(g.cpus),
    '-m',
    `${g.memoryMiB}M`,
    ...HEADLESS,
    '-drive',
    `file=${pnor},format=raw,if=mtd`,
    ...bootArgs(g.cmdline, vmlinux, initramfs, qmpSocket),
  ];
}
