// Why each seeded fault that the generated suite does not kill survives (test/mutants-report.test.ts
// holds every survivor of src/sim/mutants-report.json to a reason here, and every reason to a
// survivor).
import type { MutantId } from './mutants';

export const SURVIVORS: Partial<Record<MutantId, string>> = {
  'rtas-busy-not-retried':
    'The explorer\'s alphabet (src/explore/alphabet.ts) injects an RTAS busy code only on unregister (9900); the model retries a busy unregister as the kernel does, so no generated path puts a busy code before a registration, where the mutant answers -EIO. A hand-written path kills it (test/sim-mutants.test.ts, "a busy return"); adding register 9902 to the alphabet would.',
};
