// Statecharts generated from the machine definitions (docs/design.md §7): a walk of an
// XState machine's state nodes (toDirectedGraph omits eventless transitions, and there is no
// official exporter) into a small chart model, rendered as Mermaid stateDiagram-v2 text and as
// Graphviz DOT, which @hpcc-js/wasm-graphviz (pure WebAssembly) lays out as SVG.
//
// Notation, the same in both renderings (UML's, where UML has one):
//  - an edge is `event [guard] / action, action`; events with identical transitions share an edge;
//  - `[else]`: the fallback taken when the guards listed before it for that event all fail;
//  - `always`: an eventless transition; `any other event`: the wildcard `*`;
//  - lines inside a state: its reactions without a change of state (UML internal transitions), then
//    `ignores: ...`, the events it answers only with the `ignore` action (one line, not self-loops);
//  - "anywhere in X": the transitions of a compound state or of the machine itself, which apply in
//    every state inside it that does not handle the event itself;
//  - dashed border: a state tagged `transient` (the actor waits there for an answer).
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface ChartLabel {
  /** Event names as shown ("any other event" for '*', "always" for eventless). */
  events: string[];
  /** The guard as shown, "else" for an unguarded fallback; null when the transition has none. */
  guard: string | null;
  /** Actions as shown: name(param=value, ...). */
  actions: string[];
}

export interface ChartEdge {
  /** State node ids (XState's, e.g. "productionKernel.running.registered"). */
  from: string;
  to: string;
  label: ChartLabel;
}

export interface ChartState {
  id: string;
  /** The state's key; the machine id for the root. */
  name: string;
  path: readonly string[];
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  tags: string[];
  transient: boolean;
  /** Ids of the initial child (children for a parallel state's regions, which have none). */
  initial: string[];
  children: ChartState[];
  /** entry/exit actions and reactions without a change of state. */
  reactions: ChartLabel[];
  entry: string[];
  exit: string[];
  /** Events answered only with the ignore action, as shown ("memory-hotplug [else]"). */
  ignores: string[];
}

export interface Chart {
  id: string;
  root: ChartState;
  /** Every targeted transition, from any state (the root's included). */
  edges: ChartEdge[];
}

export interface ChartOptions {
  /** The action that stands for "explicitly ignored": collapsed into one line per state. */
  ignoreAction?: string;
  /** Tags drawn with a dashed border. */
  transientTag?: string;
}

// ---------------------------------------------------------------------------------------------
// Describing guards, actions and their params

const MAX_STRING_PARAM = 40;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function summariseValue(v: unknown): string {
  if (typeof v === 'string') return v.length > MAX_STRING_PARAM ? `${v.slice(0, MAX_STRING_PARAM - 1).trimEnd()}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'function') return '(computed)';
  const json = JSON.stringify(v) ?? String(v);
  return json.length > MAX_STRING_PARAM ? `${json.slice(0, MAX_STRING_PARAM - 1)}…` : json;
}

/** `(a=1, b=x)` for params, '' for none. */
export function summariseParams(params: unknown): string {
  if (params === undefined) return '';
  if (typeof params === 'function') return '(…)';
  if (isRecord(params)) {
    const entries = Object.entries(params);
    if (entries.length === 0) return '';
    return `(${entries.map(([k, v]) => `${k}=${summariseValue(v)}`).join(', ')})`;
  }
  return `(${summariseValue(params)})`;
}

/** The name of an action or guard (string, { type, params }, built-in action creator, inline). */
function nameOf(x: unknown): { name: string; params: unknown } {
  if (typeof x === 'string') return { name: x, params: undefined };
  if (typeof x === 'function') {
    const t: unknown = (x as unknown as { type?: unknown }).type;
    // Built-in action creators carry type "xstate.assign", "xstate.emit", ...
    if (typeof t === 'string') return { name: t.replace(/^xstate\./, ''), params: undefined };
    return { name: x.name && x.name !== 'anonymous' ? x.name : 'inline', params: undefined };
  }
  if (isRecord(x) && typeof x.type === 'string') return { name: x.type, params: x.params };
  return { name: 'inline', params: undefined };
}

export function describeAction(a: unknown): string {
  const { name, params } = nameOf(a);
  return `${name}${summariseParams(params)}`;
}

export function describeGuard(g: unknown): string {
  // Higher-order guards: and([...]), or([...]), not(g) are functions with .guards.
  if (typeof g === 'function') {
    const inner: unknown = (g as unknown as { guards?: unknown }).guards;
    if (Array.isArray(inner)) {
      const parts = inner.map((x: unknown) => describeGuard(x));
      if (g.name === 'not') return `!${parts[0] ?? ''}`;
      if (g.name === 'and') return parts.join(' && ');
      if (g.name === 'or') return parts.join(' || ');
    }
  }
  const { name, params } = nameOf(g);
  return `${name}${summariseParams(params)}`;
}

/** How an event descriptor is shown. */
export function describeEvent(descriptor: string): string {
  if (descriptor === '') return 'always';
  if (descriptor === '*') return 'any other event';
  const after = /^xstate\.after\.(.+)\.[^.]*$/.exec(descriptor);
  if (after) return `after ${after[1] ?? ''}`;
  const done = /^xstate\.(done|error)\.(?:state|actor)\.(.+)$/.exec(descriptor);
  if (done) return `${done[1] ?? ''}(${done[2] ?? ''})`;
  if (descriptor.endsWith('.*')) return `any ${descriptor} event`;
  return descriptor;
}

export function labelText(l: ChartLabel, sep = ' '): string {
  const parts = [l.events.join(', ')];
  if (l.guard !== null) parts.push(`[${l.guard}]`);
  if (l.actions.length > 0) parts.push(`/ ${l.actions.join(', ')}`);
  return parts.join(sep);
}

// ---------------------------------------------------------------------------------------------
// The walk

interface RawTransition {
  target: readonly AnyStateNode[] | undefined;
  actions: readonly unknown[];
  guard?: unknown;
  reenter: boolean;
}

/** Merges entries whose key is equal, keeping first-seen order, by uniting their events. */
function mergeByKey<T extends { label: ChartLabel }>(items: T[], key: (t: T) => string): T[] {
  const out: T[] = [];
  const byKey = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const prev = byKey.get(k);
    if (prev === undefined) {
      byKey.set(k, it);
      out.push(it);
    } else {
      for (const e of it.label.events) if (!prev.label.events.includes(e)) prev.label.events.push(e);
    }
  }
  return out;
}

const labelKey = (l: ChartLabel): string => JSON.stringify([l.guard, l.actions]);

export function extractChart(machine: AnyStateMachine, options: ChartOptions = {}): Chart {
  const ignoreAction = options.ignoreAction ?? 'ignore';
  const transientTag = options.transientTag ?? 'transient';
  const edges: ChartEdge[] = [];

  function visit(node: AnyStateNode): ChartState {
    const reactions: { label: ChartLabel }[] = [];
    const ignores: string[] = [];
    const own: ChartEdge[] = [];

    const chains: [string, readonly RawTransition[]][] = [];
    for (const [descriptor, ts] of node.transitions) chains.push([descriptor, ts as readonly RawTransition[]]);
    if (node.always !== undefined && node.always.length > 0) chains.push(['', node.always as readonly RawTransition[]]);

    for (const [descriptor, chain] of chains) {
      let guardedBefore = false;
      for (const t of chain) {
        const event = describeEvent(descriptor);
        const guard = t.guard !== undefined ? describeGuard(t.guard) : guardedBefore ? 'else' : null;
        if (t.guard !== undefined) guardedBefore = true;
        const actions = t.actions.map(describeAction);
        const targets = t.target ?? [];
        if (targets.length === 0) {
          const names = t.actions.map((a) => nameOf(a).name);
          if (names.length === 1 && names[0] === ignoreAction) {
            ignores.push(guard === null ? event : `${event} [${guard}]`);
          } else {
            reactions.push({ label: { events: [event], guard, actions } });
          }
          continue;
        }
        if (t.reenter) actions.push('(re-entered)');
        for (const target of targets) own.push({ from: node.id, to: target.id, label: { events: [event], guard, actions: [...actions] } });
      }
    }
    edges.push(...mergeByKey(own, (e) => JSON.stringify([e.to, labelKey(e.label)])));

    const children = Object.values(node.states).map(visit);
    const initial =
      node.type === 'compound' ? node.initial.target.map((t) => t.id) : node.type === 'parallel' ? children.map((c) => c.id) : [];
    return {
      id: node.id,
      name: node.parent === undefined ? node.id : node.key,
      path: node.path,
      kind: node.type,
      tags: [...node.tags],
      transient: node.tags.includes(transientTag),
      initial,
      children,
      reactions: mergeByKey(reactions, (r) => labelKey(r.label)).map((r) => r.label),
      entry: node.entry.map(describeAction),
      exit: node.exit.map(describeAction),
      ignores: [...new Set(ignores)],
    };
  }

  const root = visit(machine.root);
  return { id: machine.id, root, edges };
}

/** The lines drawn inside a state (or in its "anywhere in" box). */
export function bodyLines(s: ChartState): string[] {
  const lines: string[] = [];
  if (s.entry.length > 0) lines.push(`entry / ${s.entry.join(', ')}`);
  if (s.exit.length > 0) lines.push(`exit / ${s.exit.join(', ')}`);
  for (const r of s.reactions) lines.push(labelText(r));
  if (s.ignores.length > 0) lines.push(`ignores: ${s.ignores.join(', ')}`);
  return lines;
}

function allStates(s: ChartState): ChartState[] {
  return [s, ...s.children.flatMap(allStates)];
}

// ---------------------------------------------------------------------------------------------
// Mermaid stateDiagram-v2

/** Text Mermaid takes literally in a label: no statement separators, quotes or markup. */
export function mermaidText(s: string): string {
  return s
    .replace(/[;#]/g, ',')
    .replace(/"/g, "'")
    .replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'))
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/-->/g, '→')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words Mermaid's state diagram grammar reads as keywords, not as state ids. */
const MERMAID_WORDS = new Set(['state', 'note', 'end', 'class', 'classdef', 'direction', 'style', 'click', 'as', 'left', 'right', 'of', 'default', 'tb', 'bt', 'lr', 'rl', 'hide', 'statediagram', 'statediagram_v2', 'accdescr', 'acctitle']);

/** Unique, Mermaid-safe ids for every state (and for the "anywhere in" boxes). */
function idAllocator(prefix: string): (key: string) => string {
  const used = new Map<string, string>();
  const taken = new Set<string>();
  return (key) => {
    const known = used.get(key);
    if (known !== undefined) return known;
    const plain = `${prefix}${key.replace(/[^A-Za-z0-9]+/g, '_')}`;
    const base = MERMAID_WORDS.has(plain.toLowerCase()) || /^[0-9_]/.test(plain) ? `s_${plain}` : plain;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    used.set(key, id);
    return id;
  };
}

export function toMermaid(chart: Chart): string {
  const sid = idAllocator('');
  const stateId = (s: { path: readonly string[] }): string => sid(s.path.length === 0 ? chart.id : s.path.join('.'));
  const byId = new Map(allStates(chart.root).map((s) => [s.id, s]));
  const idOf = (xstateId: string): string => {
    const s = byId.get(xstateId);
    if (s === undefined) throw new Error(`${chart.id}: transition to unknown state ${xstateId}`);
    return s === chart.root ? anywhereId(s) : stateId(s);
  };
  const anywhereId = (s: ChartState): string => sid(`anywhere in ${s.path.join('.') || chart.id}`);

  const out: string[] = ['stateDiagram-v2', '  direction TB'];
  const transient: string[] = [];
  const anywhere: string[] = [];
  const finals: string[] = [];

  const emitAnywhere = (s: ChartState, indent: string): void => {
    const lines = bodyLines(s);
    if (lines.length === 0 && !(s === chart.root && chart.edges.some((e) => e.from === s.id))) return;
    const id = anywhereId(s);
    anywhere.push(id);
    out.push(`${indent}state "anywhere in ${mermaidText(s.name)}" as ${id}`);
    for (const l of lines) out.push(`${indent}${id} : ${mermaidText(l)}`);
  };

  const emitChildren = (s: ChartState, indent: string): void => {
    if (s.kind === 'parallel') {
      s.children.forEach((region, i) => {
        if (i > 0) out.push(`${indent}--`);
        emitState(region, indent);
      });
      return;
    }
    for (const i of s.initial) out.push(`${indent}[*] --> ${idOf(i)}`);
    for (const c of s.children) emitState(c, indent);
  };

  const emitState = (s: ChartState, indent: string): void => {
    const id = stateId(s);
    if (s.transient) transient.push(id);
    if (s.kind === 'compound' || s.kind === 'parallel') {
      out.push(`${indent}state "${mermaidText(s.name)}" as ${id} {`);
      emitAnywhere(s, `${indent}  `);
      emitChildren(s, `${indent}  `);
      out.push(`${indent}}`);
      return;
    }
    const name = s.kind === 'history' ? `${s.name} (H)` : s.name;
    out.push(`${indent}state "${mermaidText(name)}" as ${id}`);
    for (const l of bodyLines(s)) out.push(`${indent}${id} : ${mermaidText(l)}`);
    if (s.kind === 'final') finals.push(id);
  };

  emitAnywhere(chart.root, '  ');
  emitChildren(chart.root, '  ');
  for (const f of finals) out.push(`  ${f} --> [*]`);
  // Edges in breadth-first order from the initial state, which is also the order in which Mermaid's
  // layout (dagre) keeps them pointing forward when it breaks cycles.
  const depth = depths(chart);
  const ordered = chart.edges
    .map((e, i) => ({ e, i, d: depth.get(e.from) ?? Infinity }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.e);
  for (const e of ordered) {
    const from = e.from === chart.root.id ? anywhereId(chart.root) : idOf(e.from);
    out.push(`  ${from} --> ${idOf(e.to)} : ${mermaidLabel(e.label)}`);
  }
  out.push('  classDef transient stroke-dasharray: 5 4');
  out.push('  classDef anywhere fill:#fff8dc,stroke:#b59a00');
  if (transient.length > 0) out.push(`  class ${transient.join(', ')} transient`);
  if (anywhere.length > 0) out.push(`  class ${anywhere.join(', ')} anywhere`);
  return `${out.join('\n')}\n`;
}

function mermaidLabel(l: ChartLabel): string {
  const parts = [mermaidText(l.events.join(', '))];
  if (l.guard !== null) parts.push(mermaidText(`[${l.guard}]`));
  if (l.actions.length > 0) parts.push(mermaidText(`/ ${l.actions.join(', ')}`));
  return parts.join('<br/>');
}

// ---------------------------------------------------------------------------------------------
// Graphviz DOT

export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Breaks a label into lines of at most `width` characters, at ", " and " " boundaries. */
export function wrap(text: string, width: number): string[] {
  const words = text.split(/(?<=,) | (?=\/ )/);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur === '') cur = w;
    else if (cur.length + 1 + w.length <= width) cur = `${cur} ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

function edgeLabelLines(l: ChartLabel): string[] {
  const lines = wrap(l.events.join(', '), 34);
  if (l.guard !== null) lines.push(...wrap(`[${l.guard}]`, 40));
  if (l.actions.length > 0) lines.push(...wrap(`/ ${l.actions.join(', ')}`, 40));
  return lines;
}

export const DOT_STYLE = {
  font: 'Helvetica',
  stateFill: '#eef0ff',
  stateLine: '#5b5fc7',
  clusterFill: '#f7f7fb',
  anywhereFill: '#fff8dc',
  anywhereLine: '#b59a00',
  edge: '#444444',
};

/** An HTML-like label: the name in bold, then a rule and the body lines, left-aligned. */
function stateLabel(title: string, lines: readonly string[], italic = false): string {
  const head = italic ? `<I>${htmlText(title)}</I>` : `<B>${htmlText(title)}</B>`;
  if (lines.length === 0) return `<${head}>`;
  // Continuation lines of a wrapped line are indented.
  const body = lines
    .flatMap((l) => wrap(l, 56).map((part, i) => `${i > 0 ? '&#160;&#160;&#160;&#160;' : ''}${htmlText(part)}<BR ALIGN="LEFT"/>`))
    .join('');
  return (
    `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">` +
    `<TR><TD>${head}</TD></TR><HR/>` +
    `<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="9">${body}</FONT></TD></TR></TABLE>>`
  );
}

export function toDot(chart: Chart, title?: string): string {
  const S = DOT_STYLE;
  const byId = new Map(allStates(chart.root).map((s) => [s.id, s]));
  const q = dotString;
  const anchorOf = (s: ChartState): string => `${s.id}#anchor`;
  const clusterOf = (s: ChartState): string => `cluster_${s.id}`;
  const anywhereOf = (s: ChartState): string => `${s.id}#anywhere`;
  const isCluster = (s: ChartState): boolean => s.kind === 'compound' || s.kind === 'parallel';

  const out: string[] = [`digraph ${q(chart.id)} {`];
  out.push(
    `  graph [compound=true, rankdir=TB, newrank=true, nodesep=0.35, ranksep=0.5, fontname=${q(S.font)}, fontsize=16, labelloc=t, label=${q(title ?? chart.id)}];`,
  );
  out.push(
    `  node [shape=box, style="rounded,filled", fillcolor=${q(S.stateFill)}, color=${q(S.stateLine)}, fontname=${q(S.font)}, fontsize=11, margin="0.12,0.05"];`,
  );
  out.push(`  edge [fontname=${q(S.font)}, fontsize=9, color=${q(S.edge)}, fontcolor="#222222", arrowsize=0.7];`);

  const emitAnywhere = (s: ChartState, indent: string): void => {
    const lines = bodyLines(s);
    const hasEdges = s === chart.root && chart.edges.some((e) => e.from === s.id);
    if (lines.length === 0 && !hasEdges) return;
    out.push(
      `${indent}${q(anywhereOf(s))} [shape=note, style=filled, fillcolor=${q(S.anywhereFill)}, color=${q(S.anywhereLine)}, label=${stateLabel(`anywhere in ${s.name}`, lines, true)}];`,
    );
  };

  const emitInitial = (s: ChartState, indent: string): void => {
    // The anchor is the compound state's initial dot (or an invisible point for a parallel state):
    // edges from or to the compound state are drawn from it, clipped at the cluster (ltail/lhead).
    const anchor = anchorOf(s);
    if (s.kind === 'parallel' || s.initial.length === 0) {
      out.push(`${indent}${q(anchor)} [shape=point, style=invis, width=0.01];`);
      return;
    }
    out.push(`${indent}${q(anchor)} [shape=point, width=0.13, style=filled, fillcolor=black, color=black];`);
    for (const i of s.initial) {
      const target = byId.get(i);
      if (target === undefined) continue;
      const head = isCluster(target) ? `${q(anchorOf(target))} [lhead=${q(clusterOf(target))}]` : q(i);
      out.push(`${indent}${q(anchor)} -> ${head};`);
    }
  };

  const emitState = (s: ChartState, indent: string): void => {
    if (isCluster(s)) {
      const region = byId.get(s.id.slice(0, s.id.lastIndexOf('.')))?.kind === 'parallel';
      out.push(`${indent}subgraph ${q(clusterOf(s))} {`);
      const style = region ? 'dashed,rounded' : s.transient ? 'rounded,dashed,filled' : 'rounded,filled';
      out.push(
        `${indent}  graph [label=<<B>${htmlText(s.name)}</B>${s.kind === 'parallel' ? ' <I>(parallel)</I>' : ''}>, style=${q(style)}, fillcolor=${q(S.clusterFill)}, color=${q(S.stateLine)}, fontsize=12, labeljust=l];`,
      );
      emitInitial(s, `${indent}  `);
      emitAnywhere(s, `${indent}  `);
      for (const c of s.children) emitState(c, `${indent}  `);
      out.push(`${indent}}`);
      return;
    }
    const attrs: string[] = [`label=${stateLabel(s.kind === 'history' ? `${s.name} (H)` : s.name, bodyLines(s))}`];
    if (s.transient) attrs.push('style="rounded,filled,dashed"');
    if (s.kind === 'final') attrs.push('peripheries=2');
    out.push(`${indent}${q(s.id)} [${attrs.join(', ')}];`);
  };

  emitAnywhere(chart.root, '  ');
  emitInitial(chart.root, '  ');
  for (const c of chart.root.children) emitState(c, '  ');

  const depth = depths(chart);
  for (const e of chart.edges) {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from === undefined || to === undefined) throw new Error(`${chart.id}: edge between unknown states ${e.from} → ${e.to}`);
    const attrs: string[] = [`label=${q(edgeLabelLines(e.label).join('\n'))}`];
    // Edges back towards the initial state do not push ranks: the chart reads top-down in the
    // order a run first reaches the states.
    const back = (depth.get(e.to) ?? Infinity) <= (depth.get(e.from) ?? Infinity);
    if (back && e.from !== e.to) attrs.push('constraint=false');
    let tail = q(e.from);
    let head = q(e.to);
    if (from === chart.root) tail = q(anywhereOf(from));
    else if (isCluster(from)) {
      tail = q(anchorOf(from));
      attrs.push(`ltail=${q(clusterOf(from))}`);
    }
    if (isCluster(to)) {
      head = q(anchorOf(to));
      attrs.push(`lhead=${q(clusterOf(to))}`);
    }
    out.push(`  ${tail} -> ${head} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Breadth-first distance of every state from the initial state, entering a compound state
 *  meaning entering its initial descendants too, and a compound state's transitions applying in
 *  each state inside it. A compound state's depth is its nearest descendant's. */
export function depths(chart: Chart): Map<string, number> {
  const byId = new Map(allStates(chart.root).map((s) => [s.id, s]));
  const parentOf = new Map<string, string>();
  for (const s of allStates(chart.root)) for (const c of s.children) parentOf.set(c.id, s.id);
  const out = new Map<string, number>();
  const queue: string[] = [];
  const enter = (id: string, d: number): void => {
    const s = byId.get(id);
    if (s === undefined || out.has(id)) return;
    out.set(id, d);
    queue.push(id);
    for (let p = parentOf.get(id); p !== undefined && !out.has(p); p = parentOf.get(p)) out.set(p, d);
    for (const i of s.initial) enter(i, d);
  };
  enter(chart.root.id, 0);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    if (id === undefined) break;
    const d = out.get(id) ?? 0;
    for (let src: string | undefined = id; src !== undefined; src = parentOf.get(src)) {
      for (const e of chart.edges) if (e.from === src) enter(e.to, d + 1);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SVG

let graphviz: Promise<Graphviz> | null = null;

/** Lays DOT out with Graphviz's dot engine. The generator comment (which names Graphviz's version)
 *  is dropped so that the file changes only when the drawing does. */
export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  const g = await graphviz;
  const svg = g.dot(dot, 'svg');
  return svg.replace(/<!-- Generated by graphviz version [^>]*-->\n/, '');
}
