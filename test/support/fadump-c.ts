// A literal transcription of fadump_get_boot_mem_regions() and its helpers (arch/powerpc/kernel/
// fadump.c, 6.12; 6.1's differs only in add_boot_mem_region()'s limit, FADUMP_MAX_MEM_REGS for
// every platform), independent of src/: the tests compare the model's boot-memory regions with it.

const U = (x: bigint): bigint => BigInt.asUintN(64, x);

/** The C code line by line, every unsigned long assignment through BigInt.asUintN(64, ...):
 *  add_boot_mem_region(), add_boot_mem_regions(), fadump_get_boot_mem_regions(). `memory` is
 *  for_each_mem_range()'s sorted, merged regions; `maxCopy` fw_dump.max_copy_size (0: none);
 *  `max` fadump_max_boot_mem_rgns(). Returns ret, boot_mem_addr[] / boot_mem_sz[] (the first
 *  boot_mem_regs_cnt) and boot_memory_size + hole_size before PAGE_ALIGN. */
export function cTranscription(
  memory: { start: bigint; end: bigint }[],
  bootMemorySize: bigint,
  maxCopy: bigint,
  max: number,
): { ret: number; addr: bigint[]; sz: bigint[]; top: bigint } {
  const addr: bigint[] = [];
  const sz: bigint[] = [];
  let cnt = 0;
  const addBootMemRegion = (rstart: bigint, rsize: bigint): number => {
    const i = cnt++;
    if (cnt > max) {
      cnt = max;
      return 0;
    }
    addr[i] = rstart;
    sz[i] = rsize;
    return 1;
  };
  const addBootMemRegions = (mstart: bigint, msize: bigint): number => {
    let rstart = mstart;
    const maxSize = maxCopy !== 0n ? maxCopy : msize;
    let ret = 1;
    while (msize !== 0n) {
      const rsize = msize > maxSize ? maxSize : msize;
      ret = addBootMemRegion(rstart, rsize);
      if (!ret) break;
      msize = U(msize - rsize);
      rstart = U(rstart + rsize);
    }
    return ret;
  };
  let memSize = bootMemorySize;
  let curSize = 0n;
  let holeSize = 0n;
  let lastEnd = 0n;
  let ret = 1;
  for (const r of memory) {
    let size = U(r.end - r.start);
    holeSize = U(holeSize + U(r.start - lastEnd));
    if (U(curSize + size) >= memSize) {
      size = U(memSize - curSize);
      ret = addBootMemRegions(r.start, size);
      break;
    }
    memSize = U(memSize - size);
    curSize = U(curSize + size);
    ret = addBootMemRegions(r.start, size);
    if (!ret) break;
    lastEnd = r.end;
  }
  const top = U(bootMemorySize + holeSize);
  return { ret, addr: addr.slice(0, cnt), sz: sz.slice(0, cnt), top };
}
