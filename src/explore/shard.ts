// `check --shard I/N` and `check --merge FILES...` (issue 17 part 5): a configuration matrix spread
// over machines. A shard explores a deterministic slice of the matrix (configuration k, counted
// from 0 in the matrix's order, belongs to shard (k mod N) + 1: no timing, no worker count) and
// prints a shard document; the merge reads every shard's document, checks that they are the N
// shards of one matrix made by this version of the model, and hands the runs back in the matrix's
// order, so that `check` prints them exactly as an unsharded run would.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ACTORS } from '../../machines/system';
import { fullConfig, parseConfig, type ConfigInput } from '../config';
import { ExternalEventSchema } from '../events';
import { PROPERTIES } from '../specs/properties';
import { canonicalJson } from '../util/canonical';
import type { JsonPath } from '../util/json';
import { readJsonFile } from '../util/json-file';
import { InputError } from '../util/read';
import { plural } from './format';
import type { ConfigRun } from './check';

/** The `format` field of every shard document. */
export const SHARD_FORMAT = 'fadump-model check shard';
/** The document's layout version: a merge refuses another one. */
export const SHARD_FORMAT_VERSION = 1;
/** The most shards a matrix is split into (as many as a --config file may hold configurations). */
export const MAX_SHARDS = 10_000;
/** The largest shard file read by --merge (the whole default matrix's runs are well under 2 MiB). */
export const MAX_SHARD_FILE_BYTES = 256 * 1024 * 1024;

/** `--shard I/N`: this is shard `index` (1-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * Parses `--shard I/N` (whole numbers, 1 ≤ I ≤ N ≤ MAX_SHARDS).
 * @throws InputError (exit 2) naming the flag and what was wrong: `--shard: 3/2: I must be at most N`.
 */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const usage = `expected I/N, shard I of N with 1 ≤ I ≤ N ≤ ${MAX_SHARDS} (e.g. 2/4)`;
  if (m === null) throw new InputError(`--shard: ${usage}, got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS)
    throw new InputError(`--shard: '${text}': N must be from 1 to ${MAX_SHARDS}; ${usage}`);
  if (index < 1) throw new InputError(`--shard: '${text}': shards are counted from 1; ${usage}`);
  if (index > count) throw new InputError(`--shard: '${text}': there is no shard ${index} of ${count}; ${usage}`);
  return { index, count };
}

/** The matrix indices (0-based) shard `spec` explores, of a matrix of `size` configurations:
 *  k with k mod N = I - 1, in order. Shards past the matrix's size are empty. */
export function shardSlice(size: number, spec: ShardSpec): number[] {
  const out: number[] = [];
  for (let k = spec.index - 1; k < size; k += spec.count) out.push(k);
  return out;
}

let fingerprint: string | null = null;

/** A SHA-256 (hex) of the model's sources (every .ts and .mjs file under src/ and machines/, dot
 *  folders such as the CLI's bundle left out, by path, line endings normalised): two shards merge
 *  only when one version of the model made them. Computed once a process (about 1.7 MB read). */
export function modelFingerprint(): string {
  if (fingerprint !== null) return fingerprint;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      // A dot folder is no source: src/.bundle/ is built from them (bin/bundle.mjs).
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) walk(p);
      } else if (/\.(ts|mjs)$/.test(e.name)) files.push(p);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'machines'));
  const hash = createHash('sha256');
  for (const f of files.map((p) => relative(root, p).split('\\').join('/')).sort()) {
    hash.update(`${f}\u0000`);
    hash.update(readFileSync(join(root, f), 'utf8').replace(/\r\n/g, '\n'));
    hash.update('\u0000');
  }
  fingerprint = hash.digest('hex');
  return fingerprint;
}

/** What makes a matrix the same matrix: the model's version, where the configurations came from,
 *  every configuration (display name and canonical key, in order), the properties checked (null:
 *  all), the --max-states and whether coverage was collected. */
export interface MatrixIdentity {
  model: string;
  source: 'default' | 'config';
  properties: string[] | null;
  maxStates: number;
  coverage: boolean;
}

/** The matrix's id: a SHA-256 (hex) of its identity and its configurations. */
export function matrixId(identity: MatrixIdentity, inputs: readonly ConfigInput[]): string {
  const configurations = inputs.map((input) => {
    const p = parseConfig(input);
    return p.ok ? [p.config.name, p.config.key] : [JSON.stringify(input), ''];
  });
  return createHash('sha256')
    .update(canonicalJson({ formatVersion: SHARD_FORMAT_VERSION, ...identity, configurations }))
    .digest('hex');
}

const EventsSchema = z.array(ExternalEventSchema);
const NamesSchema = z.array(z.string());
const PROPERTY_IDS = PROPERTIES.map((p) => p.id) as [string, ...string[]];

type CarriedResult = Pick<
  ConfigRun['results'][number],
  'property' | 'verdict' | 'states' | 'counterexample' | 'note' | 'figure' | 'figureAt'
>;

/** A property's verdict as a shard carries it and a merge gives it back (its figure only where
 *  the run has one). */
function resultOf(x: CarriedResult): CarriedResult {
  return {
    property: x.property,
    verdict: x.verdict,
    states: x.states,
    counterexample: x.counterexample,
    note: x.note,
    ...(x.figure === undefined ? {} : { figure: x.figure }),
    ...(x.figureAt === undefined ? {} : { figureAt: x.figureAt }),
  };
}

const ResultSchema = z
  .object({
    property: z.enum(PROPERTY_IDS),
    verdict: z.enum(['holds', 'violated', 'incomplete', 'n/a']),
    states: z.number().int().min(0),
    counterexample: EventsSchema.nullable(),
    note: z.string().nullable(),
    figure: z.number().optional(),
    figureAt: EventsSchema.optional(),
  })
  .strict();

const CoverageSchema = z
  .object({
    actor: z.enum(ACTORS),
    states: z.object({ reached: NamesSchema, never: NamesSchema }).strict(),
    transitions: z.object({ reached: NamesSchema, never: NamesSchema }).strict(),
  })
  .strict();

const ShardRunSchema = z
  .object({
    /** The configuration's place in the matrix, from 0. */
    index: z.number().int().min(0),
    /** The configuration as given (a --config file's object, or the default matrix's). */
    input: z.record(z.string(), z.unknown()),
    states: z.number().int().min(0),
    edges: z.number().int().min(0),
    seconds: z.number().min(0),
    complete: z.boolean(),
    stopReason: z.string(),
    results: z.array(ResultSchema),
    coverage: z.array(CoverageSchema).nullable(),
  })
  .strict();

/** A shard document, as `check --shard I/N` prints it and `check --merge` reads it. */
export const ShardDocumentSchema = z
  .object({
    format: z.literal(SHARD_FORMAT),
    formatVersion: z.literal(SHARD_FORMAT_VERSION),
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1).max(MAX_SHARDS) }).strict(),
    matrix: z
      .object({
        id: z.string().regex(/^[0-9a-f]{64}$/),
        model: z.string().regex(/^[0-9a-f]{64}$/),
        source: z.enum(['default', 'config']),
        configurations: z.number().int().min(1),
        properties: z.array(z.enum(PROPERTY_IDS)).nullable(),
        maxStates: z.number().int().min(1),
        coverage: z.boolean(),
      })
      .strict(),
    runs: z.array(ShardRunSchema),
  })
  .strict();
export type ShardDocument = z.infer<typeof ShardDocumentSchema>;

/**
 * The document shard `spec` prints: its runs (the configurations of its slice, `runs[j]` the one
 * at matrix index `slice[j]`) with the matrix's identity.
 * @param inputs every configuration of the matrix, in order (the shard explored only its slice).
 */
export function shardDocument(
  spec: ShardSpec,
  identity: MatrixIdentity,
  inputs: readonly ConfigInput[],
  slice: readonly number[],
  runs: readonly ConfigRun[],
): ShardDocument {
  return {
    format: SHARD_FORMAT,
    formatVersion: SHARD_FORMAT_VERSION,
    shard: { index: spec.index, count: spec.count },
    matrix: {
      id: matrixId(identity, inputs),
      model: identity.model,
      source: identity.source,
      configurations: inputs.length,
      properties: identity.properties,
      maxStates: identity.maxStates,
      coverage: identity.coverage,
    },
    runs: runs.map((r, j) => ({
      index: slice[j] ?? -1,
      input: r.input as Record<string, unknown>,
      states: r.states,
      edges: r.edges,
      seconds: Number(r.seconds.toFixed(3)),
      complete: r.complete,
      stopReason: r.stopReason,
      results: r.results.map(resultOf),
      coverage: r.coverage,
    })),
  };
}

/** The merged matrix: every run in the matrix's order, and how the shards were run. */
export interface MergedMatrix {
  runs: ConfigRun[];
  source: 'default' | 'config';
  properties: string[] | null;
  maxStates: number;
  coverage: boolean;
}

/** `["a"][0]` style display of a path into a shard document. */
function fieldOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  const [head, ...rest] = path;
  return `${String(head)}${rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
}

interface ReadShard {
  file: string;
  doc: ShardDocument;
  at: (path: JsonPath) => string;
}

const SHAPE = `a shard document of "check --shard I/N" ({"format": "${SHARD_FORMAT}", "formatVersion": ${SHARD_FORMAT_VERSION}, "shard", "matrix", "runs"})`;

function readShard(file: string): ReadShard {
  const { value, locate } = readJsonFile(file, {
    maxBytes: MAX_SHARD_FILE_BYTES,
    what: 'a shard file',
    why: 'the limit of --merge',
  });
  const at = (path: JsonPath) => `${file}:${locate(path).line}:`;
  const r = ShardDocumentSchema.safeParse(value);
  if (!r.success) {
    const shown = 12;
    const problems = r.error.issues.slice(0, shown).map((i) => {
      const keys = (i.code === 'unrecognized_keys' ? [...i.path, ...i.keys.slice(0, 1)] : i.path).filter(
        (k): k is string | number => typeof k !== 'symbol',
      );
      return `${at(keys)} field '${fieldOf(keys)}': ${i.message}`;
    });
    const more = r.error.issues.length - shown;
    if (more > 0) problems.push(`(and ${plural(more, 'more problem')})`);
    throw new InputError(`${file}: not ${SHAPE}:\n${problems.join('\n')}`);
  }
  return { file, doc: r.data, at };
}

/**
 * Reads the shard files given to `check --merge` and puts the matrix back together.
 * Checks, in this order: each file is a valid shard document (the JSON, then every field); all
 * were made by this version of the model; all are shards of one matrix (its id, and the same N);
 * no shard is given twice and none is missing; each holds exactly its slice; the configurations
 * of the runs are the matrix's (its id recomputed from them).
 * @param files the shard files, in any order.
 * @returns the runs in the matrix's order, as runMatrix() would have returned them.
 * @throws InputError (exit 2) naming the file, the line and the field of the first problem found
 *   (every file's own problems are listed).
 */
export function mergeShards(files: readonly string[]): MergedMatrix {
  if (files.length === 0) throw new InputError('--merge: give the shard files (the output of check --shard I/N)');
  const problems: string[] = [];
  const shards: ReadShard[] = [];
  for (const f of files) {
    try {
      shards.push(readShard(f));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new InputError(problems.join('\n'));
  const model = modelFingerprint();
  for (const s of shards)
    if (s.doc.matrix.model !== model)
      problems.push(
        `${s.at(['matrix', 'model'])} field 'matrix.model': made by another version of the model (${s.doc.matrix.model.slice(0, 12)}…, this one is ${model.slice(0, 12)}…): run every shard and the merge from one checkout`,
      );
  if (problems.length) throw new InputError(problems.join('\n'));
  const [first, ...others] = shards;
  if (first === undefined) throw new InputError('--merge: give the shard files (the output of check --shard I/N)');
  const N = first.doc.shard.count;
  for (const s of others) {
    if (s.doc.matrix.id !== first.doc.matrix.id)
      problems.push(
        `${s.at(['matrix', 'id'])} field 'matrix.id': ${s.doc.matrix.id.slice(0, 12)}…, but ${first.file}'s is ${first.doc.matrix.id.slice(0, 12)}…: shards of different matrices (configurations, --property, --max-states or --coverage) cannot be merged`,
      );
    else if (s.doc.shard.count !== N)
      problems.push(
        `${s.at(['shard', 'count'])} field 'shard.count': shard ${s.doc.shard.index}/${s.doc.shard.count}, but ${first.file} is one of ${N} shards: merge the shards of one split`,
      );
  }
  if (problems.length) throw new InputError(problems.join('\n'));
  const byIndex = new Map<number, ReadShard>();
  for (const s of shards) {
    const { index } = s.doc.shard;
    if (index > N)
      problems.push(`${s.at(['shard', 'index'])} field 'shard.index': ${index}, but there are ${N} shards`);
    const seen = byIndex.get(index);
    if (seen !== undefined && seen.file === s.file)
      problems.push(`--merge: ${s.file} given twice: give each shard once`);
    else if (seen !== undefined)
      problems.push(
        `${s.at(['shard', 'index'])} field 'shard.index': shard ${index}/${N} again (${seen.file} is shard ${index}/${N} too): give each shard once`,
      );
    else byIndex.set(index, s);
  }
  if (problems.length) throw new InputError(problems.join('\n'));
  const missing = Array.from({ length: N }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new InputError(
      `--merge: missing ${missing.length === 1 ? 'shard' : 'shards'} ${missing.map((i) => `${i}/${N}`).join(', ')} of the matrix in ${first.file} (${first.doc.matrix.configurations} configurations): give every shard's file`,
    );

  const size = first.doc.matrix.configurations;
  const inputs: (ConfigInput | undefined)[] = Array.from({ length: size }, () => undefined);
  const runs: (ConfigRun | undefined)[] = Array.from({ length: size }, () => undefined);
  for (const s of shards) {
    const slice = shardSlice(size, s.doc.shard);
    const got = s.doc.runs.map((r) => r.index);
    if (got.length !== slice.length || got.some((k, j) => k !== slice[j])) {
      problems.push(
        `${s.at(['runs'])} field 'runs': shard ${s.doc.shard.index}/${N} holds configurations [${got.join(', ')}], but its slice of ${size} is [${slice.join(', ')}]: an incomplete or edited shard`,
      );
      continue;
    }
    s.doc.runs.forEach((r, j) => {
      const p = parseConfig(r.input);
      if (!p.ok) {
        for (const issue of p.issues) {
          const path = ['runs', j, 'input', ...(issue.path === '(config)' ? [] : issue.path.split('.'))];
          problems.push(`${s.at(path)} field '${fieldOf(path)}': ${issue.message}`);
        }
        return;
      }
      // Each run has one result per property checked, in the order checked (PropertyChecks.results).
      const want = s.doc.matrix.properties ?? PROPERTIES.map((x) => x.id);
      const got = r.results.map((x) => x.property);
      if (got.length !== want.length || got.some((id, k) => id !== want[k])) {
        problems.push(
          `${s.at(['runs', j, 'results'])} field '${fieldOf(['runs', j, 'results'])}': results for [${got.join(', ')}], but the matrix checks [${want.join(', ')}]: an incomplete or edited shard`,
        );
        return;
      }
      inputs[r.index] = r.input as ConfigInput;
      runs[r.index] = {
        config: p.config.name,
        key: p.config.key,
        canonical: p.config.canonical,
        configuration: fullConfig(p.config),
        input: r.input as ConfigInput,
        states: r.states,
        edges: r.edges,
        seconds: r.seconds,
        complete: r.complete,
        stopReason: r.stopReason,
        results: r.results.map(resultOf),
        coverage: r.coverage,
      };
    });
  }
  if (problems.length) throw new InputError(problems.join('\n'));
  const all = inputs.filter((x): x is ConfigInput => x !== undefined);
  const m = first.doc.matrix;
  const identity: MatrixIdentity = {
    model: m.model,
    source: m.source,
    properties: m.properties,
    maxStates: m.maxStates,
    coverage: m.coverage,
  };
  if (all.length !== size || matrixId(identity, all) !== m.id)
    throw new InputError(
      `${first.at(['matrix', 'id'])} field 'matrix.id': the shards' configurations do not make the matrix this id names: an edited shard`,
    );
  return {
    runs: runs.filter((r): r is ConfigRun => r !== undefined),
    source: m.source,
    properties: m.properties,
    maxStates: m.maxStates,
    coverage: m.coverage,
  };
}
