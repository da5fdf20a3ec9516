// State and transition coverage per actor: which of each machine's states and transitions the
// exploration reached, and which it never did. A transition is named by its source state, its
// event (or "always") and its targets; transitions that share all three count as one.
import { getMicrosteps, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import { ACTORS, type ActorId } from '../../machines/system';
import type { Engine } from './engine';

export interface ActorCoverage {
  actor: ActorId;
  states: { reached: string[]; never: string[] };
  transitions: { reached: string[]; never: string[] };
}

interface StateNodeLike {
  id: string;
  key: string;
  type: string;
  parent?: StateNodeLike;
  states: Record<string, StateNodeLike>;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
}

interface TransitionLike {
  eventType: string;
  target?: readonly StateNodeLike[];
  source: StateNodeLike;
}

function allNodes(root: StateNodeLike): StateNodeLike[] {
  const out: StateNodeLike[] = [];
  const walk = (n: StateNodeLike) => {
    out.push(n);
    for (const c of Object.values(n.states)) walk(c);
  };
  walk(root);
  return out;
}

export function transitionName(t: TransitionLike, eventType: string): string {
  const targets = t.target && t.target.length ? t.target.map((n) => n.id).join(',') : '(self)';
  return `${t.source.id} --${eventType === '' ? 'always' : eventType}--> ${targets}`;
}

function allTransitions(root: StateNodeLike): string[] {
  const names = new Set<string>();
  for (const n of allNodes(root)) {
    for (const [type, ts] of n.transitions) for (const t of ts) names.add(transitionName(t, type));
    for (const t of n.always ?? []) names.add(transitionName(t, ''));
  }
  return [...names];
}

function activeIds(s: AnyMachineSnapshot): Set<string> {
  return new Set((s as unknown as { _nodes: StateNodeLike[] })._nodes.map((n) => n.id));
}

/** The transition of `from`'s active states, for `eventType`, whose targets are active after. */
function firedTransition(from: AnyMachineSnapshot, to: AnyMachineSnapshot, eventType: string): string | null {
  const before = (from as unknown as { _nodes: StateNodeLike[] })._nodes;
  const after = activeIds(to);
  // Deepest source first, as XState selects transitions.
  const sources = [...before].sort((a, b) => depth(b) - depth(a));
  for (const n of sources) {
    const ts =
      eventType === ''
        ? (n.always ?? [])
        : [...(n.transitions.get(eventType) ?? []), ...(n.transitions.get('*') ?? [])];
    for (const t of ts) {
      const targets = t.target ?? [];
      const fits =
        targets.length === 0
          ? JSON.stringify(from.value) === JSON.stringify(to.value)
          : targets.every((x) => after.has(x.id));
      if (fits) return transitionName(t, ts === n.always ? '' : n.transitions.has(eventType) ? eventType : '*');
    }
  }
  return null;
}

function depth(n: StateNodeLike): number {
  let d = 0;
  for (let p = n.parent; p; p = p.parent) d++;
  return d;
}

export function coverage(engine: Engine): ActorCoverage[] {
  const st = engine.stepper;
  return ACTORS.map((actor, a) => {
    const machine: AnyStateMachine = engine.system.machines[actor];
    const root = machine.root as unknown as StateNodeLike;
    const everyState = allNodes(root)
      .filter((n) => n !== root)
      .map((n) => n.id);
    const reachedStates = new Set<string>();
    for (const s of st.snaps[a] ?? []) for (const id of activeIds(s)) reachedStates.add(id);
    const reachedTransitions = new Set<string>();
    for (const { from, event: eid } of st.computed(a)) {
      const snap = st.snapshot(a, from);
      const event = st.events[eid];
      if (event === undefined) continue;
      let prev: AnyMachineSnapshot = snap;
      getMicrosteps(machine, snap, event).forEach(([next], i) => {
        const name = firedTransition(prev, next, i === 0 ? event.type : '');
        if (name) reachedTransitions.add(name);
        // Transient states are left within the step: count them from the microsteps.
        for (const id of activeIds(next)) reachedStates.add(id);
        prev = next;
      });
    }
    const every = allTransitions(root);
    return {
      actor,
      states: {
        reached: everyState.filter((s) => reachedStates.has(s)),
        never: everyState.filter((s) => !reachedStates.has(s)),
      },
      transitions: {
        reached: every.filter((t) => reachedTransitions.has(t)),
        never: every.filter((t) => !reachedTransitions.has(t)),
      },
    };
  });
}
