// Event logs (JSONL): line 1 `{"config": {...}}`, then one `{"event": NAME, ...}` per line.
// Every problem is reported with the file, the line and the field; nothing is skipped silently
// (blank lines carry no event and are allowed).
import { z } from 'zod';
import { parseConfig, type Config } from '../config';
import { EXTERNAL_EVENT_NAMES, ExternalEventSchema, type ExternalEvent } from '../events';

export interface LogEntry {
  line: number;
  event: ExternalEvent;
}

export interface ParsedLog {
  config: Config;
  /** The header's config object as written, for writing the log back out. */
  rawConfig: unknown;
  entries: LogEntry[];
}

export interface LogProblem {
  line: number;
  field: string | null;
  message: string;
}

export class LogError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LogProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

export function formatProblem(file: string, p: LogProblem): string {
  return `${file}:${p.line}: ${p.field === null ? '' : `field '${p.field}': `}${p.message}`;
}

const MAX_PROBLEMS = 20;
const HeaderSchema = z.object({ config: z.unknown() }).strict();

function jsonProblem(text: string, line: number): LogProblem | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { line, field: null, message: `not valid JSON (${msg})${text.trim().startsWith('{') && !text.trim().endsWith('}') ? ': is the line truncated?' : ''}` };
  }
}

function eventProblems(value: unknown, line: number): LogProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ line, field: null, message: 'expected an object such as {"event": "boot"}' }];
  }
  const name = (value as Record<string, unknown>).event;
  if (name === undefined) return [{ line, field: 'event', message: 'missing: every line after the header names an event' }];
  if (typeof name !== 'string' || !(EXTERNAL_EVENT_NAMES as readonly string[]).includes(name)) {
    return [{ line, field: 'event', message: `unknown event ${JSON.stringify(name)}; expected one of: ${EXTERNAL_EVENT_NAMES.join(', ')}` }];
  }
  const r = ExternalEventSchema.safeParse(value);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    line,
    field: i.path.length ? i.path.map(String).join('.') : null,
    message: i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')} for event '${name}'` : i.message,
  }));
}

/** Parses a log's text; throws LogError naming the file, line and field of every problem. */
export function parseLog(text: string, file = '<log>'): ParsedLog {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const problems: LogProblem[] = [];
  const entries: LogEntry[] = [];
  let config: Config | null = null;
  let rawConfig: unknown = null;

  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new LogError(file, [{ line: 1, field: null, message: 'empty log: line 1 must be the header {"config": {...}}' }]);
  const headerLine = first + 1;
  const headerText = lines[first] ?? '';
  const hp = jsonProblem(headerText, headerLine);
  if (hp) throw new LogError(file, [hp]);
  const header = HeaderSchema.safeParse(JSON.parse(headerText));
  if (!header.success) {
    const isEvent = typeof JSON.parse(headerText) === 'object' && JSON.parse(headerText) !== null && 'event' in JSON.parse(headerText);
    throw new LogError(file, [
      { line: headerLine, field: 'config', message: isEvent ? 'missing config: the first line must be {"config": {...}}, not an event' : 'the first line must be exactly {"config": {...}}' },
    ]);
  }
  rawConfig = header.data.config;
  const c = parseConfig(rawConfig);
  if (!c.ok) {
    for (const i of c.issues) problems.push({ line: headerLine, field: `config.${i.path}`, message: i.message });
  } else {
    config = c.config;
  }

  for (let i = first + 1; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const text = lines[i] ?? '';
    if (text.trim() === '') continue;
    const line = i + 1;
    const jp = jsonProblem(text, line);
    if (jp) {
      problems.push(jp);
      continue;
    }
    const value: unknown = JSON.parse(text);
    const ep = eventProblems(value, line);
    if (ep.length) {
      problems.push(...ep);
      continue;
    }
    entries.push({ line, event: ExternalEventSchema.parse(value) });
  }
  if (problems.length || config === null) throw new LogError(file, problems.slice(0, MAX_PROBLEMS));
  return { config, rawConfig, entries };
}

/** Writes a log back out: the header and one event per line. */
export function formatLog(rawConfig: unknown, events: readonly ExternalEvent[]): string {
  return [JSON.stringify({ config: rawConfig }), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';
}
