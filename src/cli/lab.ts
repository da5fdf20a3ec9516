// npm run lab -- setup | run: the real-kernel lab (README "Checked against real kernels").
//   setup                 lab/setup.sh: QEMU, busybox and the kernels from Debian's archive
//   run [--kernel V]... [--paths FILE|generated]... [--only NAME...] [--max-paths N] [--out DIR]
//       [--jobs N] [--max-minutes N]
//                         runs every path (default: every pSeries paths file) on every kernel, writes a transcript per pair, conforms
//                         each, prints a summary; a pair with a transcript is skipped (resume),
//                         unless the transcript is not of the path as given now (exit 2)
//   script [--kernel V] [--path N] [--script FILE] [--out LOG]
//                         runs one path of a regression spec script (paths --format sh; by
//                         default the one generated for the lab guest) on a guest, part by part
//                         across its crashes and reboots, and writes a small log of every check
//   counterexamples --write [--from DIR] | counterexamples [--out DIR] [--max-minutes N]
//                         --write: fits check's counterexamples (--from, default
//                         out/counterexamples) to the lab guest: lab/paths/counterexamples.jsonl
//                         and .json; otherwise runs each on its kernel (one guest at a time) and
//                         prints "seen"/"not reproduced" (--from only with --write; --out and
//                         --max-minutes only without)
// Exit: 0 done (divergences are reported, not failures: `conform --known` judges them), 1 a
// guest run ended early, 2 bad input, 130 interrupted (SIGINT), 143 ended (SIGTERM), 129 hung up
// (SIGHUP): the guests under way are stopped, the transcripts that finished are kept.
import { execFileSync, spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError } from 'commander';
import { conform, readTranscript, totals, type Conformance } from '../conform/conform';
import { guestConfig } from '../conform/transcript';
import { InputError, readText } from '../util/read';
import { notAFlag } from './io';
import { buildInitramfs, qemuCommand, repoLabDir } from '../lab/lab';
import {
  execute,
  generatedLabPaths,
  kernelsOf,
  guestOf,
  labGuest,
  originOf,
  plan,
  qemuVersionOf,
  readLabPaths,
  recordedDiffers,
  type Job,
  type LabPath,
} from '../lab/runner';
import type { RunResult } from '../lab/run';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { labDir } from '../lab/lab';
import { labSpec, runScript, runnablePath, scriptLog, scriptPathParts } from '../lab/script';
import { fitAll, manifestText, pathsText, type Counterexample } from '../lab/counterexamples';
import { ExpectedFileSchema } from '../explore/expected';
import { slug } from '../explore/check';
import { parseLog } from '../log/parse';
import type { ExternalEvent } from '../events';
import type { ConfigInput } from '../config';
import { readManifest, realEvidence, verdictLine } from '../report/real';
import { parseJsonWith } from '../conform/transcript';
import { format, resolveConfig } from 'prettier';

/** The largest spec script `lab script --script` reads. */
const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;

async function script(opts: { kernel: string; path?: string; script?: string; out?: string }): Promise<number> {
  const [kernel] = kernelsOf([opts.kernel]);
  if (kernel === undefined) throw new InputError('--kernel: one kernel variant');
  const qemu = qemuVersionOf(execFileSync(qemuCommand(), ['--version'], { encoding: 'utf8' }));
  // The kernels chose the hash MMU under TCG (test/real/*.jsonl): the model is configured so.
  const guest = { ...labGuest(kernel, qemu), mmu: 'hash' as const };
  let text: string;
  let path: number | null = opts.path === undefined ? null : Number(opts.path);
  if (path !== null && (!Number.isInteger(path) || path < 1)) throw new InputError('--path: a path number from 1');
  if (opts.script !== undefined)
    text = readText(opts.script, {
      maxBytes: MAX_SCRIPT_BYTES,
      what: 'a spec script',
      why: "the lab guest's spec is some hundreds of KB",
    });
  else {
    const { spec, script: generated } = labSpec(guest);
    text = generated;
    path ??= runnablePath(spec);
  }
  if (path === null) throw new InputError(`--path N: which path of ${opts.script ?? 'the spec'} to run (from 1)`);
  const parts = scriptPathParts(text, path).length;
  if (parts === 0) throw new InputError(`--path ${path}: the script has no such path`);
  // The generated spec is kept beside the lab once the path is known to be in it.
  if (opts.script === undefined) {
    const file = join(labDir(), 'spec', `pseries-${kernel.name}.sh`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stderr.write(`lab: the spec for the lab guest: ${file}\n`);
  }
  const out = opts.out ?? join(repoLabDir(), '..', 'test', 'real', `script-pseries-${kernel.name}-path-${path}.log`);
  process.stderr.write(`lab: path ${path} (${parts} parts) on ${kernel.name}, QEMU ${qemu}\n`);
  const t0 = Date.now();
  const stop = onStopSignals();
  const r = await runScript({
    signal: stop.signal,
    guest,
    vmlinux: kernel.vmlinux,
    initramfs: buildInitramfs(labDir(), text),
    workDir: join(labDir(), 'run'),
    path,
    parts,
    onPart: (p) =>
      process.stderr.write(
        `lab: part ${p.part}: ${p.lines.filter((l) => l.startsWith('ok ')).length} ok, ${p.lines.filter((l) => l.startsWith('not ok')).length} not ok, ${(p.ms / 1000).toFixed(0)} s\n`,
      ),
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    scriptLog(
      {
        script: opts.script ?? `paths --format sh for the lab guest (${kernel.name}; src/lab/script.ts labSpec())`,
        path: String(path),
        kernel: `${kernel.release} (${kernel.source})`,
        qemu,
        recorded: new Date().toISOString().slice(0, 16).replace('T', ' '),
        minutes: ((Date.now() - t0) / 60000).toFixed(1),
      },
      r,
    ),
  );
  stop.dispose();
  process.stdout.write(`${r.end.end}: ${r.end.reason}; ${r.checks} checks, ${r.failed} failed; log ${out}\n`);
  const by = stop.received();
  if (by !== null) return exitCodeOf(by);
  return r.end.end === 'completed' ? 0 : 1;
}

/** One line per kernel: paths, steps, agreeing steps, divergences by field kind. */
export function summary(results: readonly Conformance[]): string {
  const by = new Map<string, Conformance[]>();
  for (const r of results) by.set(r.kernel, [...(by.get(r.kernel) ?? []), r]);
  const lines = ['kernel                    paths  steps  agree  divergences by kind'];
  for (const [k, rs] of [...by].sort()) {
    const kinds = new Map<string, number>();
    for (const d of rs.flatMap((r) => r.divergences)) {
      const kind = d.field.replace(/\[\d+\]/, '[i]').replace(/^file:.*\/(fadump_)?/, 'file:');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const { steps, agree } = totals(rs);
    const ended = rs.filter((r) => r.end !== 'completed').length;
    lines.push(
      `${k.padEnd(25)} ${String(rs.length).padStart(5)} ${String(steps).padStart(6)} ${String(agree).padStart(6)}  ${[...kinds].map(([x, n]) => `${x} ${n}`).join(', ') || 'none'}${ended ? ` (${ended} ended early)` : ''}`,
    );
  }
  return lines.join('\n');
}

/** The time left when `done` of `total` paths took the time since `started` (ms): "m:ss", or "?"
 *  before the first path ends. The progress bar's ETA for a log that is not a terminal. */
export function eta(started: number, done: number, total: number, now = Date.now()): string {
  if (done === 0) return '?';
  const s = Math.round((((now - started) / done) * (total - done)) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The signals that end a lab run: each stops the guests under way (runPath() kills their
 *  process groups) and starts no more; the transcripts that finished are kept. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit code after a stop signal, 128 + its number (130 SIGINT, as `check` exits; 143
 *  SIGTERM; 129 SIGHUP). */
export function exitCodeOf(s: StopSignal): number {
  return 128 + osConstants.signals[s];
}

/** Listens for STOP_SIGNALS until dispose(): the first aborts `signal`; received() says which. */
export function onStopSignals(): { signal: AbortSignal; received: () => StopSignal | null; dispose: () => void } {
  const ac = new AbortController();
  let first: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map((s) => {
    const h = () => {
      first ??= s;
      process.stderr.write(`lab: ${s}: stopping the guests; the transcripts that finished are kept\n`);
      ac.abort();
    };
    process.on(s, h);
    return [s, h] as const;
  });
  return {
    signal: ac.signal,
    received: () => first,
    dispose: () => {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}

/** A resumed run skips the pairs already recorded: an InputError when a recorded transcript is
 *  not of its path as the paths file now gives it (recordedDiffers(): an edited path of the same
 *  name), naming the transcript, the path and what differs. */
function sameAsRecorded(done: readonly Job[], qemu: string): void {
  const stale = done.flatMap((j) => {
    const d = recordedDiffers(j, readTranscript(j.file), qemu);
    return d === null
      ? []
      : [`${j.file}: recorded for path "${j.path.name}" as it was, not as ${originOf(j.path)} gives it now: ${d}`];
  });
  if (stale.length)
    throw new InputError(
      `${stale.join('\nlab: ')}\nlab: delete the transcript to record the path as it is now, or give the edited path a new name (nothing was run)`,
    );
}

/** The paths, or an InputError naming a path name given twice, and where (each names its
 *  transcript file). */
function uniqueNames(paths: readonly LabPath[]): LabPath[] {
  const seen = new Map<string, LabPath>();
  for (const p of paths) {
    const first = seen.get(p.name);
    if (first !== undefined)
      throw new InputError(
        `${originOf(p)}: field 'name': the path name "${p.name}" is given twice (first at ${originOf(first)}): each path's transcript is named by it`,
      );
    seen.set(p.name, p);
  }
  return [...paths];
}

/** The paths named in `names` (all without it); InputError for a name no paths file gives. */
function only(paths: readonly LabPath[], names: readonly string[] | undefined): LabPath[] {
  if (names === undefined) return [...paths];
  const missing = names.filter((n) => !paths.some((p) => p.name === n));
  if (missing.length) throw new InputError(`--only: no path named ${missing.map((n) => `"${n}"`).join(', ')}`);
  return paths.filter((p) => names.includes(p.name));
}

/** The paths files `lab run` runs by default: every pSeries path committed (README "Checked
 *  against real kernels"). */
export const DEFAULT_PATHS = ['default.jsonl', 'cmdline.jsonl', 'cpu.jsonl', 'dimm.jsonl'].map((f) =>
  join(repoLabDir(), 'paths', f),
);

/** `lab run`'s flags as commander hands them over (strings, validated in run()). */
interface RunFlags {
  kernel: string[];
  paths: string[];
  out: string;
  jobs: string;
  maxMinutes: string;
  maxPaths?: string;
  only?: string[];
}

/** The --max-minutes value: a positive number of minutes, or an InputError. */
function maxMinutesOf(text: string): number {
  const minutes = Number(text);
  if (text.trim() === '' || !(minutes > 0) || !Number.isFinite(minutes))
    throw new InputError('--max-minutes: a positive number');
  return minutes;
}

/** The --out directory, made if missing; an InputError when it is a file or cannot be made. */
function outDirOf(dir: string): string {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new InputError(
      `--out ${dir}: not a directory (a file of that name exists): give a directory for the transcripts`,
    );
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`--out ${dir}: cannot make the directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return dir;
}

async function run(opts: RunFlags): Promise<number> {
  const jobs = Number(opts.jobs);
  const minutes = maxMinutesOf(opts.maxMinutes);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 4) throw new InputError('--jobs: a whole number from 1 to 4');
  const generated = opts.paths.includes('generated');
  if (opts.maxPaths !== undefined && !generated)
    throw new InputError('--max-paths: only with --paths generated (it counts the generated paths)');
  const maxPaths = Number(opts.maxPaths ?? '20');
  if (!Number.isInteger(maxPaths) || maxPaths < 1) throw new InputError('--max-paths: a whole number from 1');
  const kernels = kernelsOf(opts.kernel);
  const qemu = qemuVersionOf(execFileSync(qemuCommand(), ['--version'], { encoding: 'utf8' }));
  // --paths generated: the model's transition-cover paths for each kernel's guest, fitted to it.
  // Every paths file is read (and each path's guest checked against the model) before any guest
  // starts.
  const pathsFor = (k: (typeof kernels)[number]) =>
    only(
      uniqueNames(
        opts.paths.flatMap((p) =>
          p === 'generated' ? generatedLabPaths(labGuest(k, qemu), maxPaths) : readLabPaths(p, labGuest(k, qemu)),
        ),
      ),
      opts.only,
    );
  const pathsOf = kernels.map((k) => ({ kernel: k, paths: pathsFor(k) }));
  // Made once every path is read and checked: a refused paths file leaves no folder behind.
  outDirOf(opts.out);
  const perKernel = pathsOf.map(({ kernel, paths }) => plan([kernel], paths, opts.out));
  const todo = perKernel.flatMap((p) => p.jobs);
  const done = perKernel.flatMap((p) => p.done);
  sameAsRecorded(done, qemu);

  process.stderr.write(
    `lab: ${kernels.length} kernels, ${todo.length + done.length} paths in all; ${done.length} already recorded (skipped), ${todo.length} to run, ${jobs} guests at a time, QEMU ${qemu}\n`,
  );
  const stop = onStopSignals();
  const bar = process.stderr.isTTY
    ? new SingleBar(
        {
          format: 'lab {bar} {value}/{total} paths | ETA {eta_formatted} | {last}',
          hideCursor: true,
          stream: process.stderr,
        },
        Presets.shades_classic,
      )
    : null;
  bar?.start(todo.length, 0, { last: '' });
  const ended: string[] = [];
  const started = Date.now();
  let finished = 0;
  await execute(todo, {
    jobs,
    initramfs: buildInitramfs(),
    qemuVersion: qemu,
    deadline: Date.now() + minutes * 60_000,
    signal: stop.signal,
    onDone: (job: Job, r: RunResult) => {
      if (r.end.end !== 'completed') ended.push(`${job.file}: ${r.end.end}: ${r.end.reason}`);
      bar?.increment(1, { last: `${job.kernel.name} ${job.path.name}: ${r.end.end}` });
      finished += 1;
      if (bar === null)
        process.stderr.write(
          `lab: [${finished}/${todo.length}, ETA ${eta(started, finished, todo.length)}] ${job.kernel.name} ${job.path.name}: ${r.end.end} (${r.steps.length - 1} steps)\n`,
        );
    },
  });
  bar?.stop();
  stop.dispose();
  const all = pathsOf
    .flatMap(({ kernel, paths }) => plan([kernel], paths, opts.out).done)
    .map((j) => conform(readTranscript(j.file)));
  process.stdout.write(`${summary(all)}\n`);
  for (const e of ended) process.stderr.write(`lab: ended early: ${e}\n`);
  const by = stop.received();
  if (by !== null) return exitCodeOf(by);
  return ended.length ? 1 : 0;
}

/** The check matrix's counterexamples as `check` wrote them (DIR/<config>__<property>.jsonl),
 *  each named by its configuration in src/specs/expected.json (the file stem is slug(name)). */
function readCheckCounterexamples(dir: string): Counterexample[] {
  const expected = parseJsonWith(
    ExpectedFileSchema,
    readFileSync(new URL('../specs/expected.json', import.meta.url), 'utf8'),
    'src/specs/expected.json',
  );
  const out: Counterexample[] = [];
  for (const c of expected.configurations)
    for (const [property, verdict] of Object.entries(c.verdicts)) {
      if (verdict !== 'violated') continue;
      const file = join(dir, `${slug(c.name)}__${property}.jsonl`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new InputError(`${file}: missing: run \`npm start\` first (it writes the counterexamples there)`);
      }
      const log = parseLog(text, file);
      out.push({
        configuration: c.name,
        config: log.rawConfig as ConfigInput,
        property,
        events: log.entries.map((e) => e.event as ExternalEvent),
      });
    }
  return out;
}

/** `lab counterexamples`'s flags as commander hands them over (validated in counterexamples()). */
interface CounterexampleFlags {
  write?: boolean;
  from?: string;
  out: string;
  maxMinutes: string;
}

/** `lab counterexamples`: --write fits check's counterexamples and writes the paths file and the
 *  manifest; otherwise runs each lab path on its kernel (resuming) and prints each verdict. */
async function counterexamples(o: CounterexampleFlags, given: ReadonlySet<string>): Promise<number> {
  const pathsFile = join(repoLabDir(), 'paths', 'counterexamples.jsonl');
  const manifestFile = join(repoLabDir(), 'paths', 'counterexamples.json');
  if (o.write === true) {
    for (const f of ['--out', '--max-minutes'])
      if (given.has(f))
        throw new InputError(`${f}: only without --write (--write runs no guest; it writes the paths file)`);
    const { manifest, paths } = fitAll(readCheckCounterexamples(o.from ?? 'out/counterexamples'));
    writeFileSync(pathsFile, pathsText(paths));
    // Written as Prettier formats it (`npm test` checks the repository's formatting).
    const options = (await resolveConfig(manifestFile)) ?? {};
    writeFileSync(manifestFile, await format(manifestText(manifest), { ...options, filepath: manifestFile }));
    process.stdout.write(
      `lab: ${manifest.length} counterexamples, ${manifest.filter((m) => m.path !== undefined).length} fitted to ${paths.length} lab paths: ${pathsFile}, ${manifestFile}\n`,
    );
    return 0;
  }
  if (o.from !== undefined)
    throw new InputError(
      "--from: only with --write (it is where --write reads check's counterexamples; a run reads lab/paths/counterexamples.jsonl)",
    );
  const minutes = maxMinutesOf(o.maxMinutes);
  outDirOf(o.out);
  const manifest = readManifest(manifestFile);
  const paths = readLabPaths(pathsFile);
  const qemu = qemuVersionOf(execFileSync(qemuCommand(), ['--version'], { encoding: 'utf8' }));
  const pairs = new Map<string, Job>();
  for (const m of manifest) {
    // An entry without a path or kernel was not fitted to the lab (its reason is in the manifest).
    if (m.path === undefined || m.kernel === undefined) continue;
    const path = paths.find((p) => p.name === m.path);
    if (path === undefined)
      throw new InputError(
        `${manifestFile}: path "${m.path}" is not in ${pathsFile}: the two are written together, rerun \`npm run lab -- counterexamples --write\``,
      );
    const [kernel] = kernelsOf([m.kernel]);
    if (kernel === undefined) throw new InputError(`${manifestFile}: path "${m.path}": no kernel`);
    const c = guestConfig(guestOf(labGuest(kernel, qemu), path));
    if (!c.ok)
      throw new InputError(
        `${originOf(path)}: field '${path.guest?.cmdline === undefined ? 'guest' : 'guest.cmdline'}': the model takes no such guest on ${kernel.name}: ${c.message}`,
      );
    const job = plan([kernel], [path], o.out);
    sameAsRecorded(job.done, qemu);
    for (const j of job.jobs) pairs.set(j.file, j);
  }
  const todo = [...pairs.values()];
  process.stderr.write(`lab: ${todo.length} counterexample paths to run, one guest at a time, QEMU ${qemu}\n`);
  const stop = onStopSignals();
  await execute(todo, {
    jobs: 1,
    initramfs: buildInitramfs(),
    qemuVersion: qemu,
    deadline: Date.now() + minutes * 60_000,
    signal: stop.signal,
    onDone: (job: Job, r: RunResult) =>
      process.stderr.write(`lab: ${job.kernel.name} ${job.path.name}: ${r.end.end} (${r.steps.length - 1} steps)\n`),
  });
  stop.dispose();
  for (const [key, ev] of realEvidence(manifest, o.out)) {
    const [configuration, property] = key.split('\u0000');
    process.stdout.write(`${property ?? ''} in ${configuration ?? ''}: ${verdictLine(ev)}\n`);
  }
  const by = stop.received();
  return by === null ? 0 : exitCodeOf(by);
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('lab').exitOverride().showHelpAfterError();
  let code = 0;
  // Commander's parsers: a flag's value that looks like a flag is refused (notAFlag()); a flag of
  // several values given more than once gathers them, in place of its default.
  const given = new Set<string>();
  const value = (flag: string, what: string) => (v: string) => {
    given.add(flag);
    return notAFlag(flag, v, what);
  };
  const values =
    (flag: string, what = 'FILE') =>
    (v: string, previous: string[] | undefined): string[] => {
      const first = !given.has(flag);
      given.add(flag);
      return [...(first ? [] : (previous ?? [])), notAFlag(flag, v, what)];
    };
  program
    .command('setup')
    .description("fetch and build the lab from Debian's archive (lab/setup.sh)")
    .action(() => {
      code = spawnSync('bash', [join(repoLabDir(), 'setup.sh')], { stdio: 'inherit' }).status ?? 1;
    });
  program
    .command('run')
    .description('run lab paths on real kernels under QEMU and conform the transcripts')
    .option('--kernel <variant...>', 'kernel variants (built by setup)', values('--kernel', 'VARIANT'), [
      '6.1-64k',
      '6.12-64k',
    ])
    .option(
      '--paths <file...>',
      'paths files (JSONL: {"name","events"}), or "generated": the model\'s transition-cover paths fitted to the guest',
      values('--paths'),
      DEFAULT_PATHS,
    )
    .option('--max-paths <n>', 'with --paths generated: how many per kernel (default: 20)', value('--max-paths', 'N'))
    .option('--only <name...>', 'only the paths of these names', values('--only', 'NAME'))
    .option('--out <dir>', 'where transcripts go', value('--out', 'DIR'), join(repoLabDir(), '..', 'test', 'real'))
    .option('--jobs <n>', 'guests at a time', value('--jobs', 'N'), '2')
    .option('--max-minutes <n>', 'stop starting new paths after this long', value('--max-minutes', 'N'), '45')
    .action(async (o: RunFlags) => {
      code = await run(o);
    });
  program
    .command('script')
    .description('run one path of a regression spec script (paths --format sh) on a guest, across its crashes')
    .option('--kernel <variant>', 'kernel variant (built by setup)', '6.12-64k')
    .option('--path <n>', 'the path (default: the first without manual steps that crashes into a capture boot)')
    .option('--script <file>', 'a script (default: the spec generated for the lab guest)')
    .option('--out <file>', 'the log (default test/real/script-pseries-KERNEL-path-N.log)')
    .action(async (o: { kernel: string; path?: string; script?: string; out?: string }) => {
      code = await script(o);
    });
  program
    .command('counterexamples')
    .description(
      "run the check matrix's counterexamples a guest can perform (lab/paths/counterexamples.json) and judge them",
    )
    .option('--write', "fit check's counterexamples (--from) to the lab and write the paths file and the manifest")
    .option(
      '--from <dir>',
      'with --write only: where `npm start` wrote the counterexamples (default: out/counterexamples)',
      value('--from', 'DIR'),
    )
    .option(
      '--out <dir>',
      'without --write: where transcripts go',
      value('--out', 'DIR'),
      join(repoLabDir(), '..', 'test', 'real'),
    )
    .option(
      '--max-minutes <n>',
      'without --write: stop starting new paths after this long',
      value('--max-minutes', 'N'),
      '45',
    )
    .action(async (o: CounterexampleFlags) => {
      code = await counterexamples(o, given);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      process.stderr.write(`lab: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
