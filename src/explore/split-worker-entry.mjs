// Worker threads start without the TypeScript loader the CLI registered: register it, then run
// the split exploration's worker (src/explore/split-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./split-worker.ts');
