// Where an exploration's time goes (issue 17 part 1), in two steps:
//   node --cpu-prof --cpu-prof-dir=out/profile --import tsx scripts/profile.ts explore
//       explores one configuration of the default matrix in this thread, every property checked
//       as `check` checks them (no worker threads, so that one .cpuprofile holds it all);
//   node --import tsx scripts/profile.ts summary out/profile/<file>.cpuprofile [--top 10]
//       prints the functions with the most self time as a Markdown table (self ms, % of the
//       profile's busy time), the table in README's "Speed". Summarise the main thread's file,
//       CPU.<date>.<time>.<pid>.0.<n>.cpuprofile (thread 0; tsx's loader thread writes another).
// Exit codes: 0, 2 on a bad flag or a file that is not a V8 CPU profile (naming the file and field),
// 141 when the reader of its output goes away (`... summary FILE | head`).
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { config, type ConfigInput } from '../src/config';
import { explore } from '../src/explore/explore';

/** The configuration profiled: the default matrix's pSeries firmware-faults configuration. */
const PROFILED: ConfigInput = { platform: 'pseries', faults: true };

/** The largest profile read (a 10 s profile is about 5 MB). */
const MAX_PROFILE_BYTES = 512 * 1024 * 1024;

/** The parts of V8's .cpuprofile (the Chrome DevTools Profiler.Profile) the summary reads. */
const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number().int(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number().int() }),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number().int()),
  timeDeltas: z.array(z.number()),
});
type Profile = z.infer<typeof ProfileSchema>;

/** V8's name for the samples where the thread waited. */
export const IDLE = '(idle)';

/** One row of the summary: a function (by name and file) and its self time. */
export interface SelfTime {
  /** The function's name, "(anonymous)" when it has none, or V8's "(garbage collector)", "(program)"... */
  name: string;
  /** The file, relative to the repository (or as V8 names it: node:internal/...); "" for V8's own. */
  file: string;
  /** Self time, milliseconds: the samples whose top frame is this function. */
  ms: number;
  /** Share of the profile's busy time (every sample but the idle ones), percent. */
  percent: number;
}

/**
 * Self time by function: each sample's time delta (µs) goes to the function on top of its stack;
 * the functions with one name in one file are added together (V8 makes a node per call path).
 * @returns every function with self time, most first, but for the thread's idle time (its share
 *   is of the busy time: every sample but "(idle)").
 */
export function selfTimes(profile: Profile, root: string): SelfTime[] {
  const byNode = new Map<number, string>();
  const rows = new Map<string, { name: string; file: string; us: number }>();
  for (const n of profile.nodes) {
    const url = n.callFrame.url;
    const path = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url;
    // A dependency by its package path (node_modules may be a link elsewhere).
    const inModules = path.lastIndexOf('node_modules/');
    const file = inModules >= 0 ? path.slice(inModules) : path;
    const name = n.callFrame.functionName || '(anonymous)';
    const key = `${name}\u0000${file}`;
    byNode.set(n.id, key);
    if (!rows.has(key)) rows.set(key, { name, file, us: 0 });
  }
  profile.samples.forEach((id, k) => {
    const row = rows.get(byNode.get(id) ?? '');
    if (row !== undefined) row.us += profile.timeDeltas[k] ?? 0;
  });
  // The thread waiting ("(idle)": start-up I/O) is no CPU time: the shares are of the busy time.
  const busy = [...rows.values()].filter((r) => r.us > 0 && !(r.name === IDLE && r.file === ''));
  const total = busy.reduce((n, r) => n + r.us, 0);
  return busy
    .sort((a, b) => b.us - a.us)
    .map((r) => ({ name: r.name, file: r.file, ms: r.us / 1000, percent: total > 0 ? (r.us / total) * 100 : 0 }));
}

/** The same self time added up by where the code lives: a file of this repository, a dependency
 *  (node_modules/<package>), Node's own (node:...), or V8 (its pseudo-frames, "(garbage
 *  collector)", "(program)"...), most first. */
export function byPlace(rows: readonly SelfTime[]): SelfTime[] {
  const places = new Map<string, SelfTime>();
  for (const r of rows) {
    const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(r.file);
    const name =
      r.file === ''
        ? r.name
        : pkg !== null
          ? `node_modules/${pkg[1] ?? ''}`
          : r.file.startsWith('node:')
            ? 'node: (Node.js itself)'
            : r.file;
    const p = places.get(name) ?? { name, file: '', ms: 0, percent: 0 };
    p.ms += r.ms;
    p.percent += r.percent;
    places.set(name, p);
  }
  return [...places.values()].sort((a, b) => b.ms - a.ms);
}

/** The summary as a Markdown table: the top `top` rows and the rest in one row (`places`: the
 *  rows of byPlace(), without a file column). */
export function summaryTable(rows: readonly SelfTime[], top: number, places = false): string {
  const total = rows.reduce((n, r) => n + r.ms, 0);
  const shown = rows.slice(0, top);
  const rest = rows.slice(top).reduce((n, r) => n + r.ms, 0);
  const cell = (r: SelfTime) =>
    places ? `\`${r.name}\`` : `\`${r.name}\` | ${r.file === '' ? '(V8)' : `\`${r.file}\``}`;
  const lines = [
    places ? '| where | self time | share |' : '| function | file | self time | share |',
    places ? '|---|---:|---:|' : '|---|---|---:|---:|',
    ...shown.map((r) => `| ${cell(r)} | ${r.ms.toFixed(0)} ms | ${r.percent.toFixed(1)}% |`),
    `| the other ${rows.length - shown.length} ${places ? 'places' : 'functions'} |${places ? '' : ' |'} ${rest.toFixed(0)} ms | ${total > 0 ? ((rest / total) * 100).toFixed(1) : '0.0'}% |`,
  ];
  return lines.join('\n');
}

function readProfile(file: string): Profile {
  let text: string;
  try {
    if (statSync(file).size > MAX_PROFILE_BYTES) throw new InputProblem(`${file}: larger than 512 MiB`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputProblem) throw e;
    throw new InputProblem(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputProblem(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = ProfileSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputProblem(
      `${file}: not a V8 CPU profile (node --cpu-prof): field '${(i?.path ?? []).map(String).join('.')}': ${i?.message ?? ''}`,
    );
  }
  if (r.data.samples.length !== r.data.timeDeltas.length)
    throw new InputProblem(
      `${file}: field 'timeDeltas': ${r.data.timeDeltas.length} entries for ${r.data.samples.length} samples`,
    );
  return r.data;
}

class InputProblem extends Error {}

function main(): void {
  // `summary FILE | head`: the reader went away; stop quietly (exit 141, as a shell reports SIGPIPE).
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(141);
  });
  const root = fileURLToPath(new URL('..', import.meta.url));
  const program = new Command('profile').exitOverride();
  program
    .command('explore')
    .description(`explore ${JSON.stringify(PROFILED)} in this thread, every property (run under node --cpu-prof)`)
    .action(() => {
      const r = explore(config(PROFILED));
      console.log(
        `${r.config.name}: ${r.states.toLocaleString('en-US')} states, ${r.edges.toLocaleString('en-US')} transitions, ${r.seconds.toFixed(2)} s`,
      );
    });
  program
    .command('summary')
    .description('self time by function of a .cpuprofile, as a Markdown table')
    .argument('<file>', 'a .cpuprofile written by node --cpu-prof')
    .option('--top <n>', 'rows', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000)
        throw new InvalidArgumentError('a whole number from 1 to 1000');
      return Number(v);
    })
    .action((file: string, opts: { top?: number }) => {
      const p = readProfile(file);
      const rows = selfTimes(p, root);
      const busy = rows.reduce((n, r) => n + r.ms, 0) / 1000;
      console.log(
        `${file}: ${((p.endTime - p.startTime) / 1e6).toFixed(2)} s profiled, ${busy.toFixed(2)} s of it busy (the rest idle), ${p.samples.length.toLocaleString('en-US')} samples\n`,
      );
      console.log(summaryTable(rows, opts.top ?? 10));
      console.log('');
      console.log(summaryTable(byPlace(rows), opts.top ?? 10, true));
    });
  try {
    program.parse(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    if (e instanceof InputProblem) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

// Run as a script (not when a test imports selfTimes).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
