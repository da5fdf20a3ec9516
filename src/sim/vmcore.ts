// /proc/vmcore as fs/proc/vmcore.c presents an ELF core: parse_crash_elf64_headers() merges the
// notes, sets vmcore_off = roundup(elfcorebuf_sz, PAGE_SIZE) + roundup(elfnotes_sz, PAGE_SIZE),
// and process_ptload_program_headers_elf64() rewrites each PT_LOAD's p_offset into the file.

export interface VmcoreLoad {
  paddr: number;
  size: number;
  offset: number;
}

/** The PT_LOADs of the elfcorehdr (p_offset: where the data sits in memory) as /proc/vmcore shows
 *  them (p_offset: where it sits in the file). One page of notes is assumed. Bytes. */
export function processPtloadProgramHeaders(loads: readonly VmcoreLoad[], pageSize: number): VmcoreLoad[] {
  const roundup = (x: number) => Math.ceil(x / pageSize) * pageSize;
  const rounddown = (x: number) => Math.floor(x / pageSize) * pageSize;
  // sizeof(Elf64_Ehdr) + e_phnum * sizeof(Elf64_Phdr): the PT_NOTE and the PT_LOADs.
  let vmcoreOff = roundup(64 + (1 + loads.length) * 56) + roundup(1);
  return loads.map((p) => {
    const start = rounddown(p.paddr);
    const end = roundup(p.paddr + p.size);
    const offset = vmcoreOff + (p.paddr - start);
    vmcoreOff += end - start;
    return { paddr: p.paddr, size: p.size, offset };
  });
}
