// A worker thread of `npm run bench` part 4's ceiling (scripts/bench.ts concurrencyCeiling): explores
// each configuration it is sent (no property checked, a new engine each time, as part 2 does) and
// replies with the exploration's wall time in seconds and its states.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { config } = await import('../src/config.ts');
const { explore } = await import('../src/explore/explore.ts');
parentPort?.on('message', (input) => {
  const r = explore(config(input), { properties: [] });
  parentPort?.postMessage({ seconds: r.seconds, states: r.states });
});
