// The graph properties no-deadlock and eventually-ready, decided at the end of a log (issue: a
// replayed counterexample of a graph property said nothing about it). A log carries no property
// id (its header is exactly {"config": ...}, src/log/parse.ts), so replay cannot know which
// property a log is a counterexample of; instead it evaluates these two properties on the state
// the log ends in, as src/explore/confirm.ts confirms a counterexample: no-deadlock by stepping
// every event of the configuration's alphabet (src/explore/alphabet.ts) once from that state;
// eventually-ready by a breadth-first search from it (searchFrom()), skipped when the state is
// itself a goal and left undecided (nothing said) beyond GRAPH_SEARCH_MAX_STATES states. A log
// ending in a state from which the goal is unreachable is a counterexample whatever path led
// there, so what replay says is what check found. (every-event-handled is decided along the log:
// the explainer checks every step, src/explain/explainer.ts.)
import { stateString, type System, type SystemState } from '../../machines/system';
import type { Config } from '../config';
import { toMachineEvent } from '../events';
import { alphabet } from '../explore/alphabet';
import { ConfirmBoundError, searchFrom, stateKey } from '../explore/confirm';
import { PROPERTIES, type Property } from '../specs/properties';
import { actorsInPlay, type Violation } from './explainer';

/** The bound of eventually-ready's search from the end of a log: the states that can never reach
 *  the goal are few (a handful where nothing can be armed); a larger search is left undecided. */
export const GRAPH_SEARCH_MAX_STATES = 2000;

/** Where the log ends, for the sentences: "the initial state" (no events) or "the state after
 *  the last event (line 4: crash)". */
export function endText(last: { line: number; label: string } | null): string {
  return last === null ? 'the initial state' : `the state after the last event (line ${last.line}: ${last.label})`;
}

const statesOf = (config: Config, s: SystemState): string =>
  `states: ${actorsInPlay(config)
    .map((a) => `${a}=${stateString(s.actors[a].value)}`)
    .join(', ')}`;

/** no-deadlock and eventually-ready (those that apply to `config`) on the state `end` a log ends
 *  in: the violations, each with why and detail. `last`: the log's last event (null: none). */
export function graphViolations(
  config: Config,
  system: System,
  end: SystemState,
  last: { line: number; label: string } | null,
  only: string | null = null,
): Violation[] {
  const out: Violation[] = [];
  const letters = alphabet(config);
  const from = endText(last);
  for (const p of PROPERTIES) {
    if (p.kind !== 'graph' || p.notApplicable(config) !== null) continue;
    if (only !== null && p.id !== only) continue;
    if (p.check === 'no-deadlock') {
      const here = stateKey(end);
      if (letters.every((e) => stateKey(system.step(end, toMachineEvent(e)).state) === here))
        out.push({
          property: p.id,
          why: `from ${from} none of the configuration's ${letters.length} events leads anywhere else: the system is stuck there`,
          detail: [statesOf(config, end)],
        });
    } else if (p.check === 'eventually') {
      const v = eventually(config, system, end, p, letters, from);
      if (v !== null) out.push(v);
    }
  }
  return out;
}

function eventually(
  config: Config,
  system: System,
  end: SystemState,
  p: Extract<Property, { kind: 'graph' }>,
  letters: ReturnType<typeof alphabet>,
  from: string,
): Violation | null {
  const goal = p.goal;
  if (goal === undefined || goal(end, config)) return null;
  // Every state reachable from the end, to say why none is a goal.
  const reached: SystemState[] = [];
  let found;
  try {
    found = searchFrom(system, end, letters, {
      maxStates: GRAPH_SEARCH_MAX_STATES,
      goal: (s) => {
        reached.push(s);
        return goal(s, config);
      },
    });
  } catch (e) {
    if (e instanceof ConfirmBoundError) return null;
    throw e;
  }
  if (found.goal !== null) return null;
  const production = reached.filter((s) => s.actors.productionKernel.matches('running'));
  const because =
    production.length === 0
      ? 'the production kernel never runs again from there'
      : `the production kernel runs, but nothing can be armed there (${armBlocker(config)})`;
  return {
    property: p.id,
    why: `from ${from}, no sequence of events leads back to production with a dump mechanism armed: ${because}`,
    detail: [
      `${found.states} state${found.states === 1 ? '' : 's'} reachable from it, none a goal`,
      statesOf(config, end),
    ],
  };
}

/** Why nothing can be armed, from the configuration. */
function armBlocker(config: Config): string {
  const reasons: string[] = [];
  if (config.mechanism === 'fadump' && config.fadump === 'off') reasons.push('fadump=off: fadump cannot be registered');
  if (config.mechanism !== 'phyp-assisted-dump' && config.crashkernelText === null)
    reasons.push('no crashkernel=: no kdump crash kernel can be loaded');
  else if (config.mechanism !== 'phyp-assisted-dump')
    reasons.push(
      `crashkernel=${config.crashkernelText ?? ''}: kexec -p cannot load the capture kernel, or it runs out of memory (src/memory/crashkernel.ts, docs/kernel-behaviour.md §6)`,
    );
  return reasons.length ? reasons.join('; ') : 'every way to arm is refused';
}
