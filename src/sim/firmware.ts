// The platform firmware as the kernel sees it: PHYP's RTAS ibm,configure-kernel-dump and
// ibm,os-term on pSeries, OPAL's MPIPL calls on PowerNV; the partition's memory and DLPAR; and the
// machine's RAM, which a dump boot does not clear (docs/kernel-behaviour.md §1 "Register and unregister",
// "Crash", §4; firmware-assisted-dump.rst).
//
// Faults (`firmware-error` events) make the next call of a kind return the given code once.
import type { Config } from '../config';
import type { FaultCall, FirmwareCall, FirmwareRc } from '../events';
import {
  FADUMP_INVALIDATE,
  FADUMP_NUM_PER_CPU_REGS,
  FADUMP_REGISTER,
  FADUMP_UNREGISTER,
  PHYP_CPU_STATE_DATA_SIZE,
  PHYP_HPTE_REGION_SIZE,
  RTAS_FADUMP_CPU_STATE_DATA,
  RTAS_FADUMP_HPTE_REGION,
  SIZEOF_FADUMP_REG_ENTRY,
  SPAPR_NUM_CPUS_PADDING,
  SPAPR_REG_SAVE_AREA_HEADER,
} from './consts';
import {
  memblockAdd,
  memblockMerge,
  memblockPhysMemSize,
  memblockRemove,
  regionEnd,
  type MemblockRegion,
} from './memblock';

// ---------------------------------------------------------------------------------------------
// RAM: what the kernels leave at physical addresses and read back after a dump boot.

/** struct fadump_crash_info_header as bytes in RAM: the writer's byte order travels with it. */
export interface CrashInfoHeaderInRam {
  kind: 'crash-info-header';
  /** The byte order of the kernel that wrote it. */
  order: 'le' | 'be';
  magic: bigint;
  version: number;
  crashingCpu: number;
  /** Before 2024: where the first kernel built the elfcorehdr (inside the reserved area). */
  elfcorehdrAddr: number;
  ptRegsSz: number;
  cpuMaskSz: number;
  /** cpu_mask's weight: the possible CPUs at registration, cpu_online_mask at the crash (§11). */
  cpuMaskWeight?: number;
}

export interface PtLoadPhdr {
  paddr: number;
  size: number;
  offset: number;
}

export type RamObject =
  | CrashInfoHeaderInRam
  | { kind: 'elfcorehdr'; phdrs: PtLoadPhdr[] }
  | { kind: 'param-area'; text: string }
  | OpalFdmInRam;

/** OPAL: struct opal_fadump_mem_struct, the kernel metadata the KERNEL tag points to. */
export interface OpalFdmInRam {
  kind: 'opal-fdm';
  regions: OpalRange[];
  registeredRegions: number;
  fadumphdrAddr: number;
  bootMemTop: number;
}

export interface OpalRange {
  src: number;
  dest: number;
  size: number;
}

export class PhysRam {
  private readonly objects = new Map<string, RamObject>();

  /** Power off: nothing the kernels left survives. */
  clear(): void {
    this.objects.clear();
  }

  write(addr: number, o: RamObject): void {
    this.objects.set(`${o.kind}@${addr}`, o);
  }

  read<K extends RamObject['kind']>(kind: K, addr: number): Extract<RamObject, { kind: K }> | null {
    const o = this.objects.get(`${kind}@${addr}`);
    return o !== undefined && o.kind === kind ? (o as Extract<RamObject, { kind: K }>) : null;
  }

  /** Every object of a kind, with its address. */
  all<K extends RamObject['kind']>(kind: K): { addr: number; o: Extract<RamObject, { kind: K }> }[] {
    const out: { addr: number; o: Extract<RamObject, { kind: K }> }[] = [];
    for (const [key, o] of this.objects) {
      if (o.kind === kind)
        out.push({ addr: Number(key.slice(key.indexOf('@') + 1)), o: o as Extract<RamObject, { kind: K }> });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// RTAS: struct rtas_fadump_mem_struct, as registered and as the firmware reports it after a dump.

export interface RtasSection {
  src: number;
  dest: number;
  size: number;
  /** Filled in by the firmware at the dump. */
  bytesDumped: number;
  errorFlags: number;
}

export interface RtasFdm {
  cpuState: RtasSection;
  hpte: RtasSection;
  bootRegions: RtasSection[];
  /** The param area's address (0: none). */
  paramArea: number;
  /** After ibm,os-term: the CPUs whose registers the register save area holds (its num_cpus). */
  savedCpus?: number;
}

/** ibm,configure-kernel-dump-sizes: (section type, size in bytes) triples. */
export interface DumpSectionSize {
  type: number;
  size: number;
}

/** What a kernel finds in the device tree at boot. */
export interface DeviceTree {
  memory: MemblockRegion[];
  /** The LMBs ibm,dynamic-memory flags DRCONF_MEM_HOTREMOVABLE: QEMU's pc-dimms (hw/ppc/spapr.c
   *  spapr_dt_dynamic_memory_v2()), the LMBs hot-added beyond the boot memory; none on PowerVM [I]. */
  hotremovable: MemblockRegion[];
  /** The size of the /memory@0 node (bytes): what the kernel takes for first_memblock_size. */
  firstMemoryNodeSize: number;
  /** pSeries /rtas: ibm,configure-kernel-dump, its -sizes, and ibm,kernel-dump when a dump is
   *  pending. */
  rtas: {
    configureKernelDump: boolean;
    configureKernelDumpSizes: DumpSectionSize[];
    kernelDump: RtasFdm | null;
  } | null;
  /** PowerNV /ibm,opal/dump: present; mpipl-boot after an MPIPL. */
  opal: { dumpNode: boolean; mpiplBoot: boolean } | null;
  /** The partition's processors (cpu nodes) and its maximum (ibm,lrdr-capacity) (§11). */
  cpus: number;
  maxCpus: number;
}

export const RTAS_BUSY = -2;
export function rtasBusy(rc: number): boolean {
  return rc === RTAS_BUSY || (rc >= 9900 && rc <= 9905);
}

/** OPAL return codes as the kernel names them; the event log may give a plain number. */
export type OpalRc = 0 | 'OPAL_RESOURCE' | 'OPAL_HARDWARE' | 'OPAL_PARAMETER' | number;
export const OPAL_SUCCESS = 0;

export class Firmware {
  readonly platform: Config['platform'];
  /** The partition's memory: the LMBs the hypervisor assigned. */
  memory: MemblockRegion[];
  poweredOn = false;
  /** The partition's processors: DLPAR-added ones stay assigned across resets (§11). */
  cpusPresent: number;
  /** The boot loader's stored command line (grub's default entry, petitboot's; §12): null, the
   *  configuration's own. Kept across resets and dumps. */
  bootloaderCmdline: string | null = null;
  /** The machine's RAM: what the kernels left where. Keyed by address and kind, so that the
   *  model's area size (compat) cannot make two objects share a key. */
  readonly ram = new PhysRam();

  /** PHYP: the registered dump structure. */
  private rtasRegistered: RtasFdm | null = null;
  /** PHYP: the dump taken at ibm,os-term (ibm,kernel-dump), until invalidated. */
  private rtasDump: RtasFdm | null = null;
  /** OPAL: the ranges added with OPAL_MPIPL_ADD_RANGE. */
  private opalRanges: OpalRange[] = [];
  /** OPAL: the KERNEL tag (the kernel metadata's address). */
  private opalKernelTag = 0;
  /** OPAL: an MPIPL happened and its preserved memory has not been freed. */
  private mpiplPreserved = false;
  /** Faults armed by firmware-error events; 'preserve-partial' holds the count of boot-memory
   *  regions the next dump copies in full. */
  private armed: Partial<Record<FaultCall, FirmwareRc>> = {};

  constructor(private readonly config: Config) {
    this.platform = config.platform;
    // The partition's LMBs at boot: [0, memoryMiB) less the configuration's holes.
    this.memory = config.memoryAtBoot.map((r) => ({ base: r.start, size: r.end - r.start }));
    this.cpusPresent = config.onlineCpus;
  }

  arm(call: FaultCall, rc: FirmwareRc): void {
    // One way for the next dump to fail: a dump fault replaces the other kind [I].
    const rest = { ...this.armed };
    if (call === 'preserve') delete rest['preserve-partial'];
    if (call === 'preserve-partial') delete rest.preserve;
    this.armed = { ...rest, [call]: rc };
  }

  private take(call: FaultCall): FirmwareRc | undefined {
    const rc = this.armed[call];
    if (rc !== undefined) {
      const rest = { ...this.armed };
      delete rest[call];
      this.armed = rest;
    }
    return rc;
  }

  /** A dump waits for the next boot (what the kernel would find in the device tree). */
  dumpPending(): boolean {
    return this.platform === 'pseries' ? this.rtasDump !== null : this.mpiplPreserved;
  }

  deviceTree(): DeviceTree {
    const memory = this.memory.map((r) => ({ base: r.base, size: r.size }));
    const hotremovable =
      this.config.firmware === 'qemu'
        ? this.config.memoryAtBoot.reduce(
            (left, b) => memblockRemove(left, b.start, b.end - b.start),
            memory.map((r) => ({ ...r })),
          )
        : [];
    // QEMU's /memory@0 is spapr_rma_size(): the boot RAM, at most 1 TiB; hot-added LMBs are in
    // ibm,dynamic-memory. PowerVM's is taken the same [I].
    // A hole in the boot memory ends /memory@0 there (the configuration's memoryHolesMiB).
    const firstMemoryNodeSize = Math.min(this.config.memoryAtBoot[0]?.end ?? 0, 2 ** 40);
    if (this.platform === 'pseries') {
      return {
        memory,
        hotremovable,
        firstMemoryNodeSize,
        rtas: {
          configureKernelDump: true,
          configureKernelDumpSizes: this.dumpSectionSizes(),
          kernelDump: this.rtasDump === null ? null : cloneFdm(this.rtasDump),
        },
        opal: null,
        cpus: this.cpusPresent,
        maxCpus: this.config.cpus,
      };
    }
    return {
      memory,
      hotremovable,
      firstMemoryNodeSize,
      rtas: null,
      opal: { dumpNode: true, mpiplBoot: this.mpiplPreserved },
      cpus: this.cpusPresent,
      maxCpus: this.config.cpus,
    };
  }

  /** ibm,configure-kernel-dump-sizes: PowerVM's documented sizes, or what QEMU's
   *  spapr_dt_rtas_fadump() computes for the possible CPUs (config.cpus) with no HPTE. */
  private dumpSectionSizes(): DumpSectionSize[] {
    if (this.config.firmware === 'powervm') {
      return [
        { type: RTAS_FADUMP_CPU_STATE_DATA, size: PHYP_CPU_STATE_DATA_SIZE },
        { type: RTAS_FADUMP_HPTE_REGION, size: PHYP_HPTE_REGION_SIZE },
      ];
    }
    const cpuState =
      SPAPR_REG_SAVE_AREA_HEADER +
      SPAPR_NUM_CPUS_PADDING +
      4 +
      this.config.cpus * FADUMP_NUM_PER_CPU_REGS * SIZEOF_FADUMP_REG_ENTRY;
    return [
      { type: RTAS_FADUMP_CPU_STATE_DATA, size: cpuState },
      { type: RTAS_FADUMP_HPTE_REGION, size: 0 },
    ];
  }

  // -------------------------------------------------------------------------------------------
  // RTAS ibm,configure-kernel-dump

  /** One RTAS call. An armed fault answers it once; a busy answer does nothing (the kernel asks
   *  again). Registering while a registration is in place answers -9 ("dump already registered",
   *  PAPR) and keeps the old one. */
  rtasConfigureKernelDump(cmd: number, fdm: RtasFdm | null): number {
    if (cmd === FADUMP_INVALIDATE) {
      this.rtasDump = null;
      return 0;
    }
    const call: FirmwareCall = cmd === FADUMP_REGISTER ? 'register' : 'unregister';
    const injected = this.take(call);
    const rc = typeof injected === 'number' ? injected : injected === undefined ? 0 : -1;
    if (rtasBusy(rc)) return rc;
    if (cmd === FADUMP_REGISTER) {
      if (rc === 0 && this.rtasRegistered !== null) return -9;
      // A section outside the partition's memory: parameter error (PAPR's -3 for
      // ibm,configure-kernel-dump; rtas_fadump_register()'s -3 branch) [I: which checks PHYP makes].
      // QEMU's do_fadump_register() (hw/ppc/spapr_fadump.c) checks no address: it takes a section
      // over a hole or of a wrapped size (docs/kernel-behaviour.md §1.1 item 4).
      if (rc === 0 && fdm !== null && this.config.firmware !== 'qemu' && !this.sectionsInMemory(fdm)) return -3;
      if ((rc === 0 || rc === -9) && fdm !== null) this.rtasRegistered = this.rtasRegistered ?? cloneFdm(fdm);
      return rc;
    }
    if (cmd === FADUMP_UNREGISTER) {
      if (rc === 0) this.rtasRegistered = null;
      return rc;
    }
    return -3;
  }

  /** Every section's destination, and each boot region's source, lies in the partition's memory. */
  private sectionsInMemory(fdm: RtasFdm): boolean {
    const mem = memblockMerge(this.memory);
    const inside = (base: number, size: number) =>
      size === 0 || mem.some((r) => r.base <= base && base + size <= regionEnd(r));
    const sections = [fdm.cpuState, fdm.hpte, ...fdm.bootRegions];
    return sections.every((x) => inside(x.dest, x.size)) && fdm.bootRegions.every((x) => inside(x.src, x.size));
  }

  /** The register save area written at ibm,os-term, in bytes: QEMU's populate_cpu_state_data()
   *  (hw/ppc/spapr_fadump.c) fills it for CPU_FOREACH, the CPUs present now, so it is shorter than
   *  the section when fewer than the possible CPUs are present (§11); PowerVM's fills the section
   *  [I]. */
  private cpuStateLen(section: number): number {
    if (this.config.firmware === 'powervm') return section;
    const len =
      SPAPR_REG_SAVE_AREA_HEADER +
      SPAPR_NUM_CPUS_PADDING +
      4 +
      this.cpusPresent * FADUMP_NUM_PER_CPU_REGS * SIZEOF_FADUMP_REG_ENTRY;
    return Math.min(len, section);
  }

  /** The firmware already holds a registration (PHYP) or ranges (OPAL). */
  holdsRegistration(): boolean {
    return this.platform === 'pseries' ? this.rtasRegistered !== null : this.opalRanges.length > 0;
  }

  /** ibm,os-term with a dump registered: copy boot memory to its destination, save CPU state and
   *  HPTE, reset I/O without clearing RAM, boot with ibm,kernel-dump. Returns false when nothing
   *  is registered (the firmware just reboots [I]). */
  rtasOsTerm(): boolean {
    const reg = this.rtasRegistered;
    if (reg === null) return false;
    if (!this.destinationsAssigned(reg)) {
      // A destination the partition no longer has: its LMB was hot-removed while registered
      // (4.20 to 5.1 let the CMA part of the area go, docs/kernel-behaviour.md §10.5). No source
      // says what PHYP does then; the model takes it that nothing is copied, the dump is lost and
      // the registration is gone [I].
      this.rtasRegistered = null;
      return false;
    }
    // A failed dump: error_flags on every section, bytes_dumped as copied [I]. A partial one:
    // the boot-memory regions from the `partial`-th on not copied at all (bytes_dumped 0) [I]
    // (docs/kernel-behaviour.md §1.4 "Partial preservation").
    const failed = this.take('preserve') !== undefined;
    const partial = this.take('preserve-partial');
    const copied = typeof partial === 'number' ? partial : reg.bootRegions.length;
    const done = (s: RtasSection, bytes = s.size): RtasSection => ({
      ...s,
      bytesDumped: bytes,
      errorFlags: failed ? 1 : 0,
    });
    this.rtasDump = {
      cpuState: done(reg.cpuState, this.cpuStateLen(reg.cpuState.size)),
      hpte: done(reg.hpte),
      bootRegions: reg.bootRegions.map((s, i) =>
        this.qemuCannotCopy(s) ? { ...s, bytesDumped: 0, errorFlags: 1 } : done(s, i < copied ? s.size : 0),
      ),
      paramArea: reg.paramArea,
      savedCpus: this.cpusPresent,
    };
    this.rtasRegistered = null;
    return true;
  }

  /** QEMU's do_preserve_region() (hw/ppc/spapr_fadump.c): a boot-memory section whose source or
   *  destination is not all RAM meets MEMTX_DECODE_ERROR in one of its 32 MiB chunks and gets
   *  error_flags (FADUMP_ERROR_INVALID_SOURCE_ADDR / _DEST_ADDR) and bytes_dumped 0. PowerVM:
   *  never (its registration refused such a section, -3). */
  private qemuCannotCopy(s: RtasSection): boolean {
    if (this.config.firmware !== 'qemu' || s.size === 0) return false;
    const mem = memblockMerge(this.memory);
    const inRam = (base: number) => mem.some((r) => r.base <= base && base + s.size <= regionEnd(r));
    return !inRam(s.src) || !inRam(s.dest);
  }

  /** Every section's destination [dest, dest + size) lies in the partition's memory; under QEMU
   *  the CPU state and HPTE sections only, as it copies each boot-memory section on its own
   *  (qemuCannotCopy()). */
  private destinationsAssigned(reg: RtasFdm): boolean {
    const mem = memblockMerge(this.memory);
    const boot = this.config.firmware === 'qemu' ? [] : reg.bootRegions;
    return [reg.cpuState, reg.hpte, ...boot].every(
      (sec) => sec.size === 0 || mem.some((r) => r.base <= sec.dest && sec.dest + sec.size <= regionEnd(r)),
    );
  }

  // -------------------------------------------------------------------------------------------
  // OPAL MPIPL

  /** Power off (docs/kernel-behaviour.md §13.2): the registration, any dump taken and the RAM's
   *  contents are gone; the partition keeps its LMBs and processors [I]. */
  powerOff(): void {
    this.poweredOn = false;
    this.rtasRegistered = null;
    this.rtasDump = null;
    this.opalRanges = [];
    this.opalKernelTag = 0;
    this.mpiplPreserved = false;
    this.ram.clear();
  }

  /** A firmware-initiated MPIPL (an OPAL assert or the SBE, §13.5): the ranges the kernel added
   *  are preserved as at opal_cec_reboot2(OPAL_REBOOT_MPIPL), without the kernel: its crash info
   *  header is still the one written at registration. Armed faults are for opal_cec_reboot2(),
   *  which nobody calls: they stay [I]. Returns false when the kernel metadata the KERNEL tag
   *  points to counts no registered region (what opal_fadump_dt_scan() of the next kernel reads:
   *  registered_regions == 0, it boots as production), so the model reboots without announcing a
   *  dump (OPAL's own core outside a capture boot is not stated) [I]. */
  opalFirmwareMpipl(): boolean {
    const md = this.opalKernelTag === 0 ? null : this.ram.read('opal-fdm', this.opalKernelTag);
    if (md === null || md.registeredRegions === 0) return false;
    this.mpiplPreserved = true;
    this.opalRanges = [];
    return true;
  }

  /** OPAL's CPU state data (the CPU tag's register save area) after an MPIPL holds every thread's
   *  registers: the model states no fault in it [I]. */
  opalCpuStateDataValid(): boolean {
    return this.platform === 'powernv';
  }

  opalMpiplAddRange(r: OpalRange): OpalRc {
    const injected = this.take('register');
    // A kernel that found the preserved memory not active (no range registered) registers anew:
    // a registration the firmware takes, even only in part (OPAL_RESOURCE), replaces the
    // unprocessed MPIPL (the model's rule too) [I].
    if (injected === undefined || injected === 0 || injected === 'OPAL_RESOURCE') this.mpiplPreserved = false;
    if (injected !== undefined && injected !== 0) return injected;
    this.opalRanges = [...this.opalRanges, { ...r }];
    return OPAL_SUCCESS;
  }

  opalMpiplRemoveAll(): OpalRc {
    const injected = this.take('unregister');
    if (injected !== undefined && injected !== 0) return injected;
    this.opalRanges = [];
    return OPAL_SUCCESS;
  }

  opalMpiplFreePreservedMemory(): OpalRc {
    this.mpiplPreserved = false;
    return OPAL_SUCCESS;
  }

  opalMpiplRegisterTag(addr: number): void {
    this.opalKernelTag = addr;
  }

  opalMpiplQueryTag(): number {
    return this.opalKernelTag;
  }

  /** opal_cec_reboot2(OPAL_REBOOT_MPIPL): preserve memory, capture CPU state, boot petitboot with
   *  mpipl-boot. A non-zero return means the MPIPL did not happen. */
  opalCecReboot2Mpipl(): OpalRc {
    const injected = this.take('preserve');
    // A partial copy: hostboot/SBE copy the ranges at the MPIPL, and nothing the kernel reads
    // tells it (opal_fadump_get_config() counts only registered_regions; the MDRT result table is
    // not read for the kernel's ranges): it leaves no trace here (§1.4 "Partial preservation").
    this.take('preserve-partial');
    if (injected !== undefined) return injected === 0 ? 'OPAL_HARDWARE' : injected;
    this.mpiplPreserved = true;
    this.opalRanges = [];
    return OPAL_SUCCESS;
  }

  // -------------------------------------------------------------------------------------------
  // DLPAR: the HMC picks the LMBs (add: the lowest absent ones below the profile's maximum;
  // remove: the highest present ones, never below the profile's minimum) [I].

  dlparSelect(action: 'add' | 'remove', count: number): MemblockRegion[] | null {
    const lmb = this.config.lmbBytes;
    const picked: MemblockRegion[] = [];
    if (action === 'add') {
      let have = memblockMerge(this.memory);
      for (let a = 0; a + lmb <= this.config.maxMemoryBytes && picked.length < count; a += lmb) {
        const inside = have.some((r) => r.base <= a && a + lmb <= regionEnd(r));
        if (!inside) {
          picked.push({ base: a, size: lmb });
          have = memblockAdd(have, a, lmb);
        }
      }
      return picked.length === count ? picked : null;
    }
    const mem = memblockMerge(this.memory);
    if (memblockPhysMemSize(mem) - count * lmb < this.config.minMemoryBytes) return null;
    for (let i = mem.length - 1; i >= 0 && picked.length < count; i--) {
      const r = mem[i];
      if (r === undefined) continue;
      for (let end = regionEnd(r); end - lmb >= r.base && picked.length < count; end -= lmb) {
        picked.push({ base: end - lmb, size: lmb });
      }
    }
    return picked.length === count ? picked : null;
  }

  /** One named LMB (its number, address / LMB size), handed to the kernel as asked; null when
   *  the HMC refuses a remove below the profile's minimum [I]. */
  dlparSelectIndex(action: 'add' | 'remove', n: number): MemblockRegion[] | null {
    const lmb = this.config.lmbBytes;
    const l = { base: n * lmb, size: lmb };
    const mem = memblockMerge(this.memory);
    const present = mem.some((r) => r.base <= l.base && regionEnd(l) <= regionEnd(r));
    if (action === 'remove' && present && memblockPhysMemSize(mem) - lmb < this.config.minMemoryBytes) return null;
    return [l];
  }

  dlparCommit(action: 'add' | 'remove', lmbs: readonly MemblockRegion[]): void {
    for (const l of lmbs)
      this.memory =
        action === 'add' ? memblockAdd(this.memory, l.base, l.size) : memblockRemove(this.memory, l.base, l.size);
  }
}

function cloneFdm(f: RtasFdm): RtasFdm {
  return {
    cpuState: { ...f.cpuState },
    hpte: { ...f.hpte },
    bootRegions: f.bootRegions.map((s) => ({ ...s })),
    paramArea: f.paramArea,
    ...(f.savedCpus !== undefined ? { savedCpus: f.savedCpus } : {}),
  };
}
