// The pSeries half of fadump, after arch/powerpc/platforms/pseries/rtas-fadump.c: the
// ibm,configure-kernel-dump device-tree properties, the dump structure (struct rtas_fadump_mem_struct)
// registered, unregistered and invalidated through the ibm,configure-kernel-dump RTAS call, the
// check of the dump the firmware took, fadump_region, and ibm,os-term at a crash.
// Spec: docs/kernel-behaviour.md (cited as §n). Like the rest of src/sim it does not
// import machines/ or src/memory/layout.ts.
import type { Errno } from '../events';
import {
  COMMAND_LINE_SIZE,
  FADUMP_INVALIDATE,
  FADUMP_REGISTER,
  FADUMP_UNREGISTER,
  RTAS_FADUMP_CPU_STATE_DATA,
  RTAS_FADUMP_HPTE_REGION,
  RTAS_FADUMP_MAX_BOOT_MEM_REGS,
  RTAS_FADUMP_MIN_BOOT_MEM,
  SZ_256M,
} from './consts';
import {
  bootRegionLines,
  hex016,
  hexp,
  reservedAboveLines,
  type FadumpKernel,
  type FadumpOps,
  type FadumpTrigger,
} from './fadump-internal';
import { rtasBusy, type DeviceTree, type RtasFdm, type RtasSection } from './firmware';

/** rtas_fadump_ops: struct fadump_ops on pSeries (the interface's docstrings say what each does). */
export class RtasFadump implements FadumpOps {
  /** fdm_active: the dump structure the firmware preserved, while a dump is active. */
  private fdm_active: RtasFdm | null = null;

  constructor(private readonly k: FadumpKernel) {}

  fadump_dt_scan(dt: DeviceTree): void {
    const rtas = dt.rtas;
    if (rtas === null || !rtas.configureKernelDump) return;
    const f = this.k.fw_dump;
    f.fadump_supported = true;
    // "pass additional parameters" (683eab94da75, 6.10).
    f.param_area_supported = this.k.has('6.10');
    if (rtas.kernelDump !== null) {
      this.fdm_active = rtas.kernelDump;
      f.dump_active = true;
      this.rtas_fadump_get_config(rtas.kernelDump);
    }
    // The sizes the firmware wants for its own sections, whatever the MMU.
    for (const s of rtas.configureKernelDumpSizes) {
      if (s.type === RTAS_FADUMP_CPU_STATE_DATA) f.cpu_state_data_size = s.size;
      else if (s.type === RTAS_FADUMP_HPTE_REGION) f.hpte_region_size = s.size;
    }
  }

  private rtas_fadump_get_config(fdm: RtasFdm): void {
    const f = this.k.fw_dump;
    // Start of the permanent reservation, for re-registering after the dump is captured.
    f.reserve_dump_area_start = fdm.cpuState.dest;
    f.boot_memory_size = 0;
    f.boot_mem_regs_cnt = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    // unsigned long: a section registered with a wrapped size (fadump_get_boot_mem_regions()'s
    // double count, docs/kernel-behaviour.md §1.1 item 4) wraps the sum back, modulo 2^64.
    const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
    let size = 0n;
    let lastEnd = 0n;
    let holeSize = 0n;
    for (const s of fdm.bootRegions) {
      f.boot_mem_addr.push(s.src);
      f.boot_mem_sz.push(s.size);
      f.boot_mem_regs_cnt++;
      size = u64(size + BigInt(s.size));
      holeSize = u64(holeSize + BigInt(s.src) - lastEnd);
      lastEnd = u64(BigInt(s.src) + BigInt(s.size));
    }
    f.boot_memory_size = Number(size);
    f.boot_mem_top = Number(u64(size + holeSize));
    f.boot_mem_dest_addr = fdm.bootRegions[0]?.dest ?? 0;
    // rtas_fadump_update_config(): the header follows the copy of boot_memory_size bytes.
    f.fadumphdr_addr = f.boot_mem_dest_addr + f.boot_memory_size;
    // A build without RTAS_FADUMP_PARAM_AREA does not look for it.
    f.param_area = this.k.bug('param-area-not-inherited') || !f.param_area_supported ? 0 : fdm.paramArea;
  }

  fadump_get_bootmem_min(): number {
    return this.k.bug('wrong-bootmem-min') ? SZ_256M : RTAS_FADUMP_MIN_BOOT_MEM;
  }

  fadump_max_boot_mem_rgns(): number {
    return RTAS_FADUMP_MAX_BOOT_MEM_REGS;
  }

  fadump_get_metadata_size(): number {
    return 0;
  }

  fadump_setup_metadata(): void {}

  /** The dump structure is built when it is registered (rtas_fadump_fdm()). */
  fadump_init_mem_struct(): void {}

  /** rtas_fadump_init_mem_struct()'s structure: the CPU state and HPTE sections at the start of
   *  the reserved area, then the boot-memory regions copied after them. */
  private rtas_fadump_fdm(): RtasFdm {
    const f = this.k.fw_dump;
    const section = (src: number, dest: number, size: number): RtasSection => ({
      src,
      dest,
      size,
      bytesDumped: 0,
      errorFlags: 0,
    });
    const start = f.reserve_dump_area_start;
    const bootRegions: RtasSection[] = [];
    let dest = f.boot_mem_dest_addr;
    if (!this.k.has('6.10')) {
      // One RMA section [0, boot_memory_size) until 78d5cc15fb7d (6.10), holes or not.
      bootRegions.push(section(0, dest, f.boot_memory_size));
    } else
      for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
        const size = f.boot_mem_sz[i] ?? 0;
        bootRegions.push(section(f.boot_mem_addr[i] ?? 0, dest, size));
        dest += size;
      }
    return {
      cpuState: section(0, start, f.cpu_state_data_size),
      hpte: section(0, start + f.cpu_state_data_size, f.hpte_region_size),
      bootRegions,
      paramArea: f.param_area,
    };
  }

  fadump_register(): Errno | null {
    const f = this.k.fw_dump;
    const fdm = this.rtas_fadump_fdm();
    let rc: number;
    do {
      rc = this.k.env.fw.rtasConfigureKernelDump(FADUMP_REGISTER, fdm);
    } while (rtasBusy(rc) && !this.k.bug('rtas-busy-not-retried'));
    switch (rc) {
      case 0:
        f.dump_registered = true;
        return null;
      case -1:
        return 'EIO'; // "Hardware Error"
      case -3:
        return 'EINVAL'; // "Parameter Error"
      case -9:
        // "Already registered!"
        if (!this.k.bug('rtas-already-registered-is-error')) f.dump_registered = true;
        return 'EEXIST';
      default:
        return 'EIO';
    }
  }

  fadump_unregister(): Errno | null {
    let rc: number;
    do {
      rc = this.k.env.fw.rtasConfigureKernelDump(FADUMP_UNREGISTER, null);
    } while (rtasBusy(rc));
    if (rc !== 0) {
      if (this.k.bug('unregister-failure-clears-registered')) this.k.fw_dump.dump_registered = false;
      return 'EIO'; // "Failed to un-register - unexpected error"
    }
    this.k.fw_dump.dump_registered = false;
    return null;
  }

  fadump_invalidate(): void {
    this.k.env.fw.rtasConfigureKernelDump(FADUMP_INVALIDATE, null);
    if (!this.k.bug('dump-active-not-cleared-at-release')) this.fadump_forget_active();
  }

  fadump_forget_active(): void {
    this.k.fw_dump.dump_active = false;
    this.fdm_active = null;
  }

  /** rtas_fadump_process(): since 78d5cc15fb7d (6.10) every section the firmware copied must be
   *  complete and without error, in the registered order (CPU state 0, HPTE 1, boot-memory
   *  regions 2...): the first that is not fails the dump with -EINVAL ("Dump taken by platform is
   *  not valid (%d)" / "... incomplete (%d)", docs/kernel-behaviour.md §1.4 "Partial
   *  preservation"); before, only the boot memory had to be complete and the CPU state data
   *  non-empty (§11). */
  fadump_process(): number {
    const fdm = this.fdm_active;
    if (fdm === null) return -22;
    if (!this.k.has('6.10')) {
      const rmr = fdm.bootRegions;
      if (fdm.cpuState.errorFlags !== 0 || rmr.some((r) => r.errorFlags !== 0)) return -22; // "not valid"
      if (rmr.some((r) => r.bytesDumped !== r.size) || fdm.cpuState.bytesDumped === 0) return -22; // "incomplete"
      return 0;
    }
    for (const s of [fdm.cpuState, fdm.hpte, ...fdm.bootRegions]) {
      if (s.errorFlags !== 0) return -22; // "Dump taken by platform is not valid (%d)"
      if (s.bytesDumped !== s.size) return -22; // "Dump taken by platform is incomplete (%d)"
    }
    return 0;
  }

  /** rtas_fadump_build_cpu_notes(): one note per CPU of the register save area (its num_cpus, the
   *  CPUs the firmware saved, CPUSTRT ids 0..n-1) that is in the header's cpu_mask. */
  fadump_build_cpu_notes(cpuMaskWeight: number): number {
    const saved = this.fdm_active?.savedCpus ?? this.k.env.config.onlineCpus;
    let notes = 0;
    for (let cpu = 0; cpu < saved; cpu++) if (cpu < cpuMaskWeight) notes++;
    return notes;
  }

  /** rtas_fadump_region_show(): the CPU state and HPTE sections, the boot regions, the param area. */
  fadump_region_show(): string[] {
    const f = this.k.fw_dump;
    const dumped = (n: number): string => hexp(f.dump_active ? n : 0);
    const cpuStart = f.reserve_dump_area_start;
    const cpuSize = f.cpu_state_data_size;
    const hpteStart = cpuStart + cpuSize;
    const hpteSize = f.hpte_region_size;
    const lines = [
      // bytes_dumped of fdm_active's section: QEMU's may be short of the section (§11).
      `CPU :[${hex016(cpuStart)}-${hex016(cpuStart + cpuSize - 1)}] ${hexp(cpuSize)} bytes, Dumped: ${dumped(this.fdm_active?.cpuState.bytesDumped ?? cpuSize)}`,
      `HPTE:[${hex016(hpteStart)}-${hex016(hpteStart + hpteSize - 1)}] ${hexp(hpteSize)} bytes, Dumped: ${dumped(hpteSize)}`,
      // Before 78d5cc15fb7d (6.10) fdm holds one real-mode section, [0, boot_memory_size), whatever
      // regions fadump_get_boot_mem_regions() found (rtas_fadump_init_mem_struct()).
      ...(this.k.has('6.10')
        ? bootRegionLines(f)
        : [
            `DUMP: Src: ${hex016(0)}, Dest: ${hex016(f.boot_mem_dest_addr)}, Size: ${hexp(f.boot_memory_size)}, Dumped: ${dumped(f.boot_memory_size)} bytes`,
          ]),
    ];
    // RTAS_FADUMP_PARAM_AREA: "\n[%#016llx-%#016llx]: cmdline append: '%s'\n".
    if (f.param_area !== 0) {
      const text = this.k.env.fw.ram.read('param-area', f.param_area)?.text ?? '';
      lines.push(
        '',
        `[${hex016(f.param_area)}-${hex016(f.param_area + COMMAND_LINE_SIZE - 1)}]: cmdline append: '${text}'`,
      );
    }
    return [...lines, ...reservedAboveLines(f)];
  }

  /** rtas_fadump_trigger(): ibm,os-term hands over to the firmware if a dump is registered. */
  fadump_trigger(): FadumpTrigger {
    return this.k.env.fw.rtasOsTerm() ? 'triggered' : 'no-firmware-registration';
  }
}
