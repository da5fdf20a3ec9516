// `check`'s text for a terminal: the property matrix (one row per configuration, one column per
// property, P1.. explained in a legend), the violations grouped by counterexample, and how the
// verdicts compare with the expected ones. Every line fits the given width: long names and
// sentences are wrapped at spaces, never cut (a single word longer than the width, such as a file
// path, stays whole on its own line).
import { parseConfig } from '../config';
import { explainViolation, matrixVerdicts, violationLine } from '../explain/violation';
import { PROPERTIES, type Property } from '../specs/properties';
import type { ExternalEvent } from '../events';
import type { ConfigRun, Mismatch } from './check';
import type { PropertyResult, Verdict } from './explore';
import { shQuote } from '../spec/sh';

const MARK: Record<Verdict, string> = { holds: 'ok', violated: 'FAIL', incomplete: '?', 'n/a': '-' };

/** The width of the output when nothing says otherwise. */
export const DEFAULT_WIDTH = 100;

/**
 * The terminal width to format for, in columns: $COLUMNS when it is a whole number from 20 to
 * 1000, else the terminal's own width when stdout is a terminal, else 100.
 */
export function outputWidth(env: NodeJS.ProcessEnv = process.env, stdout: NodeJS.WriteStream = process.stdout): number {
  const c = env.COLUMNS;
  if (c !== undefined && /^\d+$/.test(c.trim()) && Number(c) >= 20 && Number(c) <= 1000) return Number(c);
  if (stdout.isTTY && stdout.columns > 0) return stdout.columns;
  return DEFAULT_WIDTH;
}

/**
 * Word wrap: `text` broken at spaces into lines of at most `width` columns, the first line
 * starting with `first`, the others with `rest` (a hanging indent). A word longer than a line is
 * kept whole on a line of its own, never cut.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/).filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else if (empty && first.trim() !== '' && line.length + word.length > width) {
      // A label (`  P12 `) with a word too long beside it: the label on a line of its own.
      lines.push(...labelLines(line, width, rest));
      line = rest + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** A label (`    in 3 configurations: `) on lines of its own, wrapped when longer than a line. */
function labelLines(label: string, width: number, rest: string): string[] {
  const lead = /^ */.exec(label)?.[0] ?? '';
  return label.trimEnd().length <= width ? [label.trimEnd()] : wrap(label.trim(), width, lead, rest);
}

/**
 * Wrap of a list: the units (configuration names) joined by `sep` ("; "), a line broken only
 * between units, so that a name stays on one line; a unit longer than a line is word-wrapped.
 * The first line starts with `first`, the others with `rest`.
 */
export function wrapUnits(units: readonly string[], sep: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const glue = sep.trimEnd();
  units.forEach((u, i) => {
    const piece = i < units.length - 1 ? `${u}${glue}` : u;
    const joined = empty ? line + piece : `${line} ${piece}`;
    if (joined.length <= width) {
      line = joined;
    } else if (rest.length + piece.length <= width) {
      // On a line of its own it fits: end this line (a bare label stays as it is).
      if (!empty) lines.push(line.trimEnd());
      else if (line.trim() !== '') lines.push(...labelLines(line, width, rest));
      line = rest + piece;
    } else {
      if (!empty) lines.push(line);
      const parts = wrap(piece, width, empty ? line : rest, rest);
      lines.push(...parts.slice(0, -1));
      line = parts[parts.length - 1] ?? rest;
    }
    empty = false;
  });
  lines.push(line);
  return lines;
}

/** "1 configuration", "2 configurations" (the plural by an added s). */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `text` as one word of a POSIX shell command: as it is when it holds only characters no shell
 *  reads specially, else single-quoted (src/spec/sh.ts shQuote), so that a printed
 *  command copies and runs (an --out folder with a space in it). */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : shQuote(text);
}

/** A shell command on lines of at most `width` columns, each but the last ending with a line
 *  continuation (` \\`), so that it still copies and runs as one command; a word longer than a
 *  line (a file path) stays whole on a line of its own. */
export function shellLines(words: readonly string[], width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  words.forEach((word, i) => {
    const tail = i < words.length - 1 ? ' \\' : '';
    if (!empty && line.length + 1 + word.length + tail.length > width) {
      lines.push(`${line} \\`);
      line = rest + word;
    } else if (empty && first.trim() !== '' && line.length + word.length + tail.length > width) {
      lines.push(...labelLines(line, width, rest));
      line = rest + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  });
  lines.push(line);
  return lines;
}

/** A counterexample as a short line: `boot -> hotplug add 1 -> crash`. */
export function eventsText(events: readonly ExternalEvent[]): string {
  return events
    .map((e) =>
      e.event === 'write'
        ? `echo ${JSON.stringify(e.value.trim().slice(0, 12))} > ${e.path.split('/').pop() ?? e.path}`
        : e.event === 'memory-hotplug'
          ? `hotplug ${e.action} ${e.lmbs ?? e.drcIndex ?? e.address}`
          : e.event === 'cpu-hotplug'
            ? `cpu ${e.action} ${e.cpus}`
            : e.event,
    )
    .join(' -> ');
}

/**
 * Why a counterexample breaks its property, for `check`'s violations list: the shared explainer
 * (src/explain/violation.ts, the same words replay and the report use): the step that breaks it
 * and why, then the contrasting configuration among `runs` where it holds, when there is one.
 * @returns one or two lines (unwrapped). Falls back to the explorer's note when the configuration
 *   does not parse (it always does for a run check made).
 */
export function violationWhy(runs: readonly ConfigRun[], run: ConfigRun, result: PropertyResult): string[] {
  const parsed = parseConfig(run.input);
  if (!parsed.ok || result.counterexample === null) return [result.note ?? 'found by exploring every reachable state'];
  const x = explainViolation(parsed.config, result.counterexample, result.property, {
    matrix: matrixVerdicts(runs, result.property),
    note: result.note,
  });
  return [`why: ${violationLine(x)}`, ...(x.contrast === null ? [] : [`contrast: ${x.contrast}`])];
}

/** What the matrix text says about the comparison with expected verdicts. */
export interface Judgement {
  /** The file compared with, as the user named it (src/specs/expected.json by default). */
  file: string;
  mismatches: readonly Mismatch[];
  /** Runs with some verdict not recorded. */
  unrecorded: readonly string[];
  /** Where a verdict that differs could be recorded, after "a regression, or a fix to record"
   *  (default: `with --record <file>`; for custom configurations judged against the project's
   *  file, a file of the user's own). */
  recordHint?: string;
  /** Why verdicts are "incomplete" (explorations stopped part-way), and what to give instead,
   *  e.g. "the exploration stopped at --max-states 50 before deciding them; give more states or
   *  --max-memory". A recorded verdict that came out "incomplete" is reported with it, apart from
   *  the verdicts that differ: nothing was decided, so it is no regression. */
  stopped?: string;
  /** When the run recorded its verdicts instead (`--record FILE`): what changed. */
  recorded?: { file: string; added: readonly string[]; changed: readonly Mismatch[]; verdicts: number };
}

/** A property's column label: P1.. by its place in PROPERTIES (src/specs/properties.ts), the same
 *  whichever properties a run checks (`--property accurate-vmcore` is still P2). */
export function columnOf(id: string): string {
  const i = PROPERTIES.findIndex((p) => p.id === id);
  return i < 0 ? '?' : `P${i + 1}`;
}

function matrixRows(runs: readonly ConfigRun[], props: readonly Property[], width: number): string[] {
  const cols = props.map((p) => columnOf(p.id));
  const cellsOf = (run: ConfigRun) =>
    props.map((p) => {
      const r = run.results.find((x) => x.property === p.id);
      return r ? MARK[r.verdict] : '';
    });
  const states = (n: number) => n.toLocaleString('en-US');
  const nameWidth = Math.max(13, ...runs.map((r) => r.config.length));
  const statesWidth = Math.max(6, ...runs.map((r) => states(r.states).length));
  const oneLine = nameWidth + 2 + statesWidth + 2 + cols.length * 5 <= width;
  const out: string[] = [];
  if (oneLine) {
    out.push(
      `${'configuration'.padEnd(nameWidth)}  ${'states'.padStart(statesWidth)}  ${cols.map((c) => c.padStart(4)).join(' ')}`,
    );
    for (const run of runs)
      out.push(
        `${run.config.padEnd(nameWidth)}  ${states(run.states).padStart(statesWidth)}  ${cellsOf(run)
          .map((c) => c.padStart(4))
          .join(' ')}`,
      );
    return out;
  }
  // Too wide for one line: the name (and its states) on a line of its own, the verdicts below,
  // as many columns to a line as fit.
  const perLine = Math.max(1, Math.floor(width / 5));
  const chunks = <T>(xs: readonly T[]): T[][] =>
    Array.from({ length: Math.ceil(xs.length / perLine) }, (_, i) => xs.slice(i * perLine, (i + 1) * perLine));
  out.push(...wrap('configuration (states explored)', width));
  for (const c of chunks(cols)) out.push(c.map((x) => x.padStart(5)).join(''));
  for (const run of runs) {
    out.push(...wrap(`${run.config} (${plural(run.states, 'state')})`, width, '', '    '));
    for (const c of chunks(cellsOf(run))) out.push(c.map((x) => x.padStart(5)).join(''));
  }
  return out;
}

/** The matrix, the legend, the grouped violations and the comparison, as lines of at most
 *  `width` columns (but for single words longer than that). */
export function formatMatrix(
  runs: readonly ConfigRun[],
  files: ReadonlyMap<string, string>,
  judgement: Judgement,
  width: number = DEFAULT_WIDTH,
  real?: (config: string, property: string) => string | null,
): string {
  const props = PROPERTIES.filter((p) => runs.some((r) => r.results.some((x) => x.property === p.id)));
  const out: string[] = matrixRows(runs, props, width);
  out.push('', ...wrap('properties (ok holds, FAIL violated, ? incomplete, - not applicable):', width, '', '    '));
  const legendIndent = ' '.repeat(2 + Math.max(0, ...props.map((p) => columnOf(p.id).length)) + 1);
  for (const p of props)
    out.push(
      ...wrap(`${p.id}: ${p.sentence}`, width, `  ${columnOf(p.id).padEnd(legendIndent.length - 2)}`, legendIndent),
    );

  // Violations, one entry per (property, counterexample): the configurations that share it listed.
  const groups = new Map<string, { property: string; result: PropertyResult; runs: ConfigRun[] }>();
  for (const run of runs)
    for (const r of run.results) {
      if (r.verdict !== 'violated') continue;
      const key = `${r.property}\u0000${JSON.stringify(r.counterexample ?? [])}`;
      const g = groups.get(key) ?? { property: r.property, result: r, runs: [] };
      g.runs.push(run);
      groups.set(key, g);
    }
  if (groups.size) {
    const total = [...groups.values()].reduce((n, g) => n + g.runs.length, 0);
    out.push(
      '',
      ...wrap(
        `violations: ${groups.size} shortest counterexample${groups.size === 1 ? '' : 's'} for ${total} violated verdict${total === 1 ? '' : 's'} (configurations with the same counterexample listed together):`,
        width,
      ),
    );
    for (const g of groups.values()) {
      const first = g.runs[0];
      out.push(
        ...wrap(
          `${g.property} (${columnOf(g.property)}): ${eventsText(g.result.counterexample ?? []) || '(the initial state)'}`,
          width,
          '  ',
          '      ',
        ),
      );
      if (first !== undefined)
        for (const line of violationWhy(runs, first, g.result)) out.push(...wrap(line, width, '    ', '      '));
      const label = g.runs.length === 1 ? 'in ' : `in ${g.runs.length} configurations: `;
      out.push(
        ...wrapUnits(
          g.runs.map((r) => r.config),
          '; ',
          width,
          `    ${label}`,
          '      ',
        ),
      );
      const file = first === undefined ? undefined : files.get(`${first.config}\u0000${g.property}`);
      // The command stays whole, to be copied: on one line when it fits, else broken before the
      // file with a shell line continuation (the file, a single word, may be longer than a line).
      if (file !== undefined) {
        const word = shellWord(file);
        const command = `npx fadump-model replay ${word}`;
        if (`    replay: ${command}`.length <= width) out.push(`    replay: ${command}`);
        else if (`      ${command}`.length <= width) out.push('    replay:', `      ${command}`);
        else out.push(...shellLines(['npx', 'fadump-model', 'replay', word], width, '    replay: ', '      '));
      }
      // The real kernel's verdict (src/report/real.ts): the distinct "seen" lines of the group's
      // configurations, else the first one's "not reproduced".
      const lines = real === undefined ? [] : g.runs.flatMap((r) => real(r.config, g.property) ?? []);
      const seen = [...new Set(lines.filter((l) => l.startsWith('seen')))];
      for (const l of seen.length ? seen : lines.slice(0, 1))
        out.push(...wrap(`real kernel: ${l}`, width, '    ', '      '));
    }
  }

  const states = runs.reduce((n, r) => n + r.states, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  out.push(
    '',
    ...wrap(
      `${plural(runs.length, 'configuration')}, ${plural(states, 'state')}, ${plural(
        runs.reduce((n, r) => n + r.edges, 0),
        'transition',
      )} explored (${seconds.toFixed(1)} s of exploration)`,
      width,
    ),
  );
  out.push(...judgementLines(judgement, width));
  return out.join('\n');
}

function judgementLines(j: Judgement, width: number): string[] {
  const out: string[] = [];
  const say = (text: string, first = '', rest = '    ') => out.push(...wrap(text, width, first, rest));
  if (j.recorded !== undefined) {
    const r = j.recorded;
    say(
      `recorded in ${r.file}: ${r.verdicts} verdict${r.verdicts === 1 ? '' : 's'}, ${r.added.length} configuration${r.added.length === 1 ? '' : 's'} new, ${r.changed.length} verdict${r.changed.length === 1 ? '' : 's'} changed${r.changed.length ? ':' : ''}`,
    );
    for (const m of r.changed) say(`${m.property} @ ${m.config}: was ${m.expected ?? '(nothing)'}, now ${m.got}`, '  ');
    for (const name of r.added) say(`new: ${name}`, '  ');
    return out;
  }
  const undecided = j.mismatches.filter(
    (m) => m.expected !== null && m.got === 'incomplete' && m.expected !== 'incomplete',
  );
  const differs = j.mismatches.filter((m) => m.expected !== null && !undecided.includes(m));
  const unrecordedViolations = j.mismatches.filter((m) => m.expected === null);
  const unrecordedRuns = j.unrecorded;
  if (unrecordedRuns.length) {
    say(
      `no expected verdicts recorded in ${j.file} for ${unrecordedRuns.length === 1 ? 'one configuration (or some of its properties)' : `${unrecordedRuns.length} configurations (or some of their properties)`}; verdicts other than FAIL not judged:`,
    );
    out.push(...wrapUnits(unrecordedRuns, '; ', width, '  ', '  '));
  }
  if (unrecordedViolations.length) {
    say(
      `FAILED: ${unrecordedViolations.length} violation${unrecordedViolations.length === 1 ? '' : 's'} with no expected verdict recorded: a violation counts as a failure until it is recorded as expected (keep your own file: --record FILE, then --expect FILE):`,
    );
    for (const m of unrecordedViolations) say(`${m.property} @ ${m.config}: violated, nothing recorded`, '  ');
  }
  if (differs.length) {
    say(
      `FAILED: ${differs.length} verdict${differs.length === 1 ? '' : 's'} differ${differs.length === 1 ? 's' : ''} from ${j.file} (a regression, or a fix to record ${j.recordHint ?? `with --record ${j.file}`}):`,
    );
    for (const m of differs)
      say(`${m.property} @ ${m.config}: expected ${m.expected ?? '(nothing)'}, got ${m.got}`, '  ');
  }
  if (undecided.length) {
    say(
      `NOT CONFIRMED: ${plural(undecided.length, 'verdict')} incomplete: ${j.stopped ?? 'the exploration stopped before deciding them'}. Expected in ${j.file}, not decided:`,
    );
    const byConfig = new Map<string, string[]>();
    for (const m of undecided) byConfig.set(m.config, [...(byConfig.get(m.config) ?? []), m.property]);
    for (const [config, ids] of byConfig) out.push(...wrapUnits(ids, ', ', width, `  ${config}: `, '      '));
  }
  if (j.mismatches.length === 0) {
    if (unrecordedRuns.length === 0) say(`every verdict matches ${j.file}`);
    else say(`no violation where nothing is recorded, and every recorded verdict matches ${j.file}`);
  }
  return out;
}

/** Coverage over all configurations: what no configuration ever reached, per actor. */
export function coverageSummary(runs: readonly ConfigRun[]): {
  actor: string;
  states: { reached: number; total: number; never: string[] };
  transitions: { reached: number; total: number; never: string[] };
}[] {
  const actors = new Map<string, { states: Map<string, boolean>; transitions: Map<string, boolean> }>();
  for (const run of runs) {
    for (const c of run.coverage ?? []) {
      const a = actors.get(c.actor) ?? { states: new Map(), transitions: new Map() };
      actors.set(c.actor, a);
      for (const s of c.states.reached) a.states.set(s, true);
      for (const s of c.states.never) if (!a.states.get(s)) a.states.set(s, false);
      for (const t of c.transitions.reached) a.transitions.set(t, true);
      for (const t of c.transitions.never) if (!a.transitions.get(t)) a.transitions.set(t, false);
    }
  }
  const part = (m: Map<string, boolean>) => ({
    reached: [...m.values()].filter(Boolean).length,
    total: m.size,
    never: [...m].filter(([, ok]) => !ok).map(([k]) => k),
  });
  return [...actors].map(([actor, a]) => ({ actor, states: part(a.states), transitions: part(a.transitions) }));
}

/** Coverage over all configurations as text (see coverageSummary), lines wrapped to `width`. */
export function formatCoverage(runs: readonly ConfigRun[], width: number = DEFAULT_WIDTH): string {
  const out: string[] = ['', ...wrap('coverage (over every configuration explored):', width, '', '    ')];
  for (const a of coverageSummary(runs)) {
    out.push(
      ...wrap(
        `${a.actor}: states ${a.states.reached}/${a.states.total}, transitions ${a.transitions.reached}/${a.transitions.total}`,
        width,
        '  ',
        '      ',
      ),
    );
    for (const s of a.states.never) out.push(...wrap(`state never reached: ${s}`, width, '    ', '      '));
    for (const t of a.transitions.never) out.push(...wrap(`transition never taken: ${t}`, width, '    ', '      '));
  }
  return out.join('\n');
}
