// /sys/firmware/opal/mpipl/core and release_core, after arch/powerpc/platforms/powernv/opal-core.c:
// in a PowerNV capture kernel, OPAL's own memory at the crash as a core file, until
// `echo 1 > release_core` gives it back.
import type { Errno } from '../events';
import { OPAL_CORE_TEXT } from './consts';
import { FILES, type FadumpKernel } from './fadump-internal';
import type { KernFiles } from './kernfs';
import { kstrtoint } from './kstrtox';

/** One boot's OPAL core file: set up at the device-tree scan, created with the fadump files. */
export class OpalCore {
  /** oc_conf: the core file is set up (an MPIPL boot with a dump). */
  private oc_conf = false;

  constructor(
    private readonly k: FadumpKernel,
    private readonly files: KernFiles,
  ) {}

  /** opalcore_config_init(), from opal_fadump_dt_scan() when a dump is active. */
  opalcore_config_init(): void {
    this.oc_conf = true;
  }

  /** opalcore_init(): the mpipl kobject with core and release_core. */
  opalcore_init(): void {
    if (!this.oc_conf) return;
    this.files.set(FILES.opalCore, { show: () => OPAL_CORE_TEXT, store: null });
    this.files.set(FILES.releaseCore, { show: null, store: (b) => this.release_core_store(b) });
  }

  /** release_core_store(). */
  private release_core_store(buf: string): Errno | null {
    const input = kstrtoint(buf, this.k.env.faults);
    if (input === null) return 'EINVAL';
    if (input !== 1) return 'EINVAL';
    if (!this.oc_conf && !this.k.bug('release-core-twice')) return 'EPERM'; // "core file not accessible"
    // Take away the core file, then free its memory.
    this.files.delete(FILES.opalCore);
    this.oc_conf = false;
    return null;
  }
}
