// The exploration's budget: how many states, how many bytes, and whether the user pressed Ctrl-C
// (docs/design.md §6 "Exploration and test paths"). The search asks poll() every 1,024 states
// and full() after every state; either one stopping it makes the verdicts 'incomplete'.
import { getHeapStatistics } from 'node:v8';

/** Why the search ended: it ran out of states to visit ('done'), or the budget stopped it. */
export type StopReason = 'done' | 'max-states' | 'max-memory' | 'interrupted';

/** The limits ExploreOptions sets. */
export interface BudgetLimits {
  /** Stop once this many states are known (default 5,000,000). */
  maxStates?: number;
  /** Stop when the heap, plus the typed arrays held outside it, grows by more than this many bytes. */
  maxMemoryBytes?: number;
  /** True stops the search (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Told the number of states known, every 1,024 states. */
  onProgress?: (states: number) => void;
}

/** BudgetLimits.maxStates when none is given. */
export const DEFAULT_MAX_STATES = 5_000_000;

/** States visited between two polls (a power of two: the search tests `(i & POLL_MASK) === 0`). */
export const POLL_MASK = 0x3ff;

/** Bytes of the JS heap in use (process.memoryUsage().heapUsed, without the resident set size that
 *  call reads from /proc too: 80 us a call on a large exploration, 1% of its time at a poll every
 *  1,024 states; this takes under a microsecond). */
const heapUsed = (): number => getHeapStatistics().used_heap_size;

/** One search's budget: the limits, and the heap in use when the search began. */
export class Budget {
  private readonly maxStates: number;
  private memoryAtStart = heapUsed();

  constructor(private readonly limits: BudgetLimits) {
    this.maxStates = limits.maxStates ?? DEFAULT_MAX_STATES;
  }

  /** The memory budget in bytes (--max-memory), or null for none. */
  get maxMemoryBytes(): number | null {
    return this.limits.maxMemoryBytes ?? null;
  }

  /** The search begins: the heap grows from here (the engine and the start state are built). */
  start(): void {
    this.memoryAtStart = heapUsed();
  }

  /** Every 1,024 states: reports progress, then stops for Ctrl-C or for memory. `heldBytes` is what
   *  the search holds outside the JS heap (the visited set, parent links, kept edges, the caches),
   *  asked only when a memory budget is set. Returns null to go on. */
  poll(states: number, heldBytes: () => number): StopReason | null {
    this.limits.onProgress?.(states);
    if (this.limits.shouldStop?.()) return 'interrupted';
    const max = this.limits.maxMemoryBytes;
    if (max !== undefined && heapUsed() + heldBytes() - this.memoryAtStart > max) return 'max-memory';
    return null;
  }

  /** After visiting state `visited` (an index): the state limit is reached while states remain. */
  full(visited: number, states: number): boolean {
    return states >= this.maxStates && visited + 1 < states;
  }
}
