// The workers of a split exploration (src/explore/split-worker.ts) exchange each level directly,
// not through the coordinating thread: a MessageChannel between each two of them, and a shared
// word per (sender, receiver) that counts the sender's messages, so that the receiver can wait
// for the next one synchronously (Atomics.wait, then receiveMessageOnPort) inside its search.
// Through the coordinator, a level took four messages one after the other, each waking a
// sleeping thread: on bench's part 4 space (33 levels) the coordinator waited about 130 ms more
// than the workers worked (2026-12-03, instrumented).
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { mailWord, type PeerMessage } from './split-protocol';

/** How long a waiting worker spins before it sleeps (ms), when it may spin at all: a level's
 *  imbalance between two workers is a few milliseconds, and a thread woken from sleep on another
 *  core comes back late. */
const SPIN_MS = 2;

/** How long a worker sleeps at a time while it waits (ms): it bumps its heartbeat between two,
 *  so that the coordinator sees it alive. */
const NAP_MS = 50;

/** One worker's channels to its peers. */
export class PeerLinks {
  /** Milliseconds spent waiting for peers' messages, not counting idle work (idleMs). */
  waitMs = 0;
  /** Milliseconds of idle work done while waiting (take()'s `idle`). */
  idleMs = 0;

  /** `ports[q]`: the channel to worker q (null for itself); `mail`, `beat`: the shared words
   *  (SplitWorkerData); `spin`: whether to spin before sleeping. */
  constructor(
    private readonly me: number,
    private readonly ports: readonly (MessagePort | null)[],
    private readonly mail: Int32Array,
    private readonly beat: Int32Array,
    private readonly spin: boolean,
  ) {}

  /** Posts `m` to worker q and wakes it if it waits.
   *  @throws Error when q is this worker or has no channel (a bug). */
  post(q: number, m: PeerMessage): void {
    this.portTo(q).postMessage(m);
    const word = mailWord(this.me, q, this.ports.length);
    Atomics.add(this.mail, word, 1);
    Atomics.notify(this.mail, word);
  }

  /** The next message from worker q, waiting for it as long as it takes (a peer that failed or
   *  died is the coordinator's to see: it then ends every worker). Until it comes, calls `idle`
   *  (one small piece of work a call; false: none left) as long as it finds work.
   *  @throws Error when q has no channel, or its message is not of `type`. */
  take<T extends PeerMessage['type']>(q: number, type: T, idle: () => boolean): Extract<PeerMessage, { type: T }> {
    const port = this.portTo(q);
    const word = mailWord(q, this.me, this.ports.length);
    const started = performance.now();
    let idleMs = 0;
    let work: (() => boolean) | null = idle;
    for (;;) {
      const seen = Atomics.load(this.mail, word);
      const got = receiveMessageOnPort(port) as { message: PeerMessage } | undefined;
      if (got !== undefined) {
        this.waitMs += performance.now() - started - idleMs;
        this.idleMs += idleMs;
        if (got.message.type !== type)
          throw new Error(`split: expected '${type}' of worker ${q}, got '${got.message.type}'`);
        return got.message as Extract<PeerMessage, { type: T }>;
      }
      if (work !== null) {
        const t = performance.now();
        let more = true;
        while (more && Atomics.load(this.mail, word) === seen) more = work();
        idleMs += performance.now() - t;
        if (Atomics.load(this.mail, word) !== seen) continue;
        work = null;
      }
      if (!this.spin || !this.spun(word, seen, started + idleMs)) {
        Atomics.wait(this.mail, word, seen, NAP_MS);
        Atomics.add(this.beat, this.me, 1);
      }
    }
  }

  /** The channel to worker q.
   *  @throws Error when q is this worker or has no channel (a bug). */
  private portTo(q: number): MessagePort {
    const port = this.ports[q];
    if (port === undefined || port === null) throw new Error(`split: no channel to worker ${q}`);
    return port;
  }

  /** Spins until `word` is no longer `seen` (true) or SPIN_MS have passed since `started`. */
  private spun(word: number, seen: number, started: number): boolean {
    for (let k = 1; ; k++) {
      if (Atomics.load(this.mail, word) !== seen) return true;
      if ((k & 0x3ff) === 0 && performance.now() - started > SPIN_MS) return false;
    }
  }
}
