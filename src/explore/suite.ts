// The regression suite generated from the model: transition-covering paths, each with what the
// model predicts a user observes after every step (errno, files, /proc/vmcore, dump outcome).
import { describeEvent, type Errno, type ExternalEvent } from '../events';
import { observe, type Observation } from '../sysfs/view';
import { Engine } from './engine';
import type { Config } from '../config';
import { simulates } from '../sim/index';
import type { PathSet, TestPath } from './paths';

export interface ExpectedStep {
  event: ExternalEvent | null;
  accepted: boolean;
  errno: Errno | null;
  sysfs: Observation['sysfs'];
  vmcore: Observation['vmcore'];
  dump: Observation['dump'];
}

/** The model's prediction along a path: step 0 is the initial state. Computed with the
 *  exploration's engine (held to XState by test/engine-faithfulness.test.ts). */
export function expectedSteps(set: PathSet, path: TestPath): ExpectedStep[] {
  const engine = set.exploration.engine;
  const config = set.config;
  const t = engine.initialTuple();
  const at = (event: ExternalEvent | null, accepted: boolean, errno: Errno | null): ExpectedStep => {
    const o = observe(config, engine.toState(t));
    return { event, accepted, errno, sysfs: o.sysfs, vmcore: o.vmcore, dump: o.dump };
  };
  const out = [at(null, true, null)];
  for (const e of path.letters) {
    const edge = engine.edge(t, e);
    Engine.apply(t, edge);
    out.push(at(set.exploration.alphabet[e] ?? null, edge.handled && edge.errno === null, edge.errno));
  }
  return out;
}

/** A test's name: the path's events, as a story. */
export function pathTitle(index: number, path: TestPath, max = 8): string {
  const shown = path.events.slice(0, max).map((e) => describeEvent(e).slice(0, 60)).join(' -> ');
  const more = path.events.length > max ? ` -> ... (${path.events.length} events)` : '';
  return `path ${index + 1}: ${shown}${more}`;
}

/** Why src/sim/ cannot be held to the model for a configuration, or null when it can. */
export function notComparable(c: Config): string | null {
  // Kexec events (crashkernel= set) are compared: the simulator states them where fadump reserves
  // (no crashkernel= memory, reference §1 early boot 4, §6); where fadump falls back to kdump,
  // simulates() gives the reason it is not held to the model.
  const s = simulates(c);
  if (!s.ok) return s.reason;
  // Open disagreement, see the closing note of issue 4: after a failed unregister the firmware
  // keeps the old registration (PHYP -9), and a later capture boot reads the param area at the
  // address registered by an earlier boot; the simulator models that address, the model the
  // current kernel's param area.
  if (c.platform === 'pseries' && c.faults) return 'open model/simulator disagreement on the param area under a held registration (faults)';
  return null;
}

