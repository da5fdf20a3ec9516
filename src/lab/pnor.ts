// A PNOR flash image for QEMU's powernv machine (`-drive file=…,format=raw,if=mtd`): skiboot looks
// for an FFS partition table at the start of the system flash, and an MPIPL (the crash of a
// registered OPAL fadump) goes through the flash code (core/flash.c flash_unregister()), which
// without a valid table ends in a machine check. The image holds the table with its one `part`
// entry, as skiboot's libflash writes it (libflash/libffs.c ffs_hdr_new(), ffs_hdr_finalise(),
// ffs_entry_to_flash()); the layout is libflash/ffs.h's struct __ffs_hdr and struct __ffs_entry.
import { closeSync, existsSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

/** libflash/ffs.h FFS_MAGIC: ASCII "PART". */
export const FFS_MAGIC = 0x50415254;
/** libflash/ffs.h FFS_VERSION_1. */
export const FFS_VERSION_1 = 1;
/** libflash/ffs.h FFS_PID_TOPLEVEL. */
export const FFS_PID_TOPLEVEL = 0xffffffff;
/** libflash/ffs.h enum ffs_type FFS_TYPE_PARTITION (the table's own entry). */
export const FFS_TYPE_PARTITION = 3;
/** libflash/ffs.h FFS_FLAGS_PROTECTED (ffs_hdr_new() sets it on `part`). */
export const FFS_FLAGS_PROTECTED = 0x0001;
/** libflash/libffs.h FFS_PART_NAME_MAX: a name is at most 15 bytes and a NUL. */
export const FFS_PART_NAME_MAX = 15;
/** sizeof(struct __ffs_hdr): eleven be32 words and the checksum. */
export const FFS_HDR_BYTES = 48;
/** sizeof(struct __ffs_entry): name[16], seven be32, resvd[4], the 64-byte user data, checksum. */
export const FFS_ENTRY_BYTES = 128;

/** The PNOR the lab attaches: 128 MiB (QEMU's hw/ppc/pnv_pnor.c default size), 4 KiB blocks
 *  (the erase block of the PNOR images op-build makes [I]). */
export const PNOR_BYTES = 128 * 1024 * 1024;
export const PNOR_BLOCK_BYTES = 0x1000;

/** One partition of an FFS table, in the in-memory form (struct ffs_entry): offsets and sizes in
 *  bytes. */
export interface FfsEntry {
  name: string;
  base: number;
  size: number;
  actual: number;
  pid: number;
  id: number;
  type: number;
  flags: number;
}

/** An FFS table as read back: the header's fields (sizes in bytes) and its entries. */
export interface FfsTable {
  version: number;
  /** The table's size (hdr.size × block_size), bytes. */
  size: number;
  blockSize: number;
  blockCount: number;
  entries: FfsEntry[];
}

/** libflash/libffs.c ffs_checksum(): the XOR of the 32-bit words of a structure (endian agnostic);
 *  a structure whose checksum field holds it XORs to 0. */
export function ffsChecksum(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let c = 0;
  for (let i = 0; i + 4 <= b.byteLength; i += 4) c ^= v.getUint32(i);
  return c >>> 0;
}

/** The on-flash bytes of an entry (ffs_entry_to_flash()): base and size in blocks. */
function entryBytes(e: FfsEntry, blockSize: number): Uint8Array {
  const b = new Uint8Array(FFS_ENTRY_BYTES);
  const v = new DataView(b.buffer);
  b.set(Buffer.from(e.name, 'latin1').subarray(0, FFS_PART_NAME_MAX));
  const words = [e.base / blockSize, e.size / blockSize, e.pid, e.id, e.type, e.flags, e.actual];
  words.forEach((w, i) => v.setUint32(16 + i * 4, w));
  v.setUint32(FFS_ENTRY_BYTES - 4, ffsChecksum(b.subarray(0, FFS_ENTRY_BYTES - 4)));
  return b;
}

/** The bytes of an FFS table holding only its own `part` entry, as ffs_hdr_new() and
 *  ffs_hdr_finalise() make it: `part` at 0, its size the raw table plus one block rounded down to
 *  whole blocks (hdr->part->size = ffs_hdr_raw_size(1) + block_size; actual the same in bytes).
 *  Errors: a flash size that is not a whole number of blocks. */
export function ffsTableBytes(flashBytes = PNOR_BYTES, blockSize = PNOR_BLOCK_BYTES): Uint8Array {
  if (flashBytes % blockSize !== 0 || blockSize % 4 !== 0)
    throw new Error(`flash of ${flashBytes} bytes is not whole ${blockSize}-byte blocks`);
  const blocks = Math.floor((FFS_HDR_BYTES + FFS_ENTRY_BYTES + blockSize) / blockSize);
  const part: FfsEntry = {
    name: 'part',
    base: 0,
    size: blocks * blockSize,
    actual: blocks * blockSize,
    pid: FFS_PID_TOPLEVEL,
    id: 1,
    type: FFS_TYPE_PARTITION,
    flags: FFS_FLAGS_PROTECTED,
  };
  const out = new Uint8Array(FFS_HDR_BYTES + FFS_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  const hdr = [FFS_MAGIC, FFS_VERSION_1, blocks, FFS_ENTRY_BYTES, 1, blockSize, flashBytes / blockSize];
  hdr.forEach((w, i) => v.setUint32(i * 4, w));
  v.setUint32(FFS_HDR_BYTES - 4, ffsChecksum(out.subarray(0, FFS_HDR_BYTES - 4)));
  out.set(entryBytes(part, blockSize), FFS_HDR_BYTES);
  return out;
}

/** Reads an FFS table back with skiboot's checks (ffs_check_convert_header(), ffs_entry_to_cpu()):
 *  magic, version, header and entry checksums, entry size, entries within the table, the flash
 *  within `maxBytes`. Returns the table or an Error naming the first check that failed. */
export function parseFfsTable(b: Uint8Array, maxBytes = PNOR_BYTES): FfsTable | Error {
  if (b.byteLength < FFS_HDR_BYTES) return new Error('shorter than an FFS header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = (i: number) => v.getUint32(i * 4);
  if (w(0) !== FFS_MAGIC) return new Error(`bad magic 0x${w(0).toString(16)}`);
  if (w(1) !== FFS_VERSION_1) return new Error(`bad version ${w(1)}`);
  if (ffsChecksum(b.subarray(0, FFS_HDR_BYTES)) !== 0) return new Error('bad header checksum');
  if (w(3) !== FFS_ENTRY_BYTES) return new Error(`bad entry size ${w(3)}`);
  const [blocks, count, blockSize, blockCount] = [w(2), w(4), w(5), w(6)];
  if (count * FFS_ENTRY_BYTES > blocks * blockSize) return new Error('entries exceed the table');
  if (blockCount * blockSize > maxBytes) return new Error('header exceeds max flash size');
  if (b.byteLength < FFS_HDR_BYTES + count * FFS_ENTRY_BYTES) return new Error('entries cut short');
  const entries: FfsEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = FFS_HDR_BYTES + i * FFS_ENTRY_BYTES;
    const e = b.subarray(at, at + FFS_ENTRY_BYTES);
    if (ffsChecksum(e) !== 0) return new Error(`bad checksum in entry ${i}`);
    const ew = (j: number) => v.getUint32(at + 16 + j * 4);
    const nameBytes = e.subarray(0, FFS_PART_NAME_MAX);
    const nul = nameBytes.indexOf(0);
    entries.push({
      name: Buffer.from(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)).toString('latin1'),
      base: ew(0) * blockSize,
      size: ew(1) * blockSize,
      pid: ew(2),
      id: ew(3),
      type: ew(4),
      flags: ew(5),
      actual: ew(6),
    });
  }
  return { version: w(1), size: blocks * blockSize, blockSize, blockCount, entries };
}

/** Writes the lab's PNOR image to `file` unless it already starts with the same table: 128 MiB,
 *  the table at offset 0 and the rest 0xff, erased flash. Returns `file`. */
export function ensurePnorImage(file: string, flashBytes = PNOR_BYTES): string {
  const table = ffsTableBytes(flashBytes);
  if (existsSync(file)) {
    const fd = openSync(file, 'r');
    const head = new Uint8Array(table.byteLength);
    readSync(fd, head, 0, head.byteLength, 0);
    closeSync(fd);
    if (Buffer.from(head).equals(Buffer.from(table))) return file;
  }
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, flashBytes);
    const chunk = Buffer.alloc(1024 * 1024, 0xff);
    for (let at = 0; at < flashBytes; at += chunk.byteLength) writeSync(fd, chunk, 0, chunk.byteLength, at);
    writeSync(fd, table, 0, table.byteLength, 0);
  } finally {
    closeSync(fd);
  }
  return file;
}
