// A JSON file a user gives (configurations, expected verdicts), read at the boundary: bounded in
// size, UTF-8, parsed with positions (src/util/json.ts) so that every later problem can name its line.
import { parseJson, type JsonDocument } from './json';
import { decodeUtf8, InputError, readBounded } from './read';

/**
 * Reads a bounded UTF-8 JSON file with positions.
 * @param limits `maxBytes` (bytes), and `what` / `why` for the size message.
 * @returns the parsed document: its value and locate(path) → line and column.
 * @throws InputError (exit 2) naming the file, the line and the column when the file is too large,
 *   not UTF-8 or not valid JSON.
 */
export function readJsonFile(file: string, limits: { maxBytes: number; what: string; why: string }): JsonDocument {
  const text = decodeUtf8(readBounded(file, limits));
  if (!text.ok) throw new InputError(`${file}:${text.problem.line}: ${text.problem.message}`);
  const json = parseJson(text.text);
  if (!json.ok) {
    const p = json.problem;
    throw new InputError(
      `${file}:${p.line}: not valid JSON (column ${p.column}: ${p.message})${p.truncated ? ': is the file truncated?' : ''}`,
    );
  }
  return json.doc;
}
