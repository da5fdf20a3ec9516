// fadump-model's command line. Every command validates its input at the boundary and answers bad
// input with exit code 2 and a message naming the file, line and field, never a stack trace.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { LogError, parseLog } from './log/parse';
import { replay } from './log/replay';
import { formatReplay, replayJson } from './log/format';
import { checkCommand, type CheckFlags } from './explore/check-command';
import { diagramsCommand } from './diagrams/generate';

/** Bad input from the user: exit 2 with this message. */
export class UsageError extends Error {}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read (${code ?? (e instanceof Error ? e.message : String(e))})`);
  }
}

function replayCommand(file: string, opts: { json?: boolean }, io: Io): number {
  const log = parseLog(readText(file), file);
  const r = replay(log.config, log.entries);
  io.out(opts.json ? JSON.stringify(replayJson(r), null, 2) : `${file} (${log.config.name})\n${formatReplay(r)}`);
  return 0;
}

function replayExamples(dir: string, io: Io): number {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  for (const f of files) replayCommand(join(dir, f), {}, io);
  return 0;
}

export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let code = 0;
  const program = new Command('fadump-model')
    .description('An executable, event-sourced specification of Linux firmware-assisted dump on POWER')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program
    .command('replay')
    .description('replay an event log step by step: states, files, /proc/vmcore, dump outcome')
    .argument('<log>', 'event log (JSONL: a config header, then one event per line)')
    .option('--json', 'print {"steps": [...], "final": {...}}')
    .action((file: string, opts: { json?: boolean }) => {
      code = replayCommand(file, opts, io);
    });
  program
    .command('check')
    .description('explore every reachable state of each configuration and check every property')
    .option('--config <file>', 'a JSON file with one configuration or an array of them (default: the built-in matrix)')
    .option('--property <id...>', 'check only these properties')
    .option('--json', 'print {"results": [...]}')
    .option('--out <dir>', 'write counterexamples as .jsonl logs here', 'out/counterexamples')
    .option('--max-states <n>', 'stop each exploration after this many states (verdict: incomplete)')
    .option('--max-memory <size>', 'stop an exploration when its memory passes this size, e.g. 2G')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--record', 'record the verdicts as the expected ones (src/specs/expected.json)')
    .action(async (opts: CheckFlags) => {
      code = await checkCommand(opts, io);
    });
  program
    .command('diagrams')
    .description('generate the statecharts (Mermaid and SVG) from the machine definitions')
    .option('--out <dir>', 'output folder', 'diagrams')
    .action(async (opts: { out: string }) => {
      code = await diagramsCommand(opts.out, io.out);
    });
  program
    .command('replay-examples')
    .description('replay every log in examples/')
    .option('--dir <dir>', 'folder of .jsonl logs', 'examples')
    .action((opts: { dir: string }) => {
      code = replayExamples(opts.dir, io);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof LogError || e instanceof UsageError) {
      io.err(e.message);
      return 2;
    }
    io.err(`fadump-model: internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 70;
  }
}
