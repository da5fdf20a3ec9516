// A worker thread of `check`: explores the configurations it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { runConfig, type RunOptions } from './check';
import type { ConfigInput } from '../config';

parentPort?.on('message', (m: { input: ConfigInput; opts: RunOptions }) => {
  try {
    parentPort?.postMessage({ ok: true, run: runConfig(m.input, m.opts) });
  } catch (e) {
    parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
