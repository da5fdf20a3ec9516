// A violation explained for check's list and the report (issue 16): which property, at which
// step, why in one line (with detail), and, given the verdicts of a matrix, the configuration
// that differs in one key where the property holds, with what the same log does there.
import { createSystem, type StepResult, type SystemState } from '../../machines/system';
import { parseConfig, type Config } from '../config';
import { describeEvent, toMachineEvent, type ExternalEvent } from '../events';
import { propertyById, type Property } from '../specs/properties';
import type { Verdict } from '../explore/explore';
import { flips, rankKey, type ConfigVerdict } from './contrast';
import { Explainer, explainBreak, type Explained, type Violation } from './explainer';

/** A property broken along a log, explained. */
export interface ViolationExplanation {
  /** The property's id. */
  property: string;
  /** The 1-based step (the n-th event) that breaks it; 0: the initial state; null: the log does
   *  not break it when replayed (a graph property, decided by the exploration, is explained at
   *  the last step instead). */
  step: number | null;
  /** The log line of that step (line 1 is the configuration), null for the initial state. */
  line: number | null;
  /** The event of that step, as replay prints it ("memory-hotplug add 1 LMB"). */
  event: string | null;
  /** One line: why, with ranges in hex and sizes, kernel messages verbatim. */
  why: string;
  /** Further lines: PT_LOADs against the memory at the crash, the step that built a stale
   *  elfcorehdr, the actors' states. */
  detail: string[];
  /** Given the matrix: "holds on <config> (only <key> differs: <from> → <to>): <what the same log
   *  does there>"; null without a matrix or when no single-key change turns it into holds. */
  contrast: string | null;
}

/** One replayed step, for explanations over a recorded trace. */
export interface RecordedStep {
  pre: SystemState;
  event: ExternalEvent;
  line: number;
  result: StepResult;
}

/** The explanation of `property` along recorded steps: the first step that breaks it (a state
 *  property already broken in `initial`: step 0), or for a graph property (no-deadlock,
 *  eventually-ready: not decided along a log) the last step. `note`: the explorer's note, added
 *  to the detail. */
export function explainAlong(
  config: Config,
  property: Property,
  initial: SystemState,
  steps: Iterable<RecordedStep>,
  note: string | null = null,
): Omit<ViolationExplanation, 'contrast'> {
  const explainer = new Explainer(config);
  const pick = (e: Explained) => e.violations.find((v) => v.property === property.id && v.since === undefined);
  const withNote = (v: Pick<Violation, 'why' | 'detail'>) => ({
    why: v.why,
    detail: note === null ? v.detail : [note, ...v.detail],
  });
  const first = pick(explainer.initial(initial));
  if (first !== undefined) return { property: property.id, step: 0, line: null, event: null, ...withNote(first) };
  let n = 0;
  let last: { s: RecordedStep; e: Explained } | null = null;
  for (const s of steps) {
    n++;
    const e = explainer.step(s.pre, s.event, s.line, s.result);
    const v = pick(e);
    if (v !== undefined)
      return { property: property.id, step: n, line: s.line, event: describeEvent(s.event), ...withNote(v) };
    last = { s, e };
  }
  if (property.kind === 'graph' && property.check !== 'every-event-handled') {
    const post = last?.s.result.state ?? initial;
    const x = explainBreak({
      config,
      property,
      pre: last?.s.pre ?? null,
      event: last?.s.event ?? null,
      result: last?.s.result ?? null,
      post,
      ref: last === null ? null : { step: n, line: last.s.line, label: describeEvent(last.s.event) },
      outcome: last?.e.outcome ?? { kind: 'none', summary: 'none (no crash yet)' },
      history: { header: null, lastHotplug: null, armedAt: null, disarmedAt: null },
    });
    return {
      property: property.id,
      step: n,
      line: last?.s.line ?? null,
      event: last === null ? null : describeEvent(last.s.event),
      ...withNote(x),
    };
  }
  return {
    property: property.id,
    step: null,
    line: null,
    event: null,
    why: `replaying the log does not break ${property.id}`,
    detail: note === null ? [] : [note],
  };
}

/** Replays `events` from the initial state, each step with its log line (line 1 is the
 *  configuration, so event i is line i + 2). */
function* recorded(config: Config, events: readonly ExternalEvent[]): Generator<RecordedStep> {
  const system = createSystem(config);
  let state = system.initial();
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event === undefined) break;
    const result = system.step(state, toMachineEvent(event));
    yield { pre: state, event, line: i + 2, result };
    state = result.state;
  }
}

/** The contrast: among the matrix's configurations that differ from `config` in one key and where
 *  the property holds, the one whose key ranks first (the elfcorehdr's generation first, then the
 *  seeds' variants: rankKey()); the same log replayed there, and its dump outcome. */
function contrastOf(
  config: Config,
  property: Property,
  events: readonly ExternalEvent[],
  matrix: readonly ConfigVerdict[],
): string | null {
  const options = flips(matrix).flatMap((f) => f.pairs.filter(([a]) => a === config.name).map(([, b]) => ({ f, b })));
  options.sort((x, y) => rankKey(x.f.key) - rankKey(y.f.key));
  const pick = options[0];
  if (pick === undefined) return null;
  const other = matrix.find((m) => m.config === pick.b);
  const parsed = other === undefined ? null : parseConfig(other.input);
  const head = `holds on ${pick.b} (only ${pick.f.key} differs: ${pick.f.from} → ${pick.f.to})`;
  if (parsed === null || !parsed.ok) return head;
  const c = parsed.config;
  const system = createSystem(c);
  const explainer = new Explainer(c);
  let state = system.initial();
  let e = explainer.initial(state);
  let broken = e.violations.some((v) => v.property === property.id);
  events.forEach((event, i) => {
    const r = system.step(state, toMachineEvent(event));
    e = explainer.step(state, event, i + 2, r);
    state = r.state;
    if (e.violations.some((v) => v.property === property.id)) broken = true;
  });
  return broken
    ? `${head}; the same log breaks it there too (it leaves that configuration's alphabet)`
    : e.outcome.kind === 'none'
      ? `${head}; the same log keeps it there`
      : `${head}; the same log there ends with dump ${e.outcome.summary}`;
}

/** Explains a counterexample of check: `config` as check ran it, `events` the counterexample's
 *  events (the log without its configuration line), `propertyId` the property it violates.
 *  `opts.matrix`: the verdicts of the configurations check explored (name, input, verdict for
 *  this property), for the contrasting configuration; `opts.note`: the explorer's note.
 *  Throws on an unknown property id. Deterministic; replays the log once (and once more on the
 *  contrasting configuration). */
export function explainViolation(
  config: Config,
  events: readonly ExternalEvent[],
  propertyId: string,
  opts: { matrix?: readonly ConfigVerdict[]; note?: string | null } = {},
): ViolationExplanation {
  const property = propertyById(propertyId);
  if (property === undefined) throw new Error(`unknown property '${propertyId}'`);
  const start = createSystem(config).initial();
  const x = explainAlong(config, property, start, recorded(config, events), opts.note ?? null);
  return { ...x, contrast: opts.matrix === undefined ? null : contrastOf(config, property, events, opts.matrix) };
}

/** A violation explanation as one line: "accurate-vmcore at step 3 (line 4: crash): why". */
export function violationLine(v: ViolationExplanation): string {
  const where =
    v.step === null
      ? ''
      : v.step === 0
        ? ' in the initial state'
        : ` at step ${v.step} (line ${v.line ?? '?'}: ${v.event ?? ''})`;
  return `${v.property}${where}: ${v.why}`;
}

/** The verdicts of one property across explored configurations, as explainViolation()'s
 *  `opts.matrix` takes them: from check's runs (src/explore/check.ts ConfigRun: config name,
 *  input, results), 'n/a' where a run has no result for the property. */
export function matrixVerdicts(
  runs: readonly {
    config: string;
    input: ConfigVerdict['input'];
    results: readonly { property: string; verdict: Verdict }[];
  }[],
  propertyId: string,
): ConfigVerdict[] {
  return runs.map((r) => ({
    config: r.config,
    input: r.input,
    verdict: r.results.find((x) => x.property === propertyId)?.verdict ?? 'n/a',
  }));
}
