// Where the simulator and the model part ways, with the verdict from
// shared/reference/kernel-behaviour.md. These are reports for the model's owner (machines/ is not
// edited here). The conformance test (test/sim-conformance.test.ts) handles them so that it stays
// green without hiding anything else:
// - 'compat': the difference shows in almost every run of some configurations, so the simulator
//   imitates the model there (SimOptions.compat) and the case itself is an it.skip naming it;
// - 'note': the simulator notes when a run walks into the situation (Sim.notes()), and the
//   comparison of that run stops at that step; the case itself is an it.skip naming it.
import type { ConfigInput } from '../config';
import type { ExternalEvent } from '../events';
import type { Compat, KnownDisagreement } from './kernel';

/** D1 (the pre-2024 area size), D2 (registering over a held registration), D3 (RTAS busy codes on
 *  unregister), D4 (the capture kernel's longer command line, counted by bootargs_append after
 *  release) and D5 (after release or a failed capture the capture kernel's build runs on) were
 *  fixed in the model; their ids are retired. */
export type DisagreementId = KnownDisagreement;

export interface Disagreement {
  id: DisagreementId;
  title: string;
  /** What the reference says (quoted or closely paraphrased, with its section). */
  reference: string;
  model: string;
  sim: string;
  /** Which is right, and why. */
  verdict: string;
  handling: 'compat' | 'note';
  /** A short log that shows it (the first difference is at its last event). */
  example: { config: ConfigInput; events: ExternalEvent[] };
}

/** None is open: the model follows the reference wherever the simulator was compared with it. */
export const DISAGREEMENTS: readonly Disagreement[] = [];

/** The simulator options the conformance test and the mutant harness use against the model. */
export const MODEL_COMPAT: Partial<Compat> = {};
