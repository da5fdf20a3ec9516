// Replay: the state of the whole system after any prefix of a log is a pure fold of the log
// through the machines (shared/DESIGN.md "Event sourcing").
import { createSystem, type Delivery, type System, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { toMachineEvent, type Errno, type ExternalEvent } from '../events';
import { observe, type Observation } from '../sysfs/view';
import type { LogEntry } from './parse';

export interface ReplayStep extends Observation {
  line: number;
  event: ExternalEvent;
  accepted: boolean;
  errno: Errno | null;
  /** Why the event changed nothing, when it did not. */
  note: string | null;
}

export interface Replay {
  initial: Observation;
  steps: ReplayStep[];
  final: Observation;
  states: SystemState[];
  deliveries: Delivery[][];
}

export function noteOf(handled: boolean, ignored: readonly string[]): string | null {
  if (handled) return null;
  if (ignored.length) return `ignored: ${[...new Set(ignored)].join('; ')}`;
  return 'dropped: no actor handled it';
}

export function replay(config: Config, entries: readonly LogEntry[], system: System = createSystem(config)): Replay {
  let state = system.initial();
  const initial = observe(config, state);
  const steps: ReplayStep[] = [];
  const states: SystemState[] = [state];
  const deliveries: Delivery[][] = [];
  for (const { line, event } of entries) {
    const r = system.step(state, toMachineEvent(event));
    state = r.state;
    states.push(state);
    deliveries.push(r.deliveries);
    steps.push({
      line,
      event,
      accepted: r.handled && r.errno === null,
      errno: r.errno,
      note: noteOf(r.handled, r.ignored),
      ...observe(config, state),
    });
  }
  const last = steps[steps.length - 1];
  const final: Observation = last ? { states: last.states, sysfs: last.sysfs, vmcore: last.vmcore, dump: last.dump } : initial;
  return { initial, steps, final, states, deliveries };
}
