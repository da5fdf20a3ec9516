// Parses the guest agent's answers (lab/guest/agent) into a transcript's observation, and a
// shell's error text into the errno name it reports.
import type { Observed } from '../conform/transcript';

/** glibc's strerror() texts (what busybox prints after "write error:" or "can't create ...:") →
 *  errno names. */
const STRERROR: Record<string, string> = {
  'Operation not permitted': 'EPERM',
  'No such file or directory': 'ENOENT',
  'Input/output error': 'EIO',
  'Invalid argument': 'EINVAL',
  'File exists': 'EEXIST',
  'No space left on device': 'ENOSPC',
  'Permission denied': 'EACCES',
  'Device or resource busy': 'EBUSY',
  'Cannot allocate memory': 'ENOMEM',
  'No such device': 'ENODEV',
  'Bad address': 'EFAULT',
  'Resource temporarily unavailable': 'EAGAIN',
  'Operation not supported': 'EOPNOTSUPP',
  'Read-only file system': 'EROFS',
  'Is a directory': 'EISDIR',
  'Argument list too long': 'E2BIG',
  'Cannot assign requested address': 'EADDRNOTAVAIL',
};

/** The errno name in a shell's error message ("sh: write error: Invalid argument"), or
 *  "E?(<text>)" when the text is not one of glibc's. */
export function errnoOf(message: string): string {
  for (const [text, name] of Object.entries(STRERROR)) if (message.includes(text)) return name;
  return `E?(${message.trim()})`;
}

/** The agent's `write` answer: null on success, else the errno name. */
export function writeResult(lines: readonly string[]): { errno: string | null; said: string } {
  const said = lines.join('\n');
  const ok = lines.some((l) => l === 'WRITE ok');
  return { errno: ok ? null : errnoOf(said.replace(/^WRITE err /m, '')), said };
}

/** Program headers from the hex bytes of /proc/vmcore's first phoff + phnum*56 bytes. */
export function parsePhdrs(hex: string): NonNullable<Observed['vmcore']>['phdrs'] {
  const bytes = Buffer.from(hex.replace(/[^0-9a-f]/gi, ''), 'hex');
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return [];
  const le = bytes[5] === 1;
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o));
  const phoff = u64(32);
  const phnum = u16(56);
  const out: NonNullable<Observed['vmcore']>['phdrs'] = [];
  for (let i = 0; i < phnum && phoff + (i + 1) * 56 <= bytes.length; i++) {
    const o = phoff + i * 56;
    const t = u32(o);
    out.push({
      type: t === 1 ? 'PT_LOAD' : t === 4 ? 'PT_NOTE' : `0x${t.toString(16)}`,
      offset: u64(o + 8),
      paddr: u64(o + 24),
      filesz: u64(o + 32),
      memsz: u64(o + 40),
    });
  }
  return out;
}

/** NT_PRSTATUS (1) notes named "CORE" among the ELF notes in the hex bytes of /proc/vmcore's
 *  PT_NOTE segment (each note: namesz, descsz, type as u32, then the name and the descriptor, each
 *  padded to 4 bytes; include/uapi/linux/elf.h Elf64_Nhdr): one per CPU the capture kernel made a
 *  note for (rtas_fadump_build_cpu_notes(), fadump_regs_to_elf_notes()). `le`: the ELF's byte
 *  order. */
export function countPrstatusNotes(hex: string, le: boolean): number {
  const b = Buffer.from(hex.replace(/[^0-9a-f]/gi, ''), 'hex');
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const pad = (n: number) => Math.ceil(n / 4) * 4;
  let count = 0;
  for (let o = 0; o + 12 <= b.length;) {
    const namesz = u32(o);
    const descsz = u32(o + 4);
    if (namesz === 0 && descsz === 0) break;
    const name = b.subarray(o + 12, o + 12 + namesz).toString('latin1');
    if (u32(o + 8) === 1 && name.replace(/\0+$/, '') === 'CORE') count++;
    o += 12 + pad(namesz) + pad(descsz);
  }
  return count;
}

/** printk's "[    1.234567] " prefix removed. */
export function consoleText(line: string): string {
  return line.replace(/^\[\s*\d+\.\d+\]\s?/, '');
}

/** The crashing kernel's own lines in the raw console between a crash command's acknowledgement
 *  and the next boot (src/sysfs/panic.ts's `panic`): the lines with a printk timestamp, up to the
 *  first whose timestamp goes back (the next kernel starts its clock at 0), timestamps removed.
 *  The firmware's output between the two kernels has no timestamp and is left out. */
export function dyingLines(raw: string): string[] {
  const out: string[] = [];
  let last = -1;
  for (const line of raw.split(/\r?\n/)) {
    const m = /^\[\s*(\d+\.\d+)\]/.exec(line);
    if (m === null) continue;
    const t = Number(m[1]);
    // The next kernel's first lines are stamped 0 (before its clock runs), or earlier than the
    // dying kernel's last: where a dying kernel printed nothing (a dump restart that fadump
    // takes), the first line is already the next kernel's.
    if (t < last || t === 0) break;
    last = t;
    out.push(consoleText(line));
  }
  return out;
}

/** The lines of the kernels that booted and died between the crashing kernel and the kernel the
 *  step ends in, in the raw console of a crash (a kdump capture kernel that ran out of memory and
 *  panicked, docs/kernel-behaviour.md §6): the printk-stamped lines split into runs where the
 *  clock goes back (each kernel's starts at 0), the runs between the first (the crashing kernel's,
 *  dyingLines()) and the last (the kernel the step ends in), timestamps removed. */
export function diedBetween(raw: string): string[] {
  const runs: string[][] = [];
  let last = -1;
  for (const line of raw.split(/\r?\n/)) {
    const m = /^\[\s*(\d+\.\d+)\]/.exec(line);
    if (m === null) continue;
    const t = Number(m[1]);
    if (runs.length === 0 || t < last || (t === 0 && last > 0)) runs.push([]);
    last = t;
    runs[runs.length - 1]?.push(consoleText(line));
  }
  return runs.slice(1, -1).flat();
}

/** The agent's `obs` answer → an observation (boot is filled in by the caller). */
export function parseObservation(lines: readonly string[], boot: Observed['boot']): Observed {
  const files: Record<string, string | null> = {};
  const fileLines: Record<string, string[]> = {};
  let current: string[] | null = null;
  let vmHex: string[] | null = null;
  let vmSize = 0;
  let vmNone = true;
  let notesHex: string[] | null = null;
  const o: Observed = {
    boot,
    files,
    vmcore: null,
    cmdline: '',
    meminfo: {},
    memoryBlockBytes: 0,
    memoryBlocksOnline: 0,
    console: [],
  };
  for (const line of lines) {
    if (line.startsWith('|') && current !== null) {
      current.push(line.slice(1));
      continue;
    }
    current = null;
    if (line.startsWith('@FILE ')) {
      const p = line.slice(6);
      current = fileLines[p] = [];
    } else if (line.startsWith('@WONLY ')) files[line.slice(7)] = null;
    else if (line.startsWith('@VMCORE size ')) {
      vmNone = false;
      vmSize = Number(line.slice(13));
      current = vmHex = [];
    } else if (line.startsWith('@NOTES ')) current = notesHex = [];
    else if (line.startsWith('@CPUS ')) o.cpusOnline = line.slice(6).trim();
    else if (line.startsWith('@CMDLINE ')) o.cmdline = line.slice(9);
    else if (line.startsWith('@IOMEM ')) (o.iomem ??= []).push(line.slice(7).trim());
    else if (line.startsWith('@MEMINFO ')) {
      for (const m of line.slice(9).matchAll(/(\w+): (\d+) kB/g)) o.meminfo[m[1] ?? ''] = Number(m[2]) * 1024;
    } else if (line.startsWith('@MEMBLOCKS ')) {
      const [size, online] = line.slice(11).split(' ');
      o.memoryBlockBytes = parseInt(size ?? '0', 16);
      o.memoryBlocksOnline = Number(online ?? 0);
    } else if (line.startsWith('@DMESG ')) o.console.push(consoleText(line.slice(7)));
  }
  for (const [p, ls] of Object.entries(fileLines)) files[p] = ls.join('\n');
  if (!vmNone && vmHex !== null) {
    const head = Buffer.from(
      vmHex
        .join(' ')
        .replace(/[^0-9a-f]/gi, '')
        .slice(0, 12),
      'hex',
    );
    o.vmcore = { size: vmSize, phdrs: parsePhdrs(vmHex.join(' ')) };
    if (notesHex !== null) o.vmcore.prstatusNotes = countPrstatusNotes(notesHex.join(' '), head[5] !== 2);
  }
  return o;
}
