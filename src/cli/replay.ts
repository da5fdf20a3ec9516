// `fadump-model replay LOG [--json]` and `replay-examples [--dir DIR]`: an event log replayed
// step by step, printed as the fold goes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSystem } from '../../machines/system';
import { TextFormatter, replayJsonChunks } from '../log/format';
import { readLogFile } from '../log/read';
import { initialView, replaySteps } from '../log/replay';
import { UsageError, type Io } from './io';
import { describeEvent } from '../events';
import { graphViolations } from '../explain/graph';

export async function replayCommand(file: string, opts: { json?: boolean }, io: Io): Promise<number> {
  const log = readLogFile(file);
  // Printed step by step as the fold goes: nothing but the current state is held, and a slow
  // reader holds the fold back rather than letting the output pile up in memory.
  const system = createSystem(log.config);
  const start = system.initial();
  const initial = initialView(log.config, start);
  // The state the log ends in and its last event, for the graph properties (src/explain/graph.ts).
  let end = start;
  let last: { line: number; label: string } | null = null;
  const steps = (function* () {
    for (const r of replaySteps(log.config, log.entries, system, start)) {
      end = r.state;
      last = { line: r.step.line, label: describeEvent(r.step.event) };
      yield r.step;
    }
  })();
  const atEnd = () => graphViolations(log.config, system, end, last);
  const write = async (text: string) => {
    io.out(text);
    const wait = io.ready?.();
    if (wait) await wait;
  };
  if (opts.json) {
    for (const chunk of replayJsonChunks(initial, steps, atEnd)) await write(chunk);
    return 0;
  }
  await write(`${file} (${log.config.name})`);
  const text = new TextFormatter(log.config);
  let wroteStep = false;
  for (const s of steps) {
    await write(text.step(s));
    wroteStep = true;
  }
  if (!wroteStep) await write(text.noSteps(initial));
  const graph = text.end(atEnd());
  if (graph !== null) await write(graph);
  return 0;
}

export async function replayExamples(dir: string, io: Io): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new UsageError(`--dir: cannot read the folder '${dir}' (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const files = names.filter((f) => f.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new UsageError(`--dir: no .jsonl logs in '${dir}'`);
  for (const f of files) await replayCommand(join(dir, f), {}, io);
  return 0;
}
