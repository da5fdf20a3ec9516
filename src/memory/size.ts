// Sizes as the kernel parses them: memparse() (lib/cmdline.c) takes a number with an optional
// K/M/G/T/P/E suffix (powers of 1024). The model works in bytes.

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
/** The 64K pages distributions build ppc64 kernels with (CONFIG_PPC_64K_PAGES, and the lab's
 *  build-*-64k), in bytes: the default of the configuration key pageSizeKiB (4 or 64). */
export const PAGE_SIZE_64K = 64 * KiB;

const SUFFIX: Record<string, number> = { K: KiB, M: MiB, G: GiB, T: 1024 * GiB, P: 1024 * 1024 * GiB };

/** Parses a size such as "1G", "512M", "2048K" or "1073741824"; null when it is not one. */
export function parseSize(text: string): number | null {
  // memparse() uses simple_strtoull(s, 0): 0x/0X hex, a leading 0 octal, else decimal.
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([KMGTPkmgtp])?$/.exec(text.trim());
  if (!m || m[1] === undefined) return null;
  const digits = m[1];
  const base = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? parseInt(digits.slice(1), 8)
      : Number(digits);
  const mult = m[2] === undefined ? 1 : (SUFFIX[m[2].toUpperCase()] ?? 1);
  const bytes = base * mult;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** PAGE_ALIGN(bytes) (include/linux/mm.h): bytes rounded up to a multiple of the page size.
 *  Both in bytes; the page size is the running kernel's (4 KiB or 64 KiB, config pageSizeKiB). */
export function pageAlign(bytes: number, pageSize: number): number {
  return Math.ceil(bytes / pageSize) * pageSize;
}

export function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Formats bytes for people: "320 MiB", "8 GiB", "64 KiB", else bytes. */
export function formatSize(bytes: number): string {
  if (bytes !== 0 && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes !== 0 && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes !== 0 && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}
