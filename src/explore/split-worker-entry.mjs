// Worker threads start without the TypeScript loader the CLI registered: register it, then run
// the split exploration's worker (src/explore/split-worker.ts). A failure to load it is reported
// to the coordinator as the worker's own errors are, at once (it would otherwise wait for the
// worker to answer until it gives up on it).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

try {
  register();
  await import('./split-worker.ts');
} catch (e) {
  workerData.port.postMessage({
    type: 'error',
    message: `loading the worker: ${e instanceof Error ? e.message : String(e)}`,
  });
  const beat = new Int32Array(workerData.beat);
  Atomics.add(beat, workerData.me, 1);
  Atomics.notify(beat, workerData.me);
}
