#!/usr/bin/env node
// Entry point: loads the CLI from its bundle (built when stale; bin/bundle.mjs), or through tsx
// from the TypeScript sources when no bundle can be built, then runs it. Exit 70 when neither
// loads.
import { loadMain } from './bundle.mjs';

try {
  const main = await loadMain();
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`fadump-model: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 70;
}
