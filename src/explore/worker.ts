// A worker thread of `check`: explores the configurations it is sent, one at a time. The parent
// shares two words with it: a stop flag (non-zero: stop the exploration under way, Ctrl-C) and
// the number of states explored so far (what is left to report if the thread dies).
import { parentPort, workerData } from 'node:worker_threads';
import { runConfig, type RunOptions } from './check';
import type { ConfigInput } from '../config';

interface Shared {
  stop?: SharedArrayBuffer;
  progress?: SharedArrayBuffer;
}

const shared = (workerData ?? {}) as Shared;
const stop = shared.stop ? new Int32Array(shared.stop) : null;
const progress = shared.progress ? new Int32Array(shared.progress) : null;
const shouldStop = stop === null ? undefined : () => Atomics.load(stop, 0) !== 0;
const onProgress = progress === null ? undefined : (states: number) => void Atomics.store(progress, 0, states);

parentPort?.on('message', (m: { input: ConfigInput; opts: RunOptions }) => {
  try {
    parentPort?.postMessage({ ok: true, run: runConfig(m.input, m.opts, shouldStop, onProgress) });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
