// Confirms a counterexample independently of the fast engine: replays its events through the
// plain system (XState's transition() for every actor step) and evaluates the property on the way.
import { createSystem, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { toMachineEvent, type ExternalEvent } from '../events';
import type { Property } from '../specs/properties';
import { alphabet } from './alphabet';
import { explore } from './explore';

export interface Confirmation {
  violated: boolean;
  /** Index of the event at which the violation shows (-1: the initial state). */
  at: number;
  detail: string;
}

export function confirm(config: Config, property: Property, events: readonly ExternalEvent[]): Confirmation {
  const system = createSystem(config);
  let state: SystemState = system.initial();
  const monitors = new Map<Property, number>();
  const check = (s: SystemState, at: number): Confirmation | null =>
    property.kind === 'state' && !property.holds(s, config) ? { violated: true, at, detail: `${property.id} does not hold in the state reached` } : null;
  const first = check(state, -1);
  if (first) return first;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event === undefined) break;
    const r = system.step(state, toMachineEvent(event));
    const pre = state;
    state = r.state;
    const hit = check(state, i);
    if (hit) return hit;
    if (property.kind === 'step' && property.triggers(event)) {
      const step = { pre, event, post: state, handled: r.handled, errno: r.errno, ignored: r.ignored };
      const m = monitors.get(property) ?? 0;
      if (!property.holds(step, m, config)) return { violated: true, at: i, detail: `${property.id} breaks on this step` };
      if (property.monitor) monitors.set(property, property.monitor(m, step, config));
    }
    if (property.kind === 'graph' && property.check === 'every-event-handled' && !r.handled && r.ignored.length === 0) {
      return { violated: true, at: i, detail: 'no actor handled this event' };
    }
  }
  if (property.kind === 'graph' && property.check === 'no-deadlock') {
    const stuck = alphabet(config).every((e) => JSON.stringify(system.step(state, toMachineEvent(e)).state.actors) === JSON.stringify(state.actors));
    return { violated: stuck, at: events.length - 1, detail: stuck ? 'no event leads out of the final state' : 'the final state has a way on' };
  }
  if (property.kind === 'graph' && property.check === 'eventually' && property.goal) {
    // From the final state, no state satisfying the goal may be reachable: explore from it.
    const goal = property.goal;
    const from = explore(config, { properties: [], alphabet: alphabet(config), prefix: events });
    let reachable = false;
    for (let i = 0; i < from.states && !reachable; i++) reachable = goal(from.engine.toState(from.table.get(i, new Int32Array(from.width))), config);
    return { violated: !reachable, at: events.length - 1, detail: reachable ? 'the goal is reachable from the final state' : 'the goal is unreachable from the final state' };
  }
  return { violated: false, at: events.length - 1, detail: 'no violation on this path' };
}
