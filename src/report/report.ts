// `npx fadump-model report [--out DIR]` (issue 5): one self-contained static HTML page (inline
// CSS, JS and SVG; no network, opens from file://) with the property matrix, every counterexample
// as a sequence diagram with a step-through of its log and a generated explanation, the same log
// replayed on the configuration that differs in one key and where the property holds, the
// statecharts, and coverage. Beside it: sequences.md (every counterexample as Mermaid) and
// sequences/<id>.svg|.mmd.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigInput } from '../config';
import { parseConfig } from '../config';
import { compareTable } from '../compare/compare';
import { buildDiagrams } from '../diagrams/generate';
import { loadExpected, runMatrix, uniqueSlugs, type ConfigRun } from '../explore/check';
import { defaultMatrix } from '../explore/matrix';
import type { ExternalEvent } from '../events';
import { formatLog } from '../log/parse';
import { PROPERTIES, type Property } from '../specs/properties';
import { writeFileAtomic } from '../util/atomic';
import { diagnosis, flips, narrative, rankKey, vmcoreVerdict, type Flip } from './explain';
import { renderHtml } from './html';
import type { Comparison, Contrast, Counterexample, Drawn, Finding, ReportModel } from './model';
import { buildSequence, sequenceMermaid, sequenceSvg } from './sequence';
import { findBreak, traceLog } from './trace';
import { realEvidence, type RealEvidence } from './real';
import { matrixVerdicts } from '../explain/violation';

export type { Comparison, Contrast, Counterexample, Drawn, Finding, ReportModel };

export interface ReportOptions {
  inputs?: readonly ConfigInput[];
  workers?: number;
  maxStates?: number;
  /** Include the comparison of mechanisms (src/compare/), its logs written in this folder. */
  compareLogs?: string;
  /** The real kernels' evidence by "configuration\u0000property" (default: realEvidence(), the
   *  committed manifest and transcripts). */
  real?: ReadonlyMap<string, RealEvidence>;
}

function draw(
  id: string,
  input: ConfigInput,
  events: readonly ExternalEvent[],
  title: string,
  property: Property | null,
  note: string | null,
  graph: 'at-end' | 'undecided' = 'at-end',
): Drawn & { diagnosis: string[] } {
  const parsed = parseConfig(input);
  if (!parsed.ok)
    throw new Error(`invalid configuration in the matrix: ${parsed.issues.map((i) => i.message).join('; ')}`);
  const config = parsed.config;
  const trace = traceLog(config, events);
  const br = property === null ? null : findBreak(property, trace, graph);
  const lines = property !== null && br !== null ? diagnosis(property, trace, br, note) : [];
  const seq = buildSequence(
    trace,
    title,
    property !== null && br !== null ? { property: property.id, frame: br.frame, lines } : null,
  );
  return {
    id,
    config,
    input,
    events: [...events],
    log: formatLog(input, events),
    trace,
    br,
    seq,
    mermaid: sequenceMermaid(seq),
    svg: sequenceSvg(seq),
    diagnosis: lines,
  };
}

function contrastFor(
  cx: Omit<Counterexample, 'contrast' | 'real'>,
  flipsOf: readonly Flip[],
  runs: readonly ConfigRun[],
): Contrast | null {
  const options = flipsOf.flatMap((f) => f.pairs.filter(([a]) => a === cx.run.config).map(([, b]) => ({ f, b })));
  options.sort((x, y) => rankKey(x.f.key) - rankKey(y.f.key));
  const pick = options[0];
  if (pick === undefined) return null;
  const run = runs.find((r) => r.config === pick.b);
  if (run === undefined) return null;
  const d = draw(
    `${cx.id}--contrast`,
    run.input,
    cx.events,
    `the same log @ ${run.config}`,
    cx.property,
    null,
    'undecided',
  );
  const last = d.trace.frames[d.trace.frames.length - 1];
  const holds = d.br === null;
  const vm = last === undefined ? null : vmcoreVerdict(last);
  const decided = cx.property.kind !== 'graph' || cx.property.check === 'every-event-handled';
  const summary = !holds
    ? `The same log on ${run.config} also breaks ${cx.property.id} at step ${d.br?.frame ?? '?'}, though the exploration of that configuration found that it holds (the log leaves its alphabet).`
    : decided
      ? `The same log on ${run.config} (only ${pick.f.key} differs: ${pick.f.to}) keeps ${cx.property.id}${vm === null ? '' : `: ${vm}`}.`
      : `On ${run.config} (only ${pick.f.key} differs: ${pick.f.to}) ${cx.property.id} holds: its exploration found every reachable state, this log's included, meets it.`;
  return { ...d, key: pick.f.key, from: pick.f.from, to: pick.f.to, holds, summary };
}

/** The comparison table of src/compare/compare.ts (issue 6), its logs written under `logsDir` and
 *  read back to show inline; an error is reported in the page rather than failing the report. */
async function comparison(logsDir: string, workers: number | undefined): Promise<Comparison> {
  try {
    const table = await compareTable({ outDir: logsDir, ...(workers === undefined ? {} : { workers }) });
    const logs: Record<string, string> = {};
    for (const row of table.cells) {
      for (const c of row) {
        for (const f of [c.log, c.figureLog])
          if (f !== null && logs[f] === undefined) logs[f] = readFileSync(f, 'utf8');
      }
    }
    return { table, logs, error: null };
  } catch (e) {
    return { table: null, logs: {}, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Explores the matrix and builds everything the page shows. */
export async function buildReportModel(opts: ReportOptions = {}): Promise<ReportModel> {
  const started = performance.now();
  const inputs = opts.inputs ?? defaultMatrix();
  const [runs, built, compare] = await Promise.all([
    runMatrix(inputs, {
      withCoverage: true,
      ...(opts.workers === undefined ? {} : { workers: opts.workers }),
      ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
    }),
    buildDiagrams(),
    opts.compareLogs === undefined ? Promise.resolve(null) : comparison(opts.compareLogs, opts.workers),
  ]);
  const properties = PROPERTIES.filter((p) => runs.some((r) => r.results.some((x) => x.property === p.id)));

  const flipsBy = new Map<string, readonly Flip[]>();
  for (const p of properties) flipsBy.set(p.id, flips(matrixVerdicts(runs, p.id)));

  const real = opts.real ?? realEvidence();
  const counterexamples: Counterexample[] = [];
  // Ids (and the diagrams' file names) by configuration: two names can make one slug.
  const stems = uniqueSlugs(runs.map((r) => r.config));
  for (const p of properties) {
    for (const [k, run] of runs.entries()) {
      const r = run.results.find((x) => x.property === p.id);
      if (r === undefined || r.verdict !== 'violated' || r.counterexample === null) continue;
      const id = `cx-${stems[k] ?? ''}--${p.id}`;
      const d = draw(id, run.input, r.counterexample, `${p.id} @ ${run.config}`, p, r.note);
      const base = { ...d, property: p, run, note: r.note, narrative: narrative(d.trace, d.seq) };
      counterexamples.push({
        ...base,
        contrast: contrastFor(base, flipsBy.get(p.id) ?? [], runs),
        real: real.get(`${run.config}\u0000${p.id}`) ?? null,
      });
    }
  }

  const findings: Finding[] = [];
  for (const p of properties) {
    const verdictOf = (r: ConfigRun) => r.results.find((x) => x.property === p.id)?.verdict;
    const violated = runs.filter((r) => verdictOf(r) === 'violated').map((r) => r.config);
    const holds = runs.filter((r) => verdictOf(r) === 'holds').map((r) => r.config);
    if (violated.length === 0) continue;
    const fl = flipsBy.get(p.id) ?? [];
    const top = [...fl].sort((x, y) => rankKey(x.key) - rankKey(y.key) || y.pairs.length - x.pairs.length)[0];
    const featured =
      top === undefined
        ? null
        : (counterexamples.find(
            (c) => c.property.id === p.id && c.contrast !== null && c.contrast.key === top.key && c.contrast.holds,
          ) ?? null);
    findings.push({ property: p, violated, holds, flips: fl, featured });
  }

  return {
    runs,
    properties,
    expected: loadExpected(),
    counterexamples,
    findings,
    diagrams: built.diagrams,
    compare,
    stats: {
      configs: runs.length,
      states: runs.reduce((n, r) => n + r.states, 0),
      edges: runs.reduce((n, r) => n + r.edges, 0),
      exploreSeconds: runs.reduce((n, r) => n + r.seconds, 0),
      wallSeconds: (performance.now() - started) / 1000,
    },
  };
}

export interface ReportFile {
  name: string;
  content: string;
}

/** The page and its companions, in memory. */
export function reportFiles(model: ReportModel): ReportFile[] {
  const files: ReportFile[] = [{ name: 'index.html', content: renderHtml(model) }];
  const md: string[] = [
    '# Counterexamples as sequence diagrams',
    '',
    '<!-- Generated by `npx fadump-model report`: do not edit by hand. -->',
    '',
    "Each violated property's shortest log, drawn between the actors from the deliveries of a replay; the step where the property breaks is shaded red. The full report with step-throughs is index.html.",
  ];
  for (const c of model.counterexamples) {
    md.push(
      '',
      `## ${c.property.id} @ ${c.run.config}`,
      '',
      c.property.sentence,
      '',
      '```mermaid',
      c.mermaid.trimEnd(),
      '```',
    );
    files.push(
      { name: join('sequences', `${c.id}.mmd`), content: c.mermaid },
      { name: join('sequences', `${c.id}.svg`), content: c.svg },
    );
    if (c.contrast !== null) {
      md.push('', c.contrast.summary, '', '```mermaid', c.contrast.mermaid.trimEnd(), '```');
      files.push(
        { name: join('sequences', `${c.contrast.id}.mmd`), content: c.contrast.mermaid },
        { name: join('sequences', `${c.contrast.id}.svg`), content: c.contrast.svg },
      );
    }
  }
  files.push({ name: 'sequences.md', content: `${md.join('\n')}\n` });
  return files;
}

export interface ReportResult {
  outDir: string;
  files: { name: string; bytes: number }[];
  model: ReportModel;
  ms: number;
}

/** Writes the report into outDir; the comparison of mechanisms is included unless `compare` is
 *  false (its logs go to outDir/compare). */
export async function generateReport(
  outDir: string,
  opts: ReportOptions & { compare?: boolean } = {},
): Promise<ReportResult> {
  const started = performance.now();
  const { compare, ...rest } = opts;
  const model = await buildReportModel({
    ...rest,
    ...(compare === false ? {} : { compareLogs: join(outDir, 'compare') }),
  });
  const files = reportFiles(model);
  for (const f of files) writeFileAtomic(join(outDir, f.name), f.content);
  return {
    outDir,
    files: files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.content) })),
    model,
    ms: Math.round(performance.now() - started),
  };
}
