// The cache of tuples a split worker sent to a peer (src/explore/split-sent.ts) against a Map of
// each tuple's latest value: a cache of 16 entries, so that tuples keep pushing one another out.
// What it must never do is answer for a tuple it was not given, or with a value that is not the
// tuple's latest: the worker would then drop a record the peer needs, or link a successor to
// another state.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOT_SENT, SentTuples } from '../src/explore/split-sent';
import { hashTuple } from '../src/explore/table';

type Op =
  { op: 'send'; tuple: number[] } | { op: 'settle'; tuple: number[]; id: number } | { op: 'ask'; tuple: number[] };

const WIDTH = 3;
const tuple = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: WIDTH, maxLength: WIDTH });
const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('send' as const), tuple }),
    fc.record({ op: fc.constant('settle' as const), tuple, id: fc.integer({ min: 0, max: 1000 }) }),
    fc.record({ op: fc.constant('ask' as const), tuple }),
  ),
  { minLength: 100, maxLength: 400, size: 'max' },
);

describe('SentTuples', () => {
  it("answers NOT_SENT or a tuple's latest value, at once after remember() its value, and settles only its own entry", () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const sent = new SentTuples(WIDTH, 4);
        const latest = new Map<string, number>();
        const entryOf = new Map<string, { entry: number; record: number }>();
        const check = (key: string, t: Int32Array) => {
          const got = sent.lookup(t);
          if (got !== NOT_SENT) expect(got).toBe(latest.get(key));
          return got;
        };
        let records = 0;
        for (const o of list) {
          const t = Int32Array.from(o.tuple);
          const key = o.tuple.join(',');
          const got = check(key, t);
          if (o.op === 'send') {
            // As a worker does: record k's tuple kept with ~k (each k once).
            const record = ~records++;
            entryOf.set(key, { entry: sent.remember(t, record), record });
            latest.set(key, record);
            expect(sent.lookup(t)).toBe(record);
          } else if (o.op === 'settle') {
            // The peer's id for the record, whether or not its tuple is still in the cache.
            const sentAs = entryOf.get(key);
            if (sentAs === undefined) continue;
            sent.settle(sentAs.entry, sentAs.record, o.id);
            if (got === sentAs.record) latest.set(key, o.id);
            entryOf.delete(key);
          }
        }
        for (const key of latest.keys()) check(key, Int32Array.from(key.split(',').map(Number)));
      }),
    );
  });

  it('tells apart two tuples of one hash', () => {
    // Found by search: the same 32-bit hash, so the same entry.
    const a = Int32Array.from([16927, 36454, 49243]);
    const b = Int32Array.from([43293, 53131, 44258]);
    expect(hashTuple(a, 0, WIDTH, 0x2545f491)).toBe(hashTuple(b, 0, WIDTH, 0x2545f491));
    const sent = new SentTuples(WIDTH, 4);
    sent.lookup(a);
    sent.remember(a, 7);
    expect(sent.lookup(b)).toBe(NOT_SENT);
    expect(sent.lookup(a)).toBe(7);
  });
});
