// The composed system as a diagram: the five actors as boxes and the events routed between them.
// Who listens to what comes from system.ts's routing tables; who sends what comes from the
// machine files themselves (every internal event type each one constructs), so that the picture
// is generated, not drawn. test/diagrams.test.ts checks it against the deliveries of the example
// logs.
import { ACTORS, EXTERNAL_ROUTES, INTERNAL_ROUTES, type ActorId } from '../../machines/system';
import { DOT_STYLE, dotString, mermaidText, wrap } from './statechart';

/** Where observations (dump.*, ignored) go: no actor, but the record of the run. */
export const RECORD = 'record';
export const USER = 'user';
export type SystemNode = ActorId | typeof USER | typeof RECORD;

export interface SystemEdge {
  from: SystemNode;
  to: SystemNode;
  events: string[];
  /** An observation for the record rather than a message to an actor. */
  observation: boolean;
}

export interface SystemChart {
  nodes: SystemNode[];
  edges: SystemEdge[];
}

export const INTERNAL_EVENT_TYPES = Object.keys(INTERNAL_ROUTES) as (keyof typeof INTERNAL_ROUTES)[];
export const EXTERNAL_EVENT_TYPES = Object.keys(EXTERNAL_ROUTES) as (keyof typeof EXTERNAL_ROUTES)[];

/** The internal event types a machine's source constructs (`type: 'fw.register'`, ...), in the
 *  routing table's order. Comments are skipped. */
export function emittedTypes(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const found = new Set<string>();
  for (const m of code.matchAll(/\btype:\s*'([^']+)'/g)) {
    const t = m[1];
    if (t !== undefined) found.add(t);
  }
  return INTERNAL_EVENT_TYPES.filter((t) => found.has(t));
}

export function systemChart(emitted: Readonly<Record<ActorId, readonly string[]>>): SystemChart {
  const edges: SystemEdge[] = [];
  const edge = (from: SystemNode, to: SystemNode, event: string, observation: boolean): void => {
    const e = edges.find((x) => x.from === from && x.to === to);
    if (e === undefined) edges.push({ from, to, events: [event], observation });
    else if (!e.events.includes(event)) e.events.push(event);
  };
  for (const ev of EXTERNAL_EVENT_TYPES) for (const to of EXTERNAL_ROUTES[ev]) edge(USER, to, ev, false);
  for (const from of ACTORS) {
    for (const ev of INTERNAL_EVENT_TYPES) {
      if (!emitted[from].includes(ev)) continue;
      const listeners = INTERNAL_ROUTES[ev];
      if (listeners.length === 0) edge(from, RECORD, ev, true);
      for (const to of listeners) edge(from, to, ev, false);
    }
  }
  // Stable order: by sender, then by receiver, in the order of ACTORS.
  const order: SystemNode[] = [USER, ...ACTORS, RECORD];
  edges.sort((a, b) => order.indexOf(a.from) - order.indexOf(b.from) || order.indexOf(a.to) - order.indexOf(b.to));
  return { nodes: order, edges };
}

const NODE_LABEL: Record<typeof USER | typeof RECORD, string> = {
  [USER]: 'user: the event log',
  [RECORD]: 'the record: dump outcome, ignored events',
};

function nodeLabel(n: SystemNode): string {
  return n === USER || n === RECORD ? NODE_LABEL[n] : n;
}

export function systemMermaid(chart: SystemChart): string {
  const out: string[] = ['flowchart TB'];
  for (const n of chart.nodes) {
    const label = mermaidText(nodeLabel(n));
    if (n === USER) out.push(`  ${n}(["${label}"])`);
    else if (n === RECORD) out.push(`  ${n}[("${label}")]`);
    else out.push(`  ${n}["${label}"]`);
  }
  for (const e of chart.edges) {
    const label = mermaidText(e.events.join(', '));
    out.push(`  ${e.from} ${e.observation ? '-.->' : '-->'}|"${label}"| ${e.to}`);
  }
  out.push('  classDef actor fill:#eef0ff,stroke:#5b5fc7');
  out.push('  classDef outside fill:#fff8dc,stroke:#b59a00');
  out.push(`  class ${ACTORS.join(',')} actor`);
  out.push(`  class ${USER},${RECORD} outside`);
  return `${out.join('\n')}\n`;
}

export function systemDot(chart: SystemChart, title = 'the composed system'): string {
  const S = DOT_STYLE;
  const q = dotString;
  const out: string[] = [`digraph ${q('system')} {`];
  out.push(
    `  graph [rankdir=TB, nodesep=0.6, ranksep=0.9, fontname=${q(S.font)}, fontsize=16, labelloc=t, label=${q(title)}];`,
  );
  out.push(
    `  node [shape=box, style="rounded,filled", fillcolor=${q(S.stateFill)}, color=${q(S.stateLine)}, fontname=${q(S.font)}, fontsize=13, margin="0.2,0.1"];`,
  );
  out.push(`  edge [fontname=${q(S.font)}, fontsize=9, color=${q(S.edge)}, fontcolor="#222222", arrowsize=0.7];`);
  for (const n of chart.nodes) {
    if (n === USER) out.push(`  ${q(n)} [shape=box, style="filled", fillcolor=${q(S.anywhereFill)}, color=${q(S.anywhereLine)}, label=${q(NODE_LABEL[n])}];`);
    else if (n === RECORD) out.push(`  ${q(n)} [shape=cylinder, style="filled", fillcolor=${q(S.anywhereFill)}, color=${q(S.anywhereLine)}, label=${q(NODE_LABEL[n])}];`);
    else out.push(`  ${q(n)} [label=<<B>${n}</B>>];`);
  }
  // The two kernels side by side: the firmware boots one or the other.
  out.push(`  { rank=same; ${q('productionKernel')}; ${q('captureKernel')}; }`);
  for (const e of chart.edges) {
    const attrs = [`label=${q(wrap(e.events.join(', '), 28).join('\n'))}`];
    if (e.observation) attrs.push('style=dashed', 'color="#888888"');
    out.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
