// The default matrix's verdicts as the project records them (src/specs/expected.json), for the
// explanations' contrast when no exploration is at hand: replay and explainViolation() name the
// configuration of the default matrix that differs from the log's in one key and where the
// property holds. Read once, lazily.
import { parseConfig } from '../config';
import type { Verdict } from '../explore/explore';
import { defaultMatrix } from '../explore/matrix';
import { expectedFor, loadExpected, type Expected } from '../explore/expected';
import type { ConfigVerdict } from './contrast';

const VERDICTS: readonly string[] = ['holds', 'violated', 'incomplete', 'n/a'] satisfies Verdict[];
const isVerdict = (v: unknown): v is Verdict => typeof v === 'string' && VERDICTS.includes(v);

let cache: { name: string; key: string; input: ConfigVerdict['input'] }[] | null = null;
let recorded: Expected | null = null;

/** The default matrix's configurations with their names (parsed once). */
function configs(): { name: string; key: string; input: ConfigVerdict['input'] }[] {
  if (cache === null) {
    cache = defaultMatrix().flatMap((input) => {
      const p = parseConfig(input);
      return p.ok ? [{ name: p.config.name, key: p.config.key, input }] : [];
    });
  }
  return cache;
}

/** The recorded verdicts of one property over the default matrix (src/specs/expected.json);
 *  'n/a' where none is recorded. */
export function expectedMatrix(propertyId: string): ConfigVerdict[] {
  recorded ??= loadExpected();
  const project = recorded;
  return configs().map(({ name, key, input }) => {
    const v = expectedFor(project, { key })?.[propertyId];
    return { config: name, input, verdict: isVerdict(v) ? v : 'n/a' };
  });
}

/** Whether a configuration (by name) is one of the default matrix's. */
export function inDefaultMatrix(name: string): boolean {
  return configs().some((c) => c.name === name);
}
