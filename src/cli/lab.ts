// npm run lab -- setup | run: the real-kernel lab (README "Checked against real kernels").
//   setup                 lab/setup.sh: QEMU, busybox and the kernels from Debian's archive
//   run [--kernel V]... [--paths FILE|generated] [--max-paths N] [--out DIR] [--jobs N] [--max-minutes N]
//                         runs every path on every kernel, writes a transcript per pair, conforms
//                         each, prints a summary; a pair with a transcript is skipped (resume)
// Exit: 0 done (divergences are reported, not failures: `conform --known` judges them), 1 a
// guest run ended early, 2 bad input, 130 interrupted.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError } from 'commander';
import { conform, readTranscript, totals, type Conformance } from '../conform/conform';
import { InputError } from '../util/read';
import { buildInitramfs, qemuCommand, repoLabDir } from '../lab/lab';
import {
  execute,
  generatedLabPaths,
  kernelsOf,
  labGuest,
  plan,
  qemuVersionOf,
  readLabPaths,
  type Job,
} from '../lab/runner';
import type { RunResult } from '../lab/run';

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

async function run(opts: {
  kernel: string[];
  paths: string;
  out: string;
  jobs: string;
  maxMinutes: string;
  maxPaths: string;
}): Promise<number> {
  const jobs = Number(opts.jobs);
  const minutes = Number(opts.maxMinutes);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 4) throw new InputError('--jobs: a whole number from 1 to 4');
  if (!(minutes > 0)) throw new InputError('--max-minutes: a positive number');
  if (!Number.isInteger(Number(opts.maxPaths)) || Number(opts.maxPaths) < 1)
    throw new InputError('--max-paths: a whole number from 1');
  const kernels = kernelsOf(opts.kernel);
  const qemu = qemuVersionOf(execFileSync(qemuCommand(), ['--version'], { encoding: 'utf8' }));
  // --paths generated: the model's transition-cover paths for each kernel's guest, fitted to it.
  const pathsFor = (k: (typeof kernels)[number]) =>
    opts.paths === 'generated' ? generatedLabPaths(labGuest(k, qemu), Number(opts.maxPaths)) : readLabPaths(opts.paths);
  const pathsOf = kernels.map((k) => ({ kernel: k, paths: pathsFor(k) }));
  const perKernel = pathsOf.map(({ kernel, paths }) => plan([kernel], paths, opts.out));
  const todo = perKernel.flatMap((p) => p.jobs);
  const done = perKernel.flatMap((p) => p.done);

  process.stderr.write(
    `lab: ${kernels.length} kernels, ${todo.length + done.length} paths in all; ${done.length} already recorded (skipped), ${todo.length} to run, ${jobs} guests at a time, QEMU ${qemu}\n`,
  );
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
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
  await execute(todo, {
    jobs,
    initramfs: buildInitramfs(),
    qemuVersion: qemu,
    deadline: Date.now() + minutes * 60_000,
    signal: ac.signal,
    onDone: (job: Job, r: RunResult) => {
      if (r.end.end !== 'completed') ended.push(`${job.file}: ${r.end.end}: ${r.end.reason}`);
      bar?.increment(1, { last: `${job.kernel.name} ${job.path.name}: ${r.end.end}` });
      if (bar === null)
        process.stderr.write(`lab: ${job.kernel.name} ${job.path.name}: ${r.end.end} (${r.steps.length - 1} steps)\n`);
    },
  });
  bar?.stop();
  process.off('SIGINT', onInt);
  const all = pathsOf
    .flatMap(({ kernel, paths }) => plan([kernel], paths, opts.out).done)
    .map((j) => conform(readTranscript(j.file)));
  process.stdout.write(`${summary(all)}\n`);
  for (const e of ended) process.stderr.write(`lab: ended early: ${e}\n`);
  if (ac.signal.aborted) return 130;
  return ended.length ? 1 : 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('lab').exitOverride().showHelpAfterError();
  let code = 0;
  program
    .command('setup')
    .description("fetch and build the lab from Debian's archive (lab/setup.sh)")
    .action(() => {
      code = spawnSync('bash', [join(repoLabDir(), 'setup.sh')], { stdio: 'inherit' }).status ?? 1;
    });
  program
    .command('run')
    .description('run lab paths on real kernels under QEMU and conform the transcripts')
    .option('--kernel <variant...>', 'kernel variants (built by setup)', ['6.1-64k', '6.12-64k'])
    .option(
      '--paths <file>',
      'paths file (JSONL: {"name","events"}), or "generated": the model\'s transition-cover paths fitted to the guest',
      join(repoLabDir(), 'paths', 'default.jsonl'),
    )
    .option('--max-paths <n>', 'with --paths generated: how many per kernel', '20')
    .option('--out <dir>', 'where transcripts go', join(repoLabDir(), '..', 'test', 'real'))
    .option('--jobs <n>', 'guests at a time', '2')
    .option('--max-minutes <n>', 'stop starting new paths after this long', '45')
    .action(
      async (o: {
        kernel: string[];
        paths: string;
        out: string;
        jobs: string;
        maxMinutes: string;
        maxPaths: string;
      }) => {
        code = await run(o);
      },
    );
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
