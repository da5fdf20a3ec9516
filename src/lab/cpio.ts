// An uncompressed cpio archive in the "newc" format (what the kernel unpacks as an initramfs:
// Documentation/driver-api/early-userspace/buffer-format.rst): a 110-byte ASCII header per entry,
// the name, the data, each padded to 4 bytes, and a TRAILER!!! entry.

/** One entry: a directory, a regular file (mode 0755 or 0644) or a symbolic link. */
export type CpioEntry =
  | { name: string; kind: 'dir' }
  | { name: string; kind: 'file'; data: Buffer; executable: boolean }
  | { name: string; kind: 'symlink'; target: string };

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(ino: number, mode: number, size: number, nameSize: number): string {
  const f = (n: number) => n.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return `070701${[ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameSize, 0].map(f).join('')}`;
}

/** The archive's bytes. Names are relative ("bin/sh"), parents before children. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, mode: number, name: string, data: Buffer) => {
    const nameBuf = Buffer.from(`${name}\0`, 'latin1');
    const h = Buffer.from(header(ino, mode, data.length, nameBuf.length), 'latin1');
    parts.push(h, nameBuf, Buffer.alloc(pad4(h.length + nameBuf.length)), data, Buffer.alloc(pad4(data.length)));
  };
  entries.forEach((e, i) => {
    if (e.kind === 'dir') add(i + 1, 0o040755, e.name, Buffer.alloc(0));
    else if (e.kind === 'file') add(i + 1, e.executable ? 0o100755 : 0o100644, e.name, e.data);
    else add(i + 1, 0o120777, e.name, Buffer.from(e.target, 'latin1'));
  });
  add(0, 0, 'TRAILER!!!', Buffer.alloc(0));
  return Buffer.concat(parts);
}
