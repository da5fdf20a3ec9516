// Helpers for the issue-6 tests (kdump, hypervisor-assisted dump, compare): a property's verdict
// as exploration computes it, and the check that a counterexample, replayed through the public
// replay (src/log/replay.ts), really reaches the violation.
import type { ConfigInput } from '../../src/config';
import type { ExternalEvent } from '../../src/events';
import { runConfig } from '../../src/explore/check';
import type { Exploration, PropertyResult } from '../../src/explore/explore';
import { formatLog, parseLog } from '../../src/log/parse';
import { replay } from '../../src/log/replay';
import { propertyById } from '../../src/specs/properties';

const cache = new Map<string, PropertyResult>();

/** The verdict exploration computes for one property on one configuration. */
export function verdictOf(config: ConfigInput, property: string): PropertyResult {
  const key = `${JSON.stringify(config)}\u0000${property}`;
  let r = cache.get(key);
  if (r === undefined) {
    const run = runConfig(config, { properties: [property] });
    r = run.results.find((x) => x.property === property);
    if (r === undefined) throw new Error(`no result for ${property}`);
    if (!run.complete) throw new Error(`${run.config}: exploration incomplete`);
    cache.set(key, r);
  }
  return r;
}

/** The counterexample of a violated property. */
export function counterexampleOf(config: ConfigInput, property: string): ExternalEvent[] {
  const r = verdictOf(config, property);
  if (r.verdict !== 'violated' || r.counterexample === null)
    throw new Error(`${property} is ${r.verdict}, not violated`);
  return r.counterexample;
}

/** Replays the events as a log (formatLog → parseLog → replay) and reports the first step (1-based
 *  event index; 0 = the initial state) where the property breaks, or null. State properties are
 *  evaluated in every state, step properties on every step they trigger on, with their monitor;
 *  'eventually' is judged by the caller. */
export function replayViolation(
  config: ConfigInput,
  property: string,
  events: readonly ExternalEvent[],
): number | null {
  const p = propertyById(property);
  if (p === undefined) throw new Error(`unknown property ${property}`);
  const log = parseLog(formatLog(config, events), 'counterexample.jsonl');
  const r = replay(log.config, log.entries);
  if (p.kind === 'state') {
    const i = r.states.findIndex((s) => !p.holds(s, log.config));
    return i < 0 ? null : i;
  }
  if (p.kind === 'step') {
    let m = 0;
    for (let i = 0; i < r.steps.length; i++) {
      const step = r.steps[i];
      const pre = r.states[i];
      const post = r.states[i + 1];
      if (step === undefined || pre === undefined || post === undefined) break;
      if (!p.triggers(step.event)) continue;
      const s = { pre, event: step.event, post, handled: step.note === null, errno: step.errno, ignored: [] };
      if (!p.holds(s, m, log.config)) return i + 1;
      if (p.monitor) m = p.monitor(m, s, log.config);
    }
    return null;
  }
  throw new Error(`${property}: a graph property; judge its counterexample directly`);
}

/** The state after replaying the events (for reading what a user reads). */
export function replayLog(config: ConfigInput, events: readonly ExternalEvent[]) {
  const log = parseLog(formatLog(config, events), 'test.jsonl');
  return { log, replay: replay(log.config, log.entries) };
}

/** What a user compares between two explorations of one configuration (one thread against split,
 *  exact against hash-compact): the counts, and per property its verdict, counterexample length
 *  and figure with the length of the path to it. */
export function seen(r: Pick<Exploration, 'states' | 'edges' | 'complete' | 'results'>) {
  return {
    states: r.states,
    edges: r.edges,
    complete: r.complete,
    results: r.results.map((x) => ({
      property: x.property,
      verdict: x.verdict,
      length: x.counterexample?.length ?? null,
      figure: x.figure ?? null,
      figureAt: x.figureAt?.length ?? null,
    })),
  };
}
