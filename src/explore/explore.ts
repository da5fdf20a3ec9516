// Exhaustive breadth-first exploration of the composed system for one configuration, checking
// every property on the way; shortest counterexamples as event logs (docs/design.md
// §6). explore() puts the pieces together: the search
// (src/explore/search.ts), the property checks made during it (src/explore/checks.ts) and after it
// (liveness, src/explore/liveness.ts), and the budget that can stop it (src/explore/budget.ts).
import type { System } from '../../machines/system';
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { PROPERTIES, type Property } from '../specs/properties';
import { alphabet as defaultAlphabet } from './alphabet';
import { Budget, type BudgetLimits, type StopReason } from './budget';
import { PropertyChecks } from './checks';
import { Engine } from './engine';
import { firstStuckState } from './liveness';
import { search } from './search';
import { exploreSplit, type SplitOptions } from './split';
import type { TupleTable } from './table';

import type { PropertyResult, Verdict } from './checks';
export type { PropertyResult, Verdict };

/** How to explore: which properties, the budget (maxStates, maxMemoryBytes, shouldStop for
 *  Ctrl-C, onProgress: src/explore/budget.ts), the alphabet and where to start. */
export interface ExploreOptions extends BudgetLimits {
  properties?: readonly Property[];
  /** Keep the edges, for liveness and test generation (on by default when a liveness property is checked). */
  keepEdges?: boolean;
  alphabet?: readonly ExternalEvent[];
  /** Start from the state these events lead to (each must be in the alphabet). */
  prefix?: readonly ExternalEvent[];
  /** The composed system to explore instead of createSystem(config): for test fixtures only
   *  (test/fixtures/graph-systems.ts), whose machines stand in for the actors and are routed by
   *  machines/system.ts's tables like the real ones. */
  system?: System;
  /** Spread this one exploration over this many worker threads (src/explore/split.ts): the
   *  same states, edges, verdicts and counterexample lengths. 1 (the default) explores in this
   *  thread; so does a given `system` (test fixtures live in this thread only). */
  split?: number | SplitOptions;
}

export interface Exploration {
  config: Config;
  engine: Engine;
  alphabet: readonly ExternalEvent[];
  states: number;
  edges: number;
  complete: boolean;
  stopReason: StopReason;
  seconds: number;
  results: PropertyResult[];
  table: TupleTable;
  parent: Int32Array;
  parentEvent: Int32Array;
  /** succ[i * A + e]: the state event e leads to from state i (when edges are kept). */
  succ: Int32Array | null;
  width: number;
  /** The shortest path of events to state i. */
  pathTo(i: number): ExternalEvent[];
}

/** Explores every state of `config`'s composed system reachable under the alphabet, checking
 *  every applicable property, in this thread or (opts.split) over worker threads. Throws if a
 *  prefix event is not in the alphabet, or (split) if a worker thread fails. */
export function explore(config: Config, opts: ExploreOptions = {}): Exploration {
  const started = performance.now();
  const all = opts.properties ?? PROPERTIES;
  const letters = opts.alphabet ?? defaultAlphabet(config);
  const split = typeof opts.split === 'number' ? { workers: opts.split } : opts.split;
  if (split !== undefined && split.workers > 1 && opts.system === undefined)
    return exploreSplit(config, { ...opts, alphabet: letters }, split);
  const A = letters.length;
  const engine = new Engine(config, letters, opts.system);
  const properties = all.filter((p) => p.notApplicable(config) === null);
  const checks = new PropertyChecks(config, properties, letters, engine);
  const keepEdges = opts.keepEdges ?? checks.graphProps.some((p) => p.check === 'eventually');

  const found = search(engine, letters, checks, new Budget(opts), { keepEdges, prefix: opts.prefix ?? [] });
  const { table, parent, parentEvent, succ, stopReason } = found;
  const complete = stopReason === 'done';
  const pathTo = (i: number): ExternalEvent[] => {
    const out: ExternalEvent[] = [];
    for (let k = i; k > 0; k = parent[k] ?? 0) {
      const ev = letters[parentEvent[k] ?? 0];
      if (ev) out.push(ev);
    }
    return out.reverse();
  };

  // Liveness: every reachable state can reach a goal state.
  for (const p of checks.graphProps) {
    if (p.check !== 'eventually' || !complete || succ === null || p.goal === undefined) continue;
    const graph = { table, width: checks.width, succ, A };
    const stuck = firstStuckState(p.goal, config, graph, checks.combos, (t) => engine.toState(t));
    if (stuck >= 0) checks.violate(p.id, stuck, -1, 'from here production with fadump registered can never be reached');
  }

  return {
    config,
    engine,
    alphabet: letters,
    states: table.count,
    edges: found.edges,
    complete,
    stopReason,
    seconds: (performance.now() - started) / 1000,
    results: checks.results(all, table.count, stopReason, pathTo),
    table,
    parent,
    parentEvent,
    succ,
    width: checks.width,
    pathTo,
  };
}
