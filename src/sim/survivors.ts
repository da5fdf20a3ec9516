// Why each seeded fault that the generated suite does not kill survives (test/mutants-report.test.ts
// holds every survivor of src/sim/mutants-report.json to a reason here, and every reason to a
// survivor).
import type { MutantId } from './mutants';

export const SURVIVORS: Partial<Record<MutantId, string>> = {
  'cma-not-given-back':
    'fadump_cma_init() is skipped, so the boot-memory copy destination stays reserved instead of going to CMA; no file the interface shows (the fadump files, fadump_region, /proc/vmcore) reads that, CmaTotal and CmaFree in /proc/meminfo would (the issue "Memory, firmware and older kernels").',
};
