// Reading an event log from a file: bounded (MAX_LOG_BYTES, refused before it is read), UTF-8
// (with or without a byte order mark), then parsed (src/log/parse.ts).
import { decodeUtf8, readBounded } from '../util/read';
import { LOG_LIMIT_WHY, LogError, MAX_LOG_BYTES, parseLog, type ParsedLog } from './parse';

/** A log's bytes: refused with the line of the first byte that is not UTF-8, else parsed. */
export function parseLogBytes(bytes: Uint8Array, file: string): ParsedLog {
  const text = decodeUtf8(bytes);
  if (!text.ok) throw new LogError(file, [{ line: text.problem.line, field: null, message: text.problem.message }]);
  return parseLog(text.text, file);
}

export function readLogFile(file: string): ParsedLog {
  return parseLogBytes(readBounded(file, { maxBytes: MAX_LOG_BYTES, what: 'an event log', why: LOG_LIMIT_WHY }), file);
}
