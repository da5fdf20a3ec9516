// The report's data: what src/report/report.ts builds and src/report/html.ts renders.
import type { CompareTable } from '../compare/compare';
import type { Config, ConfigInput } from '../config';
import type { ActorDiagram } from '../diagrams/generate';
import type { ConfigRun, Expected } from '../explore/check';
import type { ExternalEvent } from '../events';
import type { Property } from '../specs/properties';
import type { Flip } from './explain';
import type { RealEvidence } from './real';
import type { Sequence } from './sequence';
import type { Break, Trace } from './trace';

/** A drawn event log: its configuration, events, trace through the model and sequence diagram. */
export interface Drawn {
  /** An HTML id and file stem. */
  id: string;
  config: Config;
  input: ConfigInput;
  events: ExternalEvent[];
  log: string;
  trace: Trace;
  br: Break | null;
  seq: Sequence;
  mermaid: string;
  svg: string;
}

export interface Contrast extends Drawn {
  key: string;
  from: string;
  to: string;
  /** The property holds along the replay (it holds in the whole configuration). */
  holds: boolean;
  summary: string;
}

export interface Counterexample extends Drawn {
  property: Property;
  run: ConfigRun;
  note: string | null;
  diagnosis: string[];
  narrative: { frame: number; title: string; lines: string[] }[];
  contrast: Contrast | null;
  /** The real kernel's evidence (src/report/real.ts): its transcript and verdict, or why the lab
   *  cannot run this counterexample; null when the manifest does not list it. */
  real: RealEvidence | null;
}

export interface Finding {
  property: Property;
  violated: string[];
  holds: string[];
  flips: readonly Flip[];
  /** The counterexample that best shows the flip (its contrast is the flip's pair). */
  featured: Counterexample | null;
}

export interface ReportModel {
  runs: ConfigRun[];
  properties: Property[];
  expected: Expected;
  counterexamples: Counterexample[];
  findings: Finding[];
  diagrams: ActorDiagram[];
  /** The mechanisms compared (src/compare/compare.ts), when asked for. */
  compare: Comparison | null;
  stats: { configs: number; states: number; edges: number; exploreSeconds: number; wallSeconds: number };
}

export interface Comparison {
  table: CompareTable | null;
  /** Each cell's event log by file, to show inline. */
  logs: Record<string, string>;
  error: string | null;
}
