// The crash kernel image of kdump (`kexec -p`, `kexec -p -u`), after kernel/kexec_file.c and
// kernel/kexec_core.c (kexec_crash_image, kexec_trylock) and kernel/crash_core.c (crashk_res):
// docs/kernel-behaviour.md §6 "kdump for contrast". fadump and kdump share the boot: crashkernel= memory is
// reserved only when fadump reserved nothing (src/sim/kernel.ts boot()).
import type { Errno } from '../events';

/** One boot's crash kernel image slot (kexec_crash_image). */
export class CrashImage {
  /** kexec_crash_image: none loaded, a `kexec -p` under way, or loaded (§6). Without
   *  crashkernel= memory it stays 'none'. */
  private state: 'none' | 'loading' | 'loaded' = 'none';

  /** `crashkernelReserved`: whether this boot reserved crashkernel= memory (crashk_res). */
  constructor(private readonly crashkernelReserved: () => boolean) {}

  /** kexec_file_load(KEXEC_FILE_ON_CRASH), `kexec -p`, begins: the current crash image is freed
   *  first, then the new one is loaded into the crashkernel= memory (§6), so until kexec-loaded
   *  nothing is loaded. A kernel that reserved fadump's area reserved no crashkernel= memory (§1
   *  early boot 4, §6 "crashkernel= memory is reserved only when fadump did not reserve"): the
   *  segments find no hole in the empty crashk_res and the call fails at once with -EADDRNOTAVAIL
   *  [I: the errno is kexec_locate_mem_hole()'s; docs/kernel-behaviour.md names none]; nothing was loaded, so
   *  nothing is freed. 'loading': the load is under way, the answer comes with kexec-loaded. */
  load(): Errno | 'loading' {
    if (!this.crashkernelReserved()) return 'EADDRNOTAVAIL';
    // kdump fallback (fadump off or failed): only the image slot of §6 is stated here; the jump
    // into a kdump capture kernel is not (the generated suite stops comparing where the model
    // falls back to kdump; a seeded fault can lead here and must not stop the run).
    if (this.state === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.state = 'loading';
    return 'loading';
  }

  /** The `kexec -p` under way returns: the new image is installed. false: no load is under way. */
  loaded(): boolean {
    if (this.state !== 'loading') return false;
    this.state = 'loaded';
    return true;
  }

  /** KEXEC_FILE_UNLOAD with KEXEC_FILE_ON_CRASH, `kexec -p -u`: the crash image, if any, is
   *  exchanged with NULL and freed; unloading nothing succeeds too (§6 "`kexec -p -u` unloads"). */
  unload(): Errno | null {
    if (this.state === 'loading') return 'EBUSY'; // kexec_trylock() fails [I]
    this.state = 'none';
    return null;
  }
}
