// fadump-model's command line. Every command validates its input at the boundary and answers bad
// input with exit code 2 and a message naming the file, line and field, never a stack trace.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ExplorationError } from '../explore/check';
import { InputError } from '../util/read';
import { checkCommand, checkOutDir, DEFAULT_MAX_STATES, type CheckFlags } from './check';
import { compareCommand, type CompareFlags } from './compare';
import { conformCommand, type ConformFlags } from './conform';
import { diagramsCommand } from './diagrams';
import { UsageError, notAFlag, type Io } from './io';
import { pathsCommand, type PathsFlags } from './paths';
import { replayCommand, replayExamples } from './replay';
import { reportCommand, type ReportFlags } from './report';

export { UsageError, type Io };

/** The reader of our output went away (`replay log | head`): stop, quietly, like any Unix tool. */
class OutputClosed extends Error {}

const stdio: Io = {
  out: (t) => {
    // The EPIPE of an earlier write (process.stdout is never destroyed: it reports every
    // failed write as an 'error' event instead).
    if (stdoutClosed || process.stdout.destroyed) throw new OutputClosed();
    process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
  },
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  ready: () => {
    const out = process.stdout;
    if (!out.writableNeedDrain || out.destroyed) return null;
    return new Promise<void>((resolve) => {
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        out.off('error', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
      out.on('error', done);
    });
  },
};

let stdoutClosed = false;
let pipeGuarded = false;
function guardPipes(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      if (stream === process.stdout) stdoutClosed = true;
    });
  }
}

/** Whether the reader of stdout went away during the command. A failed write's EPIPE comes as an
 *  'error' event after the write returned: a command whose last (or only) write failed would
 *  otherwise exit 0 (`check --shard 1/2 | true`). Waits a turn of the event loop, and for stdout
 *  to drain when it holds data. */
async function outputLost(): Promise<boolean> {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  await turn();
  await stdio.ready?.();
  await turn();
  return stdoutClosed;
}

/** What a flag's value is, for the message when that value looks like a flag (FILE otherwise). */
const VALUE_NAMES: Record<string, string> = {
  '--out': 'DIR',
  '--dir': 'DIR',
  '--max-states': 'N',
  '--max-memory': 'SIZE',
  '--workers': 'N',
  '--split': 'N',
  '--shard': 'I/N',
  '--format': 'FORMAT',
};

/** Commander's collector for a flag that may be given more than once (--config A --config B). */
const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  notAFlag('--config', value),
];

/**
 * Runs the CLI with these arguments (without `node` and the script).
 * @returns the exit code: 0 success, 1 a check failed (a verdict differs, a divergence), 2 bad
 *   input or flags (a message, never a stack trace), 70 an internal error, 130 interrupted, 141
 *   the output pipe closed.
 */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  if (io === stdio) guardPipes();
  let code = 0;
  // Commander's parser for a flag that may be given once: a second one is refused (exit 2) rather
  // than silently replacing the first. (The flags seen in this invocation: commander hands a
  // flag's default as its previous value, so the previous value cannot tell.)
  const seen = new Set<string>();
  const once =
    (flag: string, why = 'give it once') =>
    (value: string): string => {
      if (seen.has(flag)) throw new InvalidArgumentError(`${flag} given twice: ${why}`);
      seen.add(flag);
      return notAFlag(flag, value, VALUE_NAMES[flag] ?? 'FILE');
    };
  const program = new Command('fadump-model')
    .description('An executable, event-sourced specification of Linux firmware-assisted dump on POWER')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program
    .command('replay')
    .description('replay an event log step by step: states, files, /proc/vmcore, dump outcome')
    .argument('<log>', 'event log (JSONL: a config header, then one event per line)')
    .option('--json', 'print {"steps": [...], "final": {...}}')
    .action(async (file: string, opts: { json?: boolean }) => {
      code = await replayCommand(file, opts, io);
    });
  program
    .command('check')
    .description('explore every reachable state of each configuration and check every property')
    .option(
      '--config <file>',
      'a JSON file with one configuration or an array of them; give it again for more files (default: the built-in matrix)',
      collect,
    )
    .option('--property <id...>', 'check only these properties (ids, or their columns P1, P2, ...)')
    .option(
      '--json',
      'print {"results": [...], "runs": [...], "mismatches": [...], ...} (with --coverage, "coverage" too)',
    )
    .option('--out <dir>', 'write counterexamples as .jsonl logs here', once('--out'), 'out/counterexamples')
    .option(
      '--max-states <n>',
      `stop each exploration once this many states are found, after the state it is visiting (its new successors count too; verdict: incomplete; default: ${DEFAULT_MAX_STATES.toLocaleString('en-US')})`,
      once('--max-states'),
    )
    .option(
      '--max-memory <size>',
      'stop an exploration when its memory passes this size, e.g. 2G (per worker of --workers, shared out among the threads of a --split exploration; default: half the heap limit)',
      once('--max-memory'),
    )
    .option('--workers <n>', 'worker threads (default: one per core)', once('--workers'))
    .option(
      '--split <n>',
      'worker threads for each exploration: one large configuration over several cores (default 1: one thread each, faster for a matrix of many configurations; --coverage explores on one thread)',
      once('--split'),
    )
    .option(
      '--expect <file>',
      'compare the verdicts with this file (the shape of src/specs/expected.json) instead of src/specs/expected.json',
      once('--expect', 'give one file'),
    )
    .option(
      '--record <file>',
      "write the verdicts into this file as the expected ones (created, or these configurations' entries replaced); the project's only when named: --record src/specs/expected.json",
      once('--record', 'give one file'),
    )
    .option(
      '--partial',
      'with --record: merge a --property subset into the file, or record the "incomplete" verdicts of an exploration stopped part-way',
    )
    .option('--coverage', 'print, per actor, the states and transitions never reached (with --json, as "coverage")')
    .option(
      '--hash-compact',
      'keep a 64-bit fingerprint of each state instead of the state (about 16 bytes a state with the parent links, for spaces of 100M+ states); prints the probability that a state was missed',
    )
    .option(
      '--shard <I/N>',
      'explore only shard I of N of the matrix (configuration k, from 0, when k mod N = I-1) and print its JSON for --merge on stdout, judging nothing',
      once('--shard'),
    )
    .option(
      '--merge <files...>',
      'explore nothing: print the matrix of these --shard outputs (every shard of one matrix, once) as an unsharded check prints it, with its exit code',
    )
    .action(async (opts: CheckFlags, cmd: Command) => {
      code = await checkCommand({ ...opts, outGiven: cmd.getOptionValueSource('out') === 'cli' }, io);
    });
  program
    .command('paths')
    .description(
      'write the generated regression suite: one event log per path, or the regression spec: a shell script per configuration, or Markdown',
    )
    .option(
      '--config <file>',
      'a JSON file with one configuration or an array of them (default: the built-in matrix)',
      once('--config', 'paths takes one file (put the configurations in one array)'),
    )
    .option(
      '--format <format>',
      'jsonl (replayable logs), sh (a script QA runs on the LPAR) or md (the same steps to read)',
      once('--format'),
      'jsonl',
    )
    .option('--out <dir>', 'output folder', once('--out'), 'out/paths')
    .action((opts: PathsFlags) => {
      checkOutDir(opts.out);
      code = pathsCommand(opts, io);
    });
  program
    .command('diagrams')
    .description('generate the statecharts (Mermaid and SVG) from the machine definitions')
    .option('--out <dir>', 'output folder', once('--out'), 'diagrams')
    .action(async (opts: { out: string }) => {
      checkOutDir(opts.out);
      code = await diagramsCommand(opts.out, io.out);
    });
  program
    .command('report')
    .description(
      'a self-contained HTML report: property matrix, counterexamples as sequence diagrams with step-through, statecharts, coverage',
    )
    .option('--out <dir>', 'output folder (created when missing)', once('--out'), 'out/report')
    .option(
      '--config <file>',
      'a JSON file with one configuration or an array of them; give it again for more files (default: the built-in matrix)',
      collect,
    )
    .option('--workers <n>', 'worker threads (default: one per core)', once('--workers'))
    .action(async (opts: ReportFlags) => {
      code = await reportCommand(opts, io);
    });
  program
    .command('compare')
    .description(
      'the talk\'s table "How fadump fares now", computed: fadump, kdump and hypervisor-assisted dump side by side',
    )
    .option('--json', 'print the table as JSON')
    .option('--out <dir>', 'write the event logs of the cells here', once('--out'), 'out/compare')
    .action(async (opts: CompareFlags) => {
      code = await compareCommand(opts, io);
    });
  program
    .command('conform')
    .description('replay real-kernel transcripts (npm run lab) through the model and compare every step')
    .argument('<transcript...>', 'transcripts (JSONL, test/real/)')
    .option(
      '--known <file>',
      'known divergences (JSON): exit 1 only on unlisted ones or listed ones that no longer happen',
      once('--known'),
    )
    .option('--json', 'print {"results": [...]}')
    .action((files: string[], opts: ConformFlags) => {
      code = conformCommand(files, opts, io);
    });
  program
    .command('replay-examples')
    .description('replay every log in examples/ (not its subfolders: --dir examples/qa for the QA suites)')
    .option('--dir <dir>', 'folder of .jsonl logs', once('--dir'), 'examples')
    .action(async (opts: { dir: string }) => {
      code = await replayExamples(opts.dir, io);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (io === stdio && (await outputLost())) return 141;
    return code;
  } catch (e) {
    // 128 + SIGPIPE, as a tool killed by the closed pipe would exit.
    if (e instanceof OutputClosed) return 141;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      io.err(e.message);
      return 2;
    }
    if (e instanceof ExplorationError) {
      io.err(`fadump-model: internal error ${e.message}`);
      return 70;
    }
    io.err(`fadump-model: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 70;
  }
}
