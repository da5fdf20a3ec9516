// The PowerNV half of fadump, after arch/powerpc/platforms/powernv/opal-fadump.c: the
// ibm,opal/dump device-tree node and the MPIPL boot, the kernel metadata (struct
// opal_fadump_mem_struct) tagged for the next boot, regions registered and removed through
// opal_mpipl_update(), the check of the dump, fadump_region, and opal_cec_reboot2(MPIPL) at a crash.
// Spec: docs/kernel-behaviour.md (cited as §n). Like the rest of src/sim it does not
// import machines/ or src/memory/layout.ts.
import type { Errno } from '../events';
import {
  FADUMP_CPU_UNKNOWN,
  OPAL_FADUMP_MAX_MEM_REGS,
  OPAL_FADUMP_MIN_BOOT_MEM,
  SIZEOF_OPAL_FADUMP_MEM_STRUCT,
} from './consts';
import {
  bootRegionLines,
  reservedAboveLines,
  type FadumpKernel,
  type FadumpOps,
  type FadumpTrigger,
} from './fadump-internal';
import { OPAL_SUCCESS, type DeviceTree, type OpalFdmInRam, type OpalRange, type OpalRc } from './firmware';
import { ALIGN_DOWN, PAGE_ALIGN } from './memblock';
import type { OpalCore } from './opal-core';

/** opal_fadump_ops: struct fadump_ops on PowerNV (the interface's docstrings say what each does). */
export class OpalFadump implements FadumpOps {
  /** How many of the metadata's regions are registered with the firmware. */
  private opal_registered_regions = 0;

  constructor(
    private readonly k: FadumpKernel,
    private readonly core: OpalCore,
  ) {}

  fadump_dt_scan(dt: DeviceTree): void {
    const opal = dt.opal;
    if (opal === null || !opal.dumpNode) return;
    const f = this.k.fw_dump;
    f.fadump_supported = true;
    f.cpu_state_data_size = 0;
    f.hpte_region_size = 0;
    // Firmware supports 32-bit field for size. Align it to PAGE_SIZE and request firmware to
    // copy multiple kernel boot memory regions.
    f.max_copy_size = ALIGN_DOWN(0xffffffff, this.k.PAGE_SIZE);
    // Check if dump has been initiated on last reboot.
    if (!opal.mpiplBoot) return;
    const addr = this.k.env.fw.opalMpiplQueryTag();
    if (addr === 0) return; // "Failed to get Kernel metadata"
    const md = this.k.env.fw.ram.read('opal-fdm', addr);
    // Kernel regions not registered with f/w for MPIPL.
    if (md === null || md.registeredRegions === 0) return;
    f.dump_active = true;
    this.opal_fadump_get_config(md);
    // opalcore_config_init(): OPAL's own memory at the crash becomes /sys/firmware/opal/mpipl/core.
    this.core.opalcore_config_init();
  }

  private opal_fadump_get_config(md: OpalFdmInRam): void {
    const f = this.k.fw_dump;
    f.boot_memory_size = 0;
    f.boot_mem_addr = [];
    f.boot_mem_sz = [];
    f.boot_mem_regs_cnt = 0;
    for (const r of md.regions.slice(0, md.registeredRegions)) {
      f.boot_mem_addr.push(r.src);
      f.boot_mem_sz.push(r.size);
      f.boot_mem_regs_cnt++;
      f.boot_memory_size += r.size;
    }
    f.boot_mem_top = md.bootMemTop;
    f.boot_mem_dest_addr = md.regions[0]?.dest ?? 0;
    f.reserve_dump_area_start = f.boot_mem_dest_addr;
    f.fadumphdr_addr = md.fadumphdrAddr;
  }

  fadump_get_bootmem_min(): number {
    return OPAL_FADUMP_MIN_BOOT_MEM;
  }

  fadump_max_boot_mem_rgns(): number {
    return OPAL_FADUMP_MAX_MEM_REGS;
  }

  /** opal_fadump_get_metadata_size(): PAGE_ALIGN(sizeof(struct opal_fadump_mem_struct)). */
  fadump_get_metadata_size(): number {
    return PAGE_ALIGN(SIZEOF_OPAL_FADUMP_MEM_STRUCT, this.k.PAGE_SIZE);
  }

  /** opal_fadump_setup_metadata(): the metadata at the end of the reserved area, its address
   *  tagged for the next boot (OPAL_MPIPL_TAG_KERNEL). */
  fadump_setup_metadata(): void {
    const f = this.k.fw_dump;
    f.kernel_metadata = f.reserve_dump_area_start + f.reserve_dump_area_size - this.fadump_get_metadata_size();
    this.k.env.fw.opalMpiplRegisterTag(f.kernel_metadata);
    this.fadump_init_mem_struct();
  }

  /** opal_fadump_init_mem_struct(): the metadata in RAM, no region registered yet. */
  fadump_init_mem_struct(): void {
    const f = this.k.fw_dump;
    if (f.kernel_metadata === 0) return;
    const regions: OpalRange[] = [];
    let dest = f.boot_mem_dest_addr;
    for (let i = 0; i < f.boot_mem_regs_cnt; i++) {
      const size = f.boot_mem_sz[i] ?? 0;
      regions.push({ src: f.boot_mem_addr[i] ?? 0, dest, size });
      dest += size;
    }
    this.opal_registered_regions = 0;
    this.k.env.fw.ram.write(f.kernel_metadata, {
      kind: 'opal-fdm',
      regions,
      registeredRegions: 0,
      fadumphdrAddr: f.fadumphdr_addr,
      bootMemTop: f.boot_mem_top,
    });
  }

  /** opal_fadump_register(): OPAL_MPIPL_ADD_RANGE for each region not yet registered. */
  fadump_register(): Errno | null {
    const f = this.k.fw_dump;
    const regions = this.k.env.fw.ram.read('opal-fdm', f.kernel_metadata)?.regions ?? [];
    let rc: OpalRc = 'OPAL_PARAMETER';
    let registered = this.opal_registered_regions;
    for (let i = registered; i < regions.length; i++) {
      const r = regions[i];
      if (r === undefined) break;
      rc = this.k.env.fw.opalMpiplAddRange(r);
      if (rc !== OPAL_SUCCESS) break;
      registered++;
    }
    this.set_opal_registered_regions(registered);
    const err = this.registerOutcome(rc);
    // Some regions registered before the failure: unregister all.
    if (err !== null && this.opal_registered_regions > 0) this.fadump_unregister();
    return err;
  }

  /** What opal_fadump_register() makes of the last OPAL return code. */
  private registerOutcome(rc: OpalRc): Errno | null {
    const f = this.k.fw_dump;
    switch (rc) {
      case OPAL_SUCCESS:
        f.dump_registered = true;
        return null;
      case 'OPAL_RESOURCE':
        // "regions could not be registered for MPIPL as MAX limit is reached!"
        if (this.k.bug('opal-resource-is-error')) return 'EIO';
        f.dump_registered = true;
        return null;
      case 'OPAL_HARDWARE':
        // "Support not available."
        if (!this.k.bug('opal-hardware-keeps-enabled')) {
          f.fadump_supported = false;
          f.fadump_enabled = false;
        }
        return 'EIO';
      default:
        return 'EIO';
    }
  }

  /** The metadata's registered-region count (opal_fdm->registered_regions), kept in RAM too. */
  private set_opal_registered_regions(n: number): void {
    const f = this.k.fw_dump;
    this.opal_registered_regions = n;
    const md = this.k.env.fw.ram.read('opal-fdm', f.kernel_metadata);
    if (md !== null) this.k.env.fw.ram.write(f.kernel_metadata, { ...md, registeredRegions: n });
  }

  /** opal_fadump_unregister(): OPAL_MPIPL_REMOVE_ALL. */
  fadump_unregister(): Errno | null {
    const rc = this.k.env.fw.opalMpiplRemoveAll();
    if (rc !== OPAL_SUCCESS) {
      if (this.k.bug('unregister-failure-clears-registered')) this.k.fw_dump.dump_registered = false;
      return 'EIO';
    }
    if (!this.k.bug('opal-unregister-keeps-regions')) this.set_opal_registered_regions(0);
    this.k.fw_dump.dump_registered = false;
    return null;
  }

  /** opal_fadump_invalidate(): OPAL_MPIPL_FREE_PRESERVED_MEMORY. */
  fadump_invalidate(): void {
    this.k.env.fw.opalMpiplFreePreservedMemory();
    if (!this.k.bug('dump-active-not-cleared-at-release')) this.fadump_forget_active();
  }

  fadump_forget_active(): void {
    this.k.fw_dump.dump_active = false;
  }

  /** opal_fadump_process(): CPU notes from the firmware's CPU data, else the crashing CPU's
   *  registers; a header that names no crashing CPU is -ENODEV. */
  /** opal_fadump_build_cpu_notes(): one note per CPU in cpu_mask [I: every one of them has
   *  OPAL's register data]. */
  fadump_build_cpu_notes(cpuMaskWeight: number): number {
    return cpuMaskWeight;
  }

  fadump_process(): number {
    // opal_fadump_build_cpu_notes(): -ENODEV only when the firmware's CPU state data gives no
    // note and the header names no crashing CPU. The model takes OPAL's CPU data as valid [I], so
    // a firmware-initiated MPIPL (crashing_cpu FADUMP_CPU_UNKNOWN, no crash_fadump(): §13.5) is
    // processed from it alone.
    const h = this.k.env.fw.ram.read('crash-info-header', this.k.fw_dump.fadumphdr_addr);
    if (h !== null && h.crashingCpu === FADUMP_CPU_UNKNOWN && !this.k.env.fw.opalCpuStateDataValid()) return -19;
    return 0;
  }

  /** opal_fadump_region_show(): the boot regions. */
  fadump_region_show(): string[] {
    const f = this.k.fw_dump;
    return [...bootRegionLines(f), ...reservedAboveLines(f)];
  }

  /** opal_fadump_trigger(): opal_cec_reboot2(OPAL_REBOOT_MPIPL). */
  fadump_trigger(): FadumpTrigger {
    return this.k.env.fw.opalCecReboot2Mpipl() === OPAL_SUCCESS ? 'triggered' : 'failed';
  }
}
