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
import { expectedMatrix, inDefaultMatrix } from './matrix';
import { alphabet } from '../explore/alphabet';
import { graphViolations } from './graph';

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
  /** "holds on <config> (only <key> differs: <from> → <to>); <what the same log does there>";
   *  null when no single-key change of the matrix turns it into holds. */
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
    // The same sentence replay prints at the end of the log (src/explain/graph.ts).
    const end = last === null ? null : { line: last.s.line, label: describeEvent(last.s.event) };
    const g = graphViolations(config, createSystem(config), post, end, property.id)[0];
    const x =
      g ??
      explainBreak({
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

/** Among the matrix's configurations that differ from `configName` in one key and where the
 *  property holds, the one whose key ranks first (the elfcorehdr's generation first, then the
 *  seeds' variants: rankKey()); null when there is none. */
export function contrastPick(
  configName: string,
  matrix: readonly ConfigVerdict[],
): { config: string; key: string; from: string; to: string } | null {
  return contrastOptions(configName, matrix)[0] ?? null;
}

/** The event kinds of a log a configuration never fires: event names, writes by path
 *  ("firmware-error", "write to /sys/kernel/fadump/release_core"), those of `events` that no
 *  event of `config`'s alphabet (src/explore/alphabet.ts) shares. Replay may still accept such an
 *  event there (firmware-error always is), but exploration of that configuration never fires it. */
function kindsOutside(config: Config, events: readonly ExternalEvent[]): string[] {
  const kind = (e: ExternalEvent) => (e.event === 'write' ? `write to ${e.path}` : e.event);
  const there = new Set(alphabet(config).map(kind));
  return [...new Set(events.map(kind).filter((k) => !there.has(k)))];
}

/** "firmware-error events", "firmware-error and kexec-load events", "writes to X". */
function kindsText(kinds: readonly string[]): string {
  const writes = kinds.filter((k) => k.startsWith('write to ')).map((k) => k.slice('write to '.length));
  const names = kinds.filter((k) => !k.startsWith('write to '));
  const parts: string[] = [];
  if (names.length) parts.push(`${names.join(' and ')} events`);
  if (writes.length) parts.push(`writes to ${writes.join(' and ')}`);
  return parts.join(' and ');
}

/** Where the key's value on the violated side is what lets the log happen: "where faults are
 *  injected", "where crashkernel is 512M". */
function whereText(key: string, from: string): string {
  if (key === 'faults') return 'where faults are injected';
  return `where ${key} is ${from.replace(/ \(default\)$/, '')}`;
}

/** The contrast of a violation along `events` (the log up to the step that breaks the property),
 *  told the same way by check and by replay: among the configurations of `matrix` that differ
 *  from `config` in one key and where the property holds (contrastPick()'s order), the first that
 *  is a contrast for this log:
 *  - the log uses events that configuration never fires (src/explore/alphabet.ts): the key makes
 *    the difference by making the events possible ("this log's firmware-error events exist only
 *    where faults are injected: without faults (<config>) the property holds");
 *  - otherwise the same log replayed there does not break the property: "holds on <config> (only
 *    <key> differs: <from> → <to>); the same log there ends with dump <outcome>".
 *  A configuration where the same log, within its alphabet, breaks the property too is no
 *  contrast for this log and is passed over; null when none is left. */
export function contrastAlong(
  config: Config,
  property: Property,
  events: readonly ExternalEvent[],
  matrix: readonly ConfigVerdict[],
): string | null {
  for (const pick of contrastOptions(config.name, matrix)) {
    const other = matrix.find((m) => m.config === pick.config);
    const parsed = other === undefined ? null : parseConfig(other.input);
    const head = `holds on ${pick.config} (only ${pick.key} differs: ${pick.from} → ${pick.to})`;
    if (parsed === null || !parsed.ok) return head;
    const c = parsed.config;
    const outside = kindsOutside(c, events);
    if (outside.length) {
      const without =
        pick.key === 'faults' ? `without faults (${pick.config})` : `with ${pick.key} ${pick.to} (${pick.config})`;
      return `this log's ${kindsText(outside)} exist only ${whereText(pick.key, pick.from)}: ${without} the property holds`;
    }
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
    if (broken) continue;
    return e.outcome.kind === 'none'
      ? `${head}; the same log keeps it there`
      : `${head}; the same log there ends with dump ${e.outcome.summary}`;
  }
  return null;
}

/** contrastPick()'s candidates, best first. */
function contrastOptions(
  configName: string,
  matrix: readonly ConfigVerdict[],
): { config: string; key: string; from: string; to: string }[] {
  const options = flips(matrix).flatMap((f) => f.pairs.filter(([a]) => a === configName).map(([, b]) => ({ f, b })));
  options.sort((x, y) => rankKey(x.f.key) - rankKey(y.f.key));
  return options.map(({ f, b }) => ({ config: b, key: f.key, from: f.from, to: f.to }));
}

/** The contrast replay prints under a broken property, from the default matrix's recorded
 *  verdicts (src/specs/expected.json), the same sentence as check's (contrastAlong(), `events`
 *  the log up to the step that breaks the property); null when the log's configuration is not
 *  one of the default matrix's or no configuration is a contrast for this log. */
export function defaultContrast(config: Config, propertyId: string, events: readonly ExternalEvent[]): string | null {
  const property = propertyById(propertyId);
  if (property === undefined || !inDefaultMatrix(config.name)) return null;
  return contrastAlong(config, property, events, expectedMatrix(propertyId));
}

/** Explains a counterexample of check: `config` as check ran it, `events` the counterexample's
 *  events (the log without its configuration line), `propertyId` the property it violates.
 *  `opts.matrix`: the verdicts of the configurations check explored (name, input, verdict for
 *  this property, matrixVerdicts()), for the contrasting configuration; without it, the default
 *  matrix's recorded verdicts (src/specs/expected.json) when `config` is one of the default
 *  matrix's. `opts.note`: the explorer's note.
 *  Throws on an unknown property id. Deterministic; replays the log once (and once more on the
 *  contrasting configuration): tens of milliseconds.
 *
 *  From check's results (src/explore/check.ts runs, a violated result `r` of run `run`):
 *
 *      const parsed = parseConfig(run.input); // ok: check explored it
 *      const x = explainViolation(parsed.config, r.counterexample, r.property, {
 *        matrix: matrixVerdicts(runs, r.property),
 *        note: r.note,
 *      });
 *      lines.push(violationLine(x), ...x.detail.map((d) => `  ${d}`));
 *      if (x.contrast !== null) lines.push(`  ${x.contrast}`); */
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
  const matrix = opts.matrix ?? (inDefaultMatrix(config.name) ? expectedMatrix(propertyId) : null);
  return {
    ...x,
    contrast: matrix === null ? null : contrastAlong(config, property, contrastEvents(x, events), matrix),
  };
}

/** The events of the log up to the step that breaks the property (replay's contrast sees the
 *  same prefix); the whole log when it is a graph property's or the log does not break it. */
function contrastEvents(x: Omit<ViolationExplanation, 'contrast'>, events: readonly ExternalEvent[]) {
  return x.step === null ? events : events.slice(0, x.step);
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
): readonly ConfigVerdict[] {
  let byProperty = verdictsOfRuns.get(runs);
  if (byProperty === undefined) {
    byProperty = new Map();
    verdictsOfRuns.set(runs, byProperty);
  }
  let verdicts = byProperty.get(propertyId);
  if (verdicts === undefined) {
    verdicts = runs.map((r) => ({
      config: r.config,
      input: r.input,
      verdict: r.results.find((x) => x.property === propertyId)?.verdict ?? 'n/a',
    }));
    byProperty.set(propertyId, verdicts);
  }
  return verdicts;
}

/** matrixVerdicts() by runs and property: check explains every violation against the same runs,
 *  and one array per property lets flips() answer each from its memo. */
const verdictsOfRuns = new WeakMap<object, Map<string, readonly ConfigVerdict[]>>();
