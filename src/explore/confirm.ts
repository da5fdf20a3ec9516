// Confirms a counterexample independently of the fast engine: nothing here comes from
// src/explore/engine.ts or explore.ts (no interning, no step cache, no trie, no explore()). The
// counterexample's events are replayed through the plain system's step() (machines/system.ts:
// XState's pure transition() for every actor step) and the property is evaluated on the way. For
// the graph properties the question asked of the counterexample's final state is answered by a
// plain breadth-first search over system.step(), keyed by JSON text of the state: each actor's
// value and context (what xstate/graph's serializeSnapshot keys on) and the dump outcome.
import { createSystem, type System, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { toMachineEvent, type ExternalEvent, type ExternalMachineEvent } from '../events';
import type { Property } from '../specs/properties';
import { alphabet as defaultAlphabet } from './alphabet';

/** What the replay found. */
export interface Confirmation {
  violated: boolean;
  /** Index of the event at which the violation shows (-1: the initial state). For the graph
   *  properties no-deadlock and eventually, the index of the last event (the final state). */
  at: number;
  /** A sentence for messages: why it is (or is not) a violation. */
  detail: string;
}

/** Options of `confirm`; all optional, the defaults are the real model's. */
export interface ConfirmOptions {
  /** The composed system to replay through: createSystem(config) unless given (test fixtures,
   *  test/fixtures/graph-systems.ts). */
  system?: System;
  /** The external events the searches try in every state: alphabet(config) unless given (it
   *  should be the alphabet the counterexample was explored with). */
  alphabet?: readonly ExternalEvent[];
  /** The most distinct states the search from the final state may visit (eventually): past it
   *  `confirm` throws a ConfirmBoundError rather than run on. Default DEFAULT_CONFIRM_MAX_STATES. */
  maxStates?: number;
}

/** The default bound of the search from a counterexample's final state, in states. */
export const DEFAULT_CONFIRM_MAX_STATES = 200_000;

/** The search from a counterexample's final state passed its bound before deciding. */
export class ConfirmBoundError extends Error {
  constructor(readonly maxStates: number) {
    super(
      `confirm: more than ${maxStates} states reachable from the counterexample's final state, the goal not reached among them; raise maxStates to decide`,
    );
  }
}

/** JSON.stringify replacer: object members in sorted order (two snapshots with the same contents,
 *  built in another order, get the same text); a Map or Set, which JSON would collapse to {}, is
 *  refused rather than allowed to merge distinct states. */
function sortedMembers(_key: string, value: unknown): unknown {
  if (value instanceof Map || value instanceof Set)
    throw new Error('confirm: a Map or Set in a snapshot cannot be keyed by JSON');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries);
}

/** The key of a system state for the searches: JSON of every actor's value and context (by actor
 *  id) and the dump outcome. dumpReason is left out: it labels the last observation and no actor
 *  reads it, so two states that differ only there have the same futures. */
export function stateKey(state: SystemState): string {
  const actors: Record<string, { value: unknown; context: unknown }> = {};
  for (const [id, snapshot] of Object.entries(state.actors))
    actors[id] = { value: snapshot.value, context: snapshot.context };
  return JSON.stringify({ actors, dump: state.dump }, sortedMembers);
}

/** What a search from one state found. */
export interface SearchResult {
  /** A state satisfying the goal (the first in breadth-first order), or null: none is reachable. */
  goal: SystemState | null;
  /** Distinct states visited (all reachable ones when no goal was found). */
  states: number;
}

/** Plain breadth-first search from `start` over system.step() with every event of `letters`,
 *  states keyed by stateKey. Stops at the first state satisfying `goal` (if given); otherwise
 *  visits every reachable state. Throws ConfirmBoundError when more than `maxStates` distinct
 *  states would be visited, and ModelError (machines/system.ts) when a step does not terminate. */
export function searchFrom(
  system: System,
  start: SystemState,
  letters: readonly ExternalEvent[],
  opts: { maxStates?: number; goal?: (s: SystemState) => boolean } = {},
): SearchResult {
  const maxStates = opts.maxStates ?? DEFAULT_CONFIRM_MAX_STATES;
  const events: ExternalMachineEvent[] = letters.map(toMachineEvent);
  const seen = new Set<string>([stateKey(start)]);
  const queue: SystemState[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head];
    if (state === undefined) break;
    if (opts.goal?.(state)) return { goal: state, states: seen.size };
    for (const event of events) {
      const next = system.step(state, event).state;
      const key = stateKey(next);
      if (seen.has(key)) continue;
      if (seen.size >= maxStates) throw new ConfirmBoundError(maxStates);
      seen.add(key);
      queue.push(next);
    }
  }
  return { goal: null, states: seen.size };
}

/** Replays `events` (a counterexample, from the initial state) through the plain system and
 *  decides whether `property` is violated on that path:
 *  - state properties: in some state of the path; step properties: on some step (monitors run);
 *  - every-event-handled: some event of the path was neither handled nor explicitly ignored;
 *  - no-deadlock: no event of the alphabet leads out of the final state (to a state with another
 *    stateKey);
 *  - eventually: no state satisfying the goal is reachable from the final state (searchFrom).
 *  Throws ConfirmBoundError when the search passes `maxStates`. */
export function confirm(
  config: Config,
  property: Property,
  events: readonly ExternalEvent[],
  options: ConfirmOptions = {},
): Confirmation {
  const system = options.system ?? createSystem(config);
  const letters = options.alphabet ?? defaultAlphabet(config);
  let state: SystemState = system.initial();
  let monitor = 0;
  const check = (s: SystemState, at: number): Confirmation | null =>
    property.kind === 'state' && !property.holds(s, config)
      ? { violated: true, at, detail: `${property.id} does not hold in the state reached` }
      : null;
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
      if (!property.holds(step, monitor, config))
        return { violated: true, at: i, detail: `${property.id} breaks on this step` };
      if (property.monitor) monitor = property.monitor(monitor, step, config);
    }
    if (property.kind === 'graph' && property.check === 'every-event-handled' && !r.handled && r.ignored.length === 0) {
      return { violated: true, at: i, detail: `no actor handled this '${event.event}' event and none ignored it` };
    }
  }
  const last = events.length - 1;
  if (property.kind === 'graph' && property.check === 'no-deadlock') {
    const here = stateKey(state);
    const wayOn = letters.find((e) => stateKey(system.step(state, toMachineEvent(e)).state) !== here);
    return wayOn === undefined
      ? { violated: true, at: last, detail: `none of the ${letters.length} events leads out of the final state` }
      : { violated: false, at: last, detail: `the final state has a way on ('${wayOn.event}')` };
  }
  if (property.kind === 'graph' && property.check === 'eventually') {
    const goal = property.goal;
    if (goal === undefined) return { violated: false, at: last, detail: `${property.id} has no goal to reach` };
    const found = searchFrom(system, state, letters, {
      goal: (s) => goal(s, config),
      ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    });
    return found.goal === null
      ? {
          violated: true,
          at: last,
          detail: `the goal is unreachable from the final state (${found.states} states reachable from it, none a goal)`,
        }
      : {
          violated: false,
          at: last,
          detail: `the goal is reachable from the final state (found among ${found.states} states)`,
        };
  }
  return { violated: false, at: last, detail: 'no violation on this path' };
}
