// The mutant harness: for each seeded fault (src/sim/mutants.ts), run a suite of event paths
// against the mutated simulator and see whether some step's observation (verdict, errno, files,
// /proc/vmcore, dump outcome) differs from the expected one. Killed: it does; survived: it never
// does. The score is killed / total.
//
// The expected observations come from the model (oracle 'model', what a generated suite asserts)
// or from the unmutated simulator (oracle 'sim'). With the model as oracle a path only counts where
// the unmutated simulator agrees with the model, and only up to the step where it notes a known
// disagreement (src/sim/disagreements.ts).
//
// Run: npm run mutants [-- --suite generated|walks] [--walks N] [--seed S] [--oracle model|sim] [--mutant ID] [--json]
//      [--record src/sim/mutants-report.json]  (the figure the README states; a test keeps it true)
// The path source is a parameter of runMutants(): for now the examples plus seeded random walks;
// the model-generated transition-covering paths plug in the same way.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Config, ConfigInput } from '../src/config';
import type { ExternalEvent } from '../src/events';
import { diffStep, modelRun, simRun, type ObservedStep } from '../src/sim/adapter';
import type { Compat } from '../src/sim/fadump-internal';
import { MUTANTS, isMutantId, type MutantEntry, type MutantId } from '../src/sim/mutants';
import { examplePaths, randomWalks, simConfigs } from '../src/sim/paths';
import { config } from '../src/config';
import { defaultMatrix } from '../src/explore/matrix';
import { generatePaths } from '../src/explore/paths';
import {
  comparability,
  expectedSteps,
  fadumpPart,
  judgePath,
  kdumpFallbackStep,
  maskStep,
  pathTitle,
} from '../src/explore/suite';

export interface HarnessPath {
  config: Config;
  events: ExternalEvent[];
  name?: string;
  /** What the model predicts at each step, when already known (the generated suite computes it
   *  with the explorer's engine); otherwise it is replayed. */
  model?: readonly ObservedStep[];
}

export interface HarnessOptions {
  oracle?: 'model' | 'sim';
  /** Simulator options shared by the baseline and every mutant (default: none). */
  compat?: Partial<Compat>;
  /** Only these mutants (default: all). */
  mutants?: readonly MutantId[];
}

export interface Kill {
  path: string;
  config: string;
  /** The configuration as given, and the events up to the killing step: a log that shows it. */
  configInput: ConfigInput;
  events: ExternalEvent[];
  step: number;
  event: ExternalEvent | null;
  fields: string[];
}

export interface MutantOutcome {
  id: MutantId;
  sentence: string;
  breaks: string;
  observable: boolean;
  killed: boolean;
  /** The shortest killing path prefix found. */
  by: Kill | null;
  /** How many paths kill it. */
  killingPaths: number;
}

export interface HarnessReport {
  oracle: 'model' | 'sim';
  paths: number;
  /** Paths used (with the model as oracle: where the unmutated simulator agrees). */
  usable: number;
  /** Paths left out, and why. */
  excluded: { path: string; reason: string }[];
  /** Paths compared only up to a known disagreement. */
  truncated: number;
  results: MutantOutcome[];
  killed: number;
  total: number;
  score: number;
  /** The score over the mutants the interface can observe at all. */
  observableScore: number;
}

interface Expected {
  path: HarnessPath;
  name: string;
  steps: readonly ObservedStep[];
  /** Compare steps [0, upTo). */
  upTo: number;
  /** The step where the model falls back to kdump (-1: none): compared without kdump's files. */
  fallback: number;
}

function prepare(
  paths: readonly HarnessPath[],
  oracle: 'model' | 'sim',
  compat: Partial<Compat>,
): { expected: Expected[]; excluded: HarnessReport['excluded']; truncated: number } {
  const expected: Expected[] = [];
  const excluded: HarnessReport['excluded'] = [];
  let truncated = 0;
  paths.forEach((path, i) => {
    const name = path.name ?? `path ${i}`;
    const base = simRun(path.config, path.events, { compat });
    if (oracle === 'sim') {
      expected.push({ path, name, steps: base.steps, upTo: base.steps.length, fallback: -1 });
      return;
    }
    // The generated suite's own judgement (src/explore/suite.ts judgePath): a mutant is compared
    // on exactly the steps the suite compares.
    const model = path.model ?? modelRun(path.config, path.events);
    const v = judgePath(path.config, path.events, model, base.steps);
    if (v.kind === 'differs') {
      excluded.push({
        path: name,
        reason: `the unmutated simulator differs from the model at step ${v.diff.step}: ${v.diff.fields.map((f) => f.field).join(', ')}`,
      });
      return;
    }
    if (v.kind !== 'agrees') truncated++;
    const upTo = v.kind === 'agrees' ? model.length : v.kind === 'kdump' ? v.step + 1 : v.step;
    expected.push({ path, name, steps: model, upTo, fallback: kdumpFallbackStep(path.config, model) });
  });
  return { expected, excluded, truncated };
}

export function runMutants(paths: readonly HarnessPath[], options: HarnessOptions = {}): HarnessReport {
  const oracle = options.oracle ?? 'model';
  const compat = options.compat ?? {};
  const chosen: readonly MutantEntry[] = options.mutants
    ? MUTANTS.filter((m) => options.mutants?.includes(m.id) === true)
    : MUTANTS;
  const { expected, excluded, truncated } = prepare(paths, oracle, compat);
  const results: MutantOutcome[] = [];
  for (const m of chosen) {
    let by: Kill | null = null;
    let killingPaths = 0;
    for (const e of expected) {
      const run = simRun(e.path.config, e.path.events, { compat, mutant: m.id });
      for (let s = 0; s < e.upTo; s++) {
        const want = e.steps[s];
        const got = run.steps[s];
        if (want === undefined || got === undefined) break;
        // Compared as the suite compares: kdump's files left out at the fallback step, the recorded
        // masks (D7's address) on both sides.
        const view = (x: ObservedStep) => maskStep(e.path.config, fadumpPart(x, s, e.fallback));
        const d = diffStep(view(want), view(got));
        if (d.length === 0) continue;
        killingPaths++;
        if (by === null || s < by.step) {
          by = {
            path: e.name,
            config: e.path.config.name,
            configInput: e.path.config.input,
            events: e.path.events.slice(0, s),
            step: s,
            event: s === 0 ? null : (e.path.events[s - 1] ?? null),
            fields: d.map((f) => f.field),
          };
        }
        break;
      }
    }
    results.push({
      id: m.id,
      sentence: m.sentence,
      breaks: m.breaks,
      observable: m.observable,
      killed: by !== null,
      by,
      killingPaths,
    });
  }
  const killed = results.filter((r) => r.killed).length;
  const observable = results.filter((r) => r.observable);
  const observableKilled = observable.filter((r) => r.killed).length;
  return {
    oracle,
    paths: paths.length,
    usable: expected.length,
    excluded,
    truncated,
    results,
    killed,
    total: results.length,
    score: results.length ? killed / results.length : 0,
    observableScore: observable.length ? observableKilled / observable.length : 0,
  };
}

/** The generated regression suite: the transition-covering paths of every configuration of the
 *  default matrix the simulator can be held to, with the model's predictions. */
export function generatedSuitePaths(): HarnessPath[] {
  const out: HarnessPath[] = [];
  for (const input of defaultMatrix()) {
    const c = config(input);
    if (!comparability(c).compared) continue;
    const set = generatePaths(c);
    set.paths.forEach((p, i) => {
      const model = expectedSteps(set, p).map(({ event: _event, ...rest }) => rest);
      out.push({ config: c, events: p.events, name: `${c.name} ${pathTitle(i, p, 4)}`, model });
    });
  }
  return out;
}

/** The default path source: every example log of a configuration the simulator states
 *  (comparability()) plus `walks` seeded random walks per configuration. */
export function defaultPaths(walks: number, seed: number): HarnessPath[] {
  return [...examplePaths().filter((p) => comparability(p.config).compared), ...randomWalks(simConfigs(), walks, seed)];
}

/** What src/sim/mutants-report.json keeps of a report: per mutant, killed with its killing log, or
 *  survived. test/mutants-report.test.ts replays every killing log and holds the survivors to their
 *  recorded reasons (src/sim/mutants.ts SURVIVOR_REASONS). */
export interface RecordedReport {
  suite: string;
  killed: number;
  total: number;
  paths: number;
  mutants: { id: MutantId; killed: boolean; by: Kill | null }[];
}

export function recordable(r: HarnessReport): RecordedReport {
  return {
    suite: 'generated',
    killed: r.killed,
    total: r.total,
    paths: r.paths,
    mutants: r.results.map((x) => ({ id: x.id, killed: x.killed, by: x.by })),
  };
}

export function formatReport(r: HarnessReport): string {
  const lines: string[] = [];
  lines.push(
    `mutants: ${r.killed}/${r.total} killed (score ${(100 * r.score).toFixed(1)}%; observable only ${(100 * r.observableScore).toFixed(1)}%)`,
  );
  lines.push(
    `paths: ${r.paths} (${r.usable} used, ${r.excluded.length} excluded, ${r.truncated} compared up to a known disagreement); oracle: ${r.oracle}`,
  );
  lines.push('');
  const w = Math.max(...r.results.map((x) => x.id.length));
  for (const x of r.results) {
    const verdict = x.killed ? 'killed  ' : x.observable ? 'SURVIVED' : 'survived (not observable)';
    const how = x.by
      ? ` by ${x.by.path} step ${x.by.step} (${x.by.fields.slice(0, 3).join(', ')}${x.by.fields.length > 3 ? ', …' : ''}) [${x.killingPaths} paths]`
      : '';
    lines.push(`${x.id.padEnd(w)}  ${verdict}${how}`);
  }
  for (const e of r.excluded.slice(0, 10)) lines.push(`excluded: ${e.path}: ${e.reason}`);
  return lines.join('\n');
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function main(argv: readonly string[]): number {
  const walks = Number(argValue(argv, '--walks') ?? 60);
  const seed = Number(argValue(argv, '--seed') ?? 1);
  const oracleArg = argValue(argv, '--oracle') ?? 'model';
  const mutant = argValue(argv, '--mutant');
  if (!Number.isInteger(walks) || walks < 0 || !Number.isInteger(seed)) {
    process.stderr.write('mutants: --walks and --seed take integers\n');
    return 2;
  }
  if (oracleArg !== 'model' && oracleArg !== 'sim') {
    process.stderr.write('mutants: --oracle is "model" or "sim"\n');
    return 2;
  }
  if (mutant !== undefined && !isMutantId(mutant)) {
    process.stderr.write(
      `mutants: unknown mutant ${JSON.stringify(mutant)}; known: ${MUTANTS.map((m) => m.id).join(', ')}\n`,
    );
    return 2;
  }
  const started = Date.now();
  const suite = argValue(argv, '--suite') ?? 'generated';
  if (suite !== 'generated' && suite !== 'walks') {
    process.stderr.write(
      'mutants: --suite is "generated" (the model-generated regression suite) or "walks" (examples and random walks)\n',
    );
    return 2;
  }
  const paths = suite === 'generated' ? generatedSuitePaths() : defaultPaths(walks, seed);
  const report = runMutants(paths, { oracle: oracleArg, ...(mutant === undefined ? {} : { mutants: [mutant] }) });
  const recordTo = argValue(argv, '--record');
  if (recordTo !== undefined) {
    writeFileSync(recordTo, `${JSON.stringify(recordable(report), null, 2)}\n`);
    process.stderr.write(`recorded ${report.killed}/${report.total} killed in ${recordTo}\n`);
  }
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report)}\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
