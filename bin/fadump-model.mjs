#!/usr/bin/env node
// Entry point: loads the CLI from its bundle (built when stale; bin/bundle.mjs), or through tsx
// from the TypeScript sources when no bundle can be built, then runs it.
import { loadMain } from './bundle.mjs';
const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
