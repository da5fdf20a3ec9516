// The CLI and its worker threads run from one bundle of the TypeScript sources each
// (src/.bundle/, built with esbuild, packages left as imports): loading a bundle takes a fraction
// of what tsx needs to load the same modules one by one through its loader (README, "Speed").
// The bundle is rebuilt whenever a source it was built from changed (its size or mtime, kept in
// stamp.json); when it cannot be built (a read-only checkout, no esbuild), the CLI runs from the
// sources through tsx, as before.
//
// The bundles live in src/.bundle/, two folders below the checkout as every source that finds a
// file by `new URL('../..', import.meta.url)` is (src/cli/, src/explore/, ...), so those URLs
// resolve to the same files from the bundle; the worker entries keep their file names, so
// `new URL('./worker-entry.mjs', import.meta.url)` finds the bundled worker beside main.mjs.
// Each bundle has its source map beside it: `node --enable-source-maps bin/fadump-model.mjs ...`
// gives a stack trace in the sources' lines (the CLI prints none of its own: exit 70 says what
// failed).
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'src', '.bundle');
const STAMP = join(OUT, 'stamp.json');
/** Bundle file name → its entry point; the worker entries' names are the ones the sources load. */
const ENTRIES = {
  main: 'src/cli/main.ts',
  'worker-entry': 'src/explore/worker-entry.mjs',
  'split-worker-entry': 'src/explore/split-worker-entry.mjs',
};
/** Files a bundle depends on that esbuild does not list among its inputs. */
const ALSO_READ = ['tsconfig.json', 'bin/bundle.mjs'];
/** Bumped when what a bundle holds changes other than through its inputs. */
const FORMAT = 1;

/** What a file is, for the stamp: its size in bytes and mtime in ms; undefined when missing. */
function fileMark(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Whether the bundles in OUT were built from the sources as they are now (stamp.json says). */
function fresh() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  if (stamp?.format !== FORMAT || typeof stamp.inputs !== 'object') return false;
  for (const name of Object.keys(ENTRIES)) if (fileMark(join(OUT, `${name}.mjs`)) === undefined) return false;
  return Object.entries(stamp.inputs).every(([file, mark]) => fileMark(join(ROOT, file)) === mark);
}

/**
 * Builds the bundles into a new folder and moves its files into OUT, the stamp last, so that a
 * process running the CLI at the same time reads either the old bundles or the new. The marks are
 * read before esbuild reads the files: a source changed meanwhile is rebuilt next time.
 */
async function build() {
  const { build: esbuild } = await import('esbuild');
  const tmp = join(OUT, `.build-${process.pid}-${Date.now()}`);
  try {
    const result = await esbuild({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      // The worker entries register tsx for the sources; a bundle has no TypeScript left to load.
      plugins: [
        {
          name: 'no-tsx',
          setup(b) {
            b.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: 'tsx', namespace: 'no-tsx' }));
            b.onLoad({ filter: /.*/, namespace: 'no-tsx' }, () => ({
              contents: 'export function register() {}',
            }));
          },
        },
      ],
    });
    const inputs = {};
    const files = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('no-tsx:'));
    for (const file of [...files, ...ALSO_READ]) {
      const mark = fileMark(join(ROOT, file));
      if (mark !== undefined) inputs[file] = mark;
    }
    for (const name of Object.keys(ENTRIES))
      for (const file of [`${name}.mjs`, `${name}.mjs.map`]) renameSync(join(tmp, file), join(OUT, file));
    writeFileSync(join(tmp, 'stamp.json'), JSON.stringify({ format: FORMAT, inputs }));
    renameSync(join(tmp, 'stamp.json'), STAMP);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The CLI's `main(argv) → Promise<exit code>` (src/cli/main.ts): from the bundle, built first
 * when it is missing or stale; from the sources through tsx when it cannot be built.
 */
export async function loadMain() {
  if (!fresh()) {
    try {
      await build();
    } catch {
      const { register } = await import('tsx/esm/api');
      register();
      return (await import('../src/cli/main.ts')).main;
    }
  }
  return (await import(pathToFileURL(join(OUT, 'main.mjs')).href)).main;
}

// `node bin/bundle.mjs` builds the bundles when stale (npm's prepare step runs it after `npm ci`).
if (process.argv[1] === fileURLToPath(import.meta.url) && !fresh()) await build();
