// The CLI and its worker threads run from one bundle of the TypeScript sources each
// (src/.bundle/, built with esbuild, packages left as imports): loading a bundle takes a fraction
// of what tsx needs to load the same modules one by one through its loader (README, "Speed").
// The bundle is rebuilt whenever a source it was built from changed (its size or mtime, kept in
// stamp.json); when it cannot be built (a read-only checkout), the CLI says so on stderr and runs
// from the sources through tsx, as before (tsx needs esbuild too: without it, `npm ci`).
//
// The bundles live in src/.bundle/, two folders below the checkout as every source that finds a
// file by `new URL('../..', import.meta.url)` is (src/cli/, src/explore/, ...), so those URLs
// resolve to the same files from the bundle; the worker entries keep their file names, so
// `new URL('./worker-entry.mjs', import.meta.url)` finds the bundled worker beside main.mjs.
// Each bundle has its source map beside it: `node --enable-source-maps bin/fadump-model.mjs ...`
// gives a stack trace in the sources' lines (the CLI prints none of its own: exit 70 says what
// failed).
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
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
/** The folders whose files a bundle is built from (dot folders, the bundle's own, left out). */
const SOURCE_DIRS = ['src', 'machines'];
/** Bumped when what a bundle holds changes other than through its inputs. */
const FORMAT = 2;
/** Each bundle's first line: the build it belongs to, which stamp.json names. */
const bannerOf = (id) => `// fadump-model bundle ${id}`;

/** What a file is, for the stamp: its size in bytes and mtime in ms; undefined when missing. */
function fileMark(path) {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** The first `bytes` bytes of a file as text ('' when it cannot be read). */
function head(path, bytes) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0)).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether the bundles in OUT were built, all three by one build, from the sources as they are
 *  now (stamp.json says: its build id, every input's mark). */
function fresh() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return false;
  }
  const inputs = stamp?.inputs;
  if (stamp?.format !== FORMAT || typeof stamp.id !== 'string' || typeof inputs !== 'object' || inputs === null)
    return false;
  const banner = bannerOf(stamp.id);
  for (const [name, entry] of Object.entries(ENTRIES)) {
    if (!(entry in inputs)) return false;
    if (head(join(OUT, `${name}.mjs`), banner.length + 1) !== `${banner}\n`) return false;
  }
  return Object.entries(inputs).every(([file, mark]) => fileMark(join(ROOT, file)) === mark);
}

/** The marks of every file under SOURCE_DIRS and of ALSO_READ, by path from ROOT. */
function sourceMarks() {
  const marks = {};
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const file = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) walk(file);
      } else marks[file] = fileMark(join(ROOT, file));
    }
  };
  SOURCE_DIRS.forEach(walk);
  for (const file of ALSO_READ) marks[file] = fileMark(join(ROOT, file));
  return marks;
}

/** Whether process `pid` runs (a signal 0 reaches it, or may not be sent to it). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e?.code === 'EPERM';
  }
}

/** Removes the temporary files of builds whose process is gone (killed mid-build). */
function removeAbandoned() {
  let names;
  try {
    names = readdirSync(OUT);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /\.(\d+)\.tmp$/.exec(name);
    if (m !== null && !alive(Number(m[1]))) unlinkSync(join(OUT, name));
  }
}

/**
 * Builds the bundles and writes each file into OUT as a temporary file renamed over the old, the
 * stamp last. The marks are read before esbuild reads the sources, so a source saved meanwhile
 * is rebuilt next time; each bundle's first line names its build, so bundles of two builds at
 * once are never taken for one. esbuild writes nothing itself: the source maps' paths are the
 * ones from OUT. Throws esbuild's error (a syntax error in a source) or the file system's.
 */
async function build() {
  const { build: esbuild } = await import('esbuild');
  const marks = sourceMarks();
  const id = `${process.pid}-${Date.now()}`;
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    banner: { js: bannerOf(id) },
    metafile: true,
    write: false,
    logLevel: 'silent',
    // The worker entries register tsx for the sources; a bundle has no TypeScript left to load.
    plugins: [
      {
        name: 'no-tsx',
        setup(b) {
          b.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: 'tsx', namespace: 'no-tsx' }));
          b.onLoad({ filter: /.*/, namespace: 'no-tsx' }, () => ({ contents: 'export function register() {}' }));
        },
      },
    ],
  });
  const inputs = {};
  const files = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('no-tsx:'));
  for (const file of [...files, ...ALSO_READ]) inputs[file] = marks[file] ?? fileMark(join(ROOT, file)) ?? 'missing';
  mkdirSync(OUT, { recursive: true });
  removeAbandoned();
  const put = (path, contents) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  };
  for (const f of result.outputFiles) put(f.path, f.contents);
  put(STAMP, JSON.stringify({ format: FORMAT, id, inputs }));
}

/** The first line of an error, for the one line the CLI says about it. */
const firstLine = (e) => String(e instanceof Error ? e.message : e).split('\n')[0];

/**
 * The CLI's `main(argv) → Promise<exit code>` (src/cli/main.ts): from the bundle, built first
 * when it is missing or stale; when it cannot be built, from the sources through tsx, after a
 * line on stderr saying why.
 * @throws Error when neither loads (esbuild missing: tsx needs it too).
 */
export async function loadMain() {
  if (!fresh()) {
    try {
      await build();
    } catch (e) {
      process.stderr.write(
        `fadump-model: running the sources through tsx: the bundle (${relative(ROOT, OUT)}) could not be built: ${firstLine(e)}\n`,
      );
      try {
        const { register } = await import('tsx/esm/api');
        register();
        return (await import('../src/cli/main.ts')).main;
      } catch (f) {
        throw new Error(`cannot load the sources through tsx either (run npm ci): ${firstLine(f)}`, { cause: f });
      }
    }
  }
  return (await import(pathToFileURL(join(OUT, 'main.mjs')).href)).main;
}

// `node bin/bundle.mjs` builds the bundles when stale (npm's prepare step runs it after `npm ci`).
if (process.argv[1] === fileURLToPath(import.meta.url) && !fresh()) await build();
