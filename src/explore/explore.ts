// Exhaustive breadth-first exploration of the composed system for one configuration, checking
// every property on the way; shortest counterexamples as event logs (docs/design.md
// §6). explore() puts the pieces together: the search
// (src/explore/search.ts), the property checks made during it (src/explore/checks.ts) and after it
// (liveness, src/explore/liveness.ts), and the budget that can stop it (src/explore/budget.ts).
import type { Config } from '../config';
import type { ExternalEvent } from '../events';
import { PROPERTIES } from '../specs/properties';
import { alphabet as defaultAlphabet } from './alphabet';
import { Budget } from './budget';
import { GoalBits, PropertyChecks } from './checks';
import { Engine } from './engine';
import { firstStuckAmong, firstStuckState, SuccessorRows } from './liveness';
import { search } from './search';
import { FINGERPRINT_BITS, missProbability } from './fingerprints';
import { exploreSplit } from './split';

import type { Exploration, ExploreOptions } from './exploration';

import type { PropertyResult, Verdict } from './checks';
export type { Exploration, ExploreOptions, PropertyResult, Verdict };

/** Explores every state of `config`'s composed system reachable under the alphabet, checking
 *  every applicable property, in this thread or (opts.split) over worker threads. Throws if a
 *  prefix event is not in the alphabet, or (split) if a worker thread fails. */
export function explore(config: Config, opts: ExploreOptions = {}): Exploration {
  const started = performance.now();
  const all = opts.properties ?? PROPERTIES;
  const letters = opts.alphabet ?? defaultAlphabet(config);
  const split = typeof opts.split === 'number' ? { workers: opts.split } : opts.split;
  const splittable = opts.system === undefined && all.every((p) => PROPERTIES.includes(p));
  if (split !== undefined && split.workers > 1 && splittable)
    return exploreSplit(config, { ...opts, alphabet: letters }, split);
  const A = letters.length;
  const engine = new Engine(config, letters, opts.system);
  const properties = all.filter((p) => p.notApplicable(config) === null);
  const checks = new PropertyChecks(config, properties, letters, engine);
  const hashCompact = opts.hashCompact === true;
  const eventually = checks.eventually;
  // Every successor when the caller asks for them (exact searches only); liveness needs only the
  // edges other than self-loops, kept as rows.
  const keepEdges = opts.keepEdges === true && !hashCompact;
  const keepRows = eventually.length > 0 && opts.keepEdges !== false && !keepEdges;
  // Hash compaction keeps no tuples to read the goals from afterwards: they are decided as each
  // state is expanded (bit k: the k-th 'eventually' property's goal holds there).
  const goals = hashCompact && keepRows ? new GoalBits(eventually.length, checks) : null;
  const found = search(engine, letters, checks, new Budget(opts), {
    keepEdges,
    keepRows,
    prefix: opts.prefix ?? [],
    hashCompact,
    ...(goals === null
      ? {}
      : { onState: (i: number, t: Int32Array) => goals.record(i, t), onStateBytes: () => goals.bytes }),
  });
  const { table, parent, parentEvent, succ, rows, stopReason } = found;
  const complete = stopReason === 'done';
  const pathTo = (i: number): ExternalEvent[] => {
    const out: ExternalEvent[] = [];
    for (let k = i; k > 0; k = parent[k] ?? 0) {
      const ev = letters[parentEvent[k] ?? 0];
      if (ev) out.push(ev);
    }
    return out.reverse();
  };

  // Hash compaction is for the largest spaces: the step trie and the judgements' memo (about a
  // hundred bytes a state) are emptied before liveness (which may build reverse edges); what comes after
  // (a counterexample's replay) compiles its steps again.
  const cacheFlushes = engine.flushes;
  if (goals !== null && complete) {
    engine.flushSteps();
    checks.flushJudged();
  }
  // Liveness: every reachable state can reach a goal state.
  const edges =
    complete && eventually.length > 0
      ? (rows ?? (succ === null ? null : SuccessorRows.of(succ, table.count, A)))
      : null;
  eventually.forEach((p, k) => {
    if (edges === null || p.goal === undefined) return;
    const stuck =
      goals === null
        ? firstStuckState((t) => ((checks.goalBits(t) >> k) & 1) === 1, { table, width: checks.width, rows: edges })
        : firstStuckAmong(goals.good(k, table.count), edges);
    if (stuck >= 0) checks.violate(p.id, stuck, -1, 'from here production with fadump registered can never be reached');
  });
  const kept = hashCompact ? table.bytes : table.bytes + parent.byteLength + parentEvent.byteLength;

  return {
    config,
    engine,
    alphabet: letters,
    states: table.count,
    edges: found.edges,
    complete,
    stopReason,
    seconds: (performance.now() - started) / 1000,
    results: checks.results(all, table.count, stopReason, pathTo, edges !== null),
    table,
    parent,
    parentEvent,
    missProbability: hashCompact ? missProbability(table.count, FINGERPRINT_BITS) : null,
    cacheFlushes,
    bytesPerState: kept / Math.max(1, table.count),
    peakQueueBytes: found.peakQueueBytes,
    succ,
    width: checks.width,
    pathTo,
  };
}
