// Snapshot ids across the threads of one split exploration (src/explore/split.ts). Each thread's
// Engine interns snapshots in the order it meets them, so the same snapshot can have different
// ids in two threads. Every snapshot after the start state is the result of one cached actor step
// (actor a, snapshot `from`, event `event`): its derivation. A thread sends its new derivations
// (and new events, as objects) with the tuples it sends; the receiver replays each derivation on
// its own engine (a cached step, or one XState step) to find its own id for the snapshot.
import { ACTORS } from '../../machines/system';
import type { AnyEvent } from '../events';
import { CanonicalMemo } from '../util/canonical';
import type { Engine } from './engine';
import { grown, Int32List } from './typed';

/** What one thread learnt since it last reported: derivations as (actor, id, from, event) quads
 *  of its own ids, and the events it interned, from id `eventBase` on. */
export interface IdNews {
  derivations: Int32Array;
  eventBase: number;
  events: AnyEvent[];
}

/** A thread's own new snapshots and events, reported as IdNews. Ids below `base` (per actor:
 *  the ones interned before the search, identically in every thread) need no derivation. */
export class DerivationLog {
  private readonly known: number[];
  /** How many of the stepper's steps (every actor's: stepAt) were already scanned. */
  private scanned = 0;
  private eventsKnown: number;

  constructor(private readonly engine: Engine) {
    this.known = ACTORS.map((_, a) => engine.stepper.snaps[a]?.length ?? 0);
    this.eventsKnown = engine.stepper.events.length;
  }

  /** The derivations of the snapshots and the events interned since the last call: one pass
   *  over the steps taken since (a step to a snapshot new since then derives it, the first one).
   *  @throws Error when a new snapshot was not made by an actor step (a bug). */
  news(): IdNews {
    const st = this.engine.stepper;
    const out = new Int32List(64);
    const fresh = ACTORS.map((_, a) => new Uint8Array((st.snaps[a]?.length ?? 0) - (this.known[a] ?? 0)));
    for (let k = this.scanned; k < st.stepCount; k++) {
      const s = st.stepAt(k);
      const seen = s === undefined ? undefined : fresh[s.actor];
      if (s === undefined || seen === undefined) continue;
      const at = s.next - (this.known[s.actor] ?? 0);
      if (at < 0 || at >= seen.length || seen[at] === 1) continue;
      seen[at] = 1;
      out.push(s.actor);
      out.push(s.next);
      out.push(s.from);
      out.push(s.event);
    }
    this.scanned = st.stepCount;
    fresh.forEach((seen, a) => {
      if (seen.includes(0)) throw new Error(`split: a snapshot of ${ACTORS[a]} has no derivation`);
      this.known[a] = (this.known[a] ?? 0) + seen.length;
    });
    const eventBase = this.eventsKnown;
    const events = st.events.slice(eventBase);
    this.eventsKnown = st.events.length;
    return { derivations: out.data.slice(0, out.length), eventBase, events };
  }
}

/** Translates another thread's snapshot ids into this thread's (its `engine`'s). */
export class PeerIds {
  /** Per actor: the peer's id → (from, event) of its derivation, two ints each (-1: none). */
  private readonly deriv: Int32List[] = ACTORS.map(() => new Int32List(256));
  /** Per actor: the peer's id → this thread's id (-1: not resolved yet). */
  private mine: Int32Array[];
  private events = new Int32Array(256).fill(-1);

  constructor(
    private readonly engine: Engine,
    base: readonly number[],
  ) {
    // Before the search both threads interned the same snapshots in the same order.
    this.mine = ACTORS.map((_, a) => {
      const m = new Int32Array(Math.max(256, (base[a] ?? 0) * 2)).fill(-1);
      for (let i = 0; i < (base[a] ?? 0); i++) m[i] = i;
      return m;
    });
    const st = engine.stepper;
    for (let e = 0; e < st.events.length; e++) this.setEvent(e, e);
  }

  private setEvent(peer: number, mine: number): void {
    if (peer >= this.events.length) {
      const g = new Int32Array(Math.max(peer + 1, this.events.length * 2)).fill(-1);
      g.set(this.events);
      this.events = g;
    }
    this.events[peer] = mine;
  }

  /** Takes in what the peer learnt (its reports, in the order it made them). */
  learn(n: IdNews): void {
    const st = this.engine.stepper;
    n.events.forEach((ev, k) => this.setEvent(n.eventBase + k, st.internEvent(ev)));
    const d = n.derivations;
    for (let k = 0; k + 3 < d.length; k += 4) {
      const a = d[k] ?? 0;
      const id = d[k + 1] ?? 0;
      const list = this.deriv[a];
      if (list === undefined) continue;
      while (list.length < 2 * (id + 1)) list.push(-1);
      list.data[2 * id] = d[k + 2] ?? 0;
      list.data[2 * id + 1] = d[k + 3] ?? 0;
    }
  }

  /** This thread's id for the peer's snapshot `id` of actor a (replaying its derivation).
   *  @throws Error for an id the peer never reported (a bug). */
  resolve(a: number, id: number): number {
    const m = this.mine[a];
    if (m === undefined) throw new Error(`split: no actor ${a}`);
    if (id < m.length) {
      const known = m[id] ?? -1;
      if (known >= 0) return known;
    } else {
      const g = new Int32Array(Math.max(id + 1, m.length * 2)).fill(-1);
      g.set(m);
      this.mine[a] = g;
    }
    const list = this.deriv[a];
    const from = list?.data[2 * id] ?? -1;
    const ev = list?.data[2 * id + 1] ?? -1;
    const myEv = this.events[ev] ?? -1;
    if (list === undefined || 2 * id >= list.length || from < 0 || myEv < 0)
      throw new Error(`split: snapshot ${id} of ${ACTORS[a]} was never reported`);
    const mine = this.engine.stepper.stepIds(a, this.resolve(a, from), myEv).next;
    // The recursion may have grown the array: store into the current one.
    const now = this.mine[a];
    if (now !== undefined) now[id] = mine;
    return mine;
  }

  /** Translates a tuple of the peer's (width ints from `src[at]`) into `out`, in place. */
  tuple(src: Int32Array, at: number, out: Int32Array): void {
    for (let k = 0; k < out.length; k++) out[k] = src[at + k] ?? 0;
    for (let a = 0; a < ACTORS.length; a++) out[a] = this.resolve(a, out[a] ?? 0);
  }
}

/** A hash of each snapshot's contents, the same in every thread: which thread owns a state.
 *  Computed for the snapshots asked about only (by memory, those of a size two workers share). */
export class SnapshotHashes {
  private readonly memo = new CanonicalMemo();
  /** Per actor, per snapshot id: its hash, and whether it was computed. */
  private readonly hashes: Int32Array<ArrayBuffer>[] = ACTORS.map(() => new Int32Array(256));
  private readonly known: Uint8Array<ArrayBuffer>[] = ACTORS.map(() => new Uint8Array(256));

  constructor(private readonly engine: Engine) {}

  /** The hash of snapshot `id` of actor a (0 for an actor index out of range). */
  of(a: number, id: number): number {
    let known = this.known[a];
    if (known === undefined) return 0;
    if (id >= known.length) {
      known = this.known[a] = grown(known, id + 1);
      this.hashes[a] = grown(this.hashes[a] ?? new Int32Array(0), id + 1);
    }
    const hashes = this.hashes[a];
    if (hashes === undefined) return 0;
    if (known[id] === 0) {
      const snap = this.engine.stepper.snapshot(a, id);
      hashes[id] = fnv(`${this.memo.key(snap.value)}|${this.memo.key(snap.context)}`);
      known[id] = 1;
    }
    return hashes[id] ?? 0;
  }
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
