// Event logs (JSONL): line 1 `{"config": {...}}`, then one `{"event": NAME, ...}` per line.
// Every problem is reported with the file, the line and the field; nothing is skipped silently
// (blank lines carry no event and are allowed). A UTF-8 byte order mark and CRLF line ends are
// accepted; a key given twice on a line is refused (JSON.parse would keep only the last).
//
// Size: a log is refused beyond MAX_LOG_BYTES (before anything is read: readLogFile, src/log/read.ts)
// or MAX_LOG_EVENTS events. Logs are counterexamples, regression cases and stories (tens to
// thousands of events); replay runs every event through XState's transition() (about 0.7 ms an
// event) and prints about 1 KB per step, so 100,000 events already take over a minute and print
// 100 MB: a 100 MB log (millions of events) would take hours and print gigabytes.
import { z } from 'zod';
import { bootConfigResult, parseConfig, type Config } from '../config';
import { EXTERNAL_EVENT_NAMES, ExternalEventSchema, type ExternalEvent } from '../events';
import { InputError, readHead } from '../util/read';
import { parseJson, type JsonDocument, type JsonProblem } from '../util/json';

export const MAX_LOG_BYTES = 16 * 1024 * 1024;
export const MAX_LOG_EVENTS = 100_000;
export const LOG_LIMIT_WHY = `logs are counterexamples, regression cases and stories; at most ${MAX_LOG_EVENTS} events, each replayed through XState and printed: split a longer log`;

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
  /** null for a problem of the whole file (its size). */
  line: number | null;
  field: string | null;
  message: string;
}

export class LogError extends InputError {
  constructor(
    readonly file: string,
    readonly problems: LogProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

export function formatProblem(file: string, p: LogProblem): string {
  return `${file}:${p.line === null ? '' : `${p.line}:`} ${p.field === null ? '' : `field '${p.field}': `}${p.message}`;
}

export const MAX_PROBLEMS = 20;
const HeaderSchema = z.object({ config: z.unknown() }).strict();

function jsonProblem(p: JsonProblem): LogProblem {
  return {
    line: p.line,
    field: null,
    message: `not valid JSON (column ${p.column}: ${p.message})${p.truncated ? ': is the line truncated?' : ''}`,
  };
}

function parseLine(text: string, line: number): { ok: true; doc: JsonDocument } | { ok: false; problem: LogProblem } {
  const r = parseJson(text, line);
  return r.ok ? r : { ok: false, problem: jsonProblem(r.problem) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function eventProblems(value: unknown, line: number): LogProblem[] {
  if (!isRecord(value)) {
    return [{ line, field: null, message: 'expected an object such as {"event": "boot"}' }];
  }
  const name = value.event;
  if (name === undefined) {
    const hint = 'config' in value ? ' (a second {"config": ...} header? only line 1 may be one)' : '';
    return [{ line, field: 'event', message: `missing: every line after the header names an event${hint}` }];
  }
  if (typeof name !== 'string' || !(EXTERNAL_EVENT_NAMES as readonly string[]).includes(name)) {
    return [
      {
        line,
        field: 'event',
        message: `unknown event ${JSON.stringify(name)}; expected one of: ${EXTERNAL_EVENT_NAMES.join(', ')}`,
      },
    ];
  }
  const r = ExternalEventSchema.safeParse(value);
  if (r.success) return [];
  // One message a field, the last (the schema's own bound): 1e300 is above both the safe
  // integers and the maximum.
  const byField = new Map<string, LogProblem>();
  for (const i of r.error.issues) {
    const field = i.path.length ? i.path.map(String).join('.') : null;
    let message = i.message;
    if (i.code === 'unrecognized_keys')
      message = `unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')} for event '${name}'`;
    else if (i.code === 'invalid_union' && field === 'rc')
      message =
        'expected an RTAS return code (a whole number from -9999 to 9999) or an OPAL one ("OPAL_RESOURCE", "OPAL_HARDWARE" or "OPAL_PARAMETER")';
    if (field !== null && i.path.length === 1 && value[field] === undefined && i.code !== 'unrecognized_keys')
      message = `missing (${message})`;
    byField.set(field ?? `\u0000${byField.size}`, { line, field, message });
  }
  return [...byField.values()];
}

/** The header line's problems, or its config. */
function parseHeader(
  text: string,
  line: number,
): { ok: true; config: Config; raw: unknown } | { ok: false; fatal: boolean; problems: LogProblem[] } {
  const j = parseLine(text, line);
  if (!j.ok) return { ok: false, fatal: true, problems: [j.problem] };
  const value = j.doc.value;
  const header = HeaderSchema.safeParse(value);
  if (!header.success) {
    const isEvent = isRecord(value) && 'event' in value;
    return {
      ok: false,
      fatal: true,
      problems: [
        {
          line,
          field: 'config',
          message: isEvent
            ? 'missing config: the first line must be {"config": {...}}, not an event'
            : 'the first line must be exactly {"config": {...}}',
        },
      ],
    };
  }
  const raw = header.data.config;
  if (raw === undefined)
    return {
      ok: false,
      fatal: true,
      problems: [{ line, field: 'config', message: 'missing: the first line must be {"config": {...}}' }],
    };
  if (!isRecord(raw)) {
    return {
      ok: false,
      fatal: true,
      problems: [
        {
          line,
          field: 'config',
          message: `expected an object of configuration keys (such as {"platform": "pseries"}), got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
        },
      ],
    };
  }
  const c = parseConfig(raw);
  // The events can still be checked against the schema: report their problems too.
  if (!c.ok)
    return {
      ok: false,
      fatal: false,
      problems: c.issues.map((i) => ({ line, field: `config.${i.path}`, message: i.message })),
    };
  return { ok: true, config: c.config, raw };
}

/** A boot or reboot's command line the configuration refuses (docs/kernel-behaviour.md §12: the
 *  crashkernel= or fadump= it gives makes a configuration that does not validate), or null. Event
 *  logs and lab transcripts (src/conform/conform.ts) refuse such an event alike. */
export function cmdlineProblem(config: Config, e: ExternalEvent): string | null {
  if ((e.event !== 'boot' && e.event !== 'reboot') || e.cmdline === undefined) return null;
  const r = bootConfigResult(config, e.cmdline);
  return r.ok ? null : `this configuration cannot boot with it: ${r.message}`;
}

/** Parses a log's text; throws LogError naming the file, line and field of every problem (up to
 *  MAX_PROBLEMS). Never throws anything else. */
export function parseLog(text: string, file = '<log>'): ParsedLog {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const problems: LogProblem[] = [];
  const entries: LogEntry[] = [];
  let config: Config | null = null;
  let rawConfig: unknown = null;
  let sawHeader = false;

  // Walk the lines without splitting the whole text into an array.
  let start = 0;
  let lineNo = 0;
  while (start <= body.length && problems.length < MAX_PROBLEMS) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    lineNo++;
    let text = body.slice(start, end);
    start = end + 1;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;

    if (!sawHeader) {
      sawHeader = true;
      const h = parseHeader(text, lineNo);
      if (h.ok) {
        config = h.config;
        rawConfig = h.raw;
      } else if (h.fatal) {
        // Not a header at all: the lines after it cannot be judged.
        throw new LogError(file, h.problems.slice(0, MAX_PROBLEMS));
      } else {
        problems.push(...h.problems);
      }
      continue;
    }
    if (entries.length >= MAX_LOG_EVENTS) {
      problems.push({
        line: lineNo,
        field: null,
        message: `more than ${MAX_LOG_EVENTS} events: too long for a log (${LOG_LIMIT_WHY})`,
      });
      break;
    }
    const j = parseLine(text, lineNo);
    if (!j.ok) {
      problems.push(j.problem);
      continue;
    }
    const ep = eventProblems(j.doc.value, lineNo);
    if (ep.length) {
      problems.push(...ep);
      continue;
    }
    const ev = ExternalEventSchema.safeParse(j.doc.value);
    if (!ev.success) continue;
    const cp = config === null ? null : cmdlineProblem(config, ev.data);
    if (cp !== null) problems.push({ line: lineNo, field: 'cmdline', message: cp });
    else entries.push({ line: lineNo, event: ev.data });
  }
  if (!sawHeader)
    throw new LogError(file, [
      { line: 1, field: null, message: 'empty log: line 1 must be the header {"config": {...}}' },
    ]);
  if (problems.length || config === null) throw new LogError(file, problems.slice(0, MAX_PROBLEMS));
  return { config, rawConfig, entries };
}

/** Writes a log back out: the header and one event per line. */
export function formatLog(rawConfig: unknown, events: readonly ExternalEvent[]): string {
  return [JSON.stringify({ config: rawConfig }), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n';
}

/** The most of a file logConfigKey() reads: a log's first line is its configuration (formatLog). */
const CONFIG_LINE_BYTES = 64 * 1024;

/** The canonical key (src/config.ts Config.key) of the configuration on the first line of the event
 *  log `file`, as formatLog() writes it: what tells that a log was written for a configuration,
 *  whatever its name. null when the file is not a regular file (a symbolic link, a FIFO...), cannot
 *  be read, or its first line (within its first 64 KiB) is no valid configuration line. Never
 *  throws. */
export function logConfigKey(file: string): string | null {
  const head = readHead(file, CONFIG_LINE_BYTES);
  if (head === null) return null;
  const text = head.toString('utf8');
  const end = text.indexOf('\n');
  if (end < 0) return null;
  let line: unknown;
  try {
    line = JSON.parse(text.slice(0, end));
  } catch {
    return null;
  }
  if (typeof line !== 'object' || line === null || !('config' in line)) return null;
  const r = parseConfig(line.config);
  return r.ok ? r.config.key : null;
}
