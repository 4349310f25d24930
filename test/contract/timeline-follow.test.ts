import { describe, expect, it } from 'vitest';
import { unseenEntries } from '../../src/contract/index.ts';

const entry = (seq: number) => ({ seq, message: `entry ${seq}` });

describe('followers of a bounded timeline', () => {
  it('see every new entry once, even when old ones are elided and the length stops growing', () => {
    const seen = { count: 0, lastSeq: 0 };
    expect(unseenEntries([entry(1), entry(2), entry(3)], seen).map((e) => e.seq)).toEqual([1, 2, 3]);
    // Full: the oldest are elided as new ones arrive, so the array keeps its length.
    expect(unseenEntries([entry(1), entry(3), entry(4)], seen).map((e) => e.seq)).toEqual([4]);
    expect(unseenEntries([entry(1), entry(4), entry(5)], seen).map((e) => e.seq)).toEqual([5]);
    expect(unseenEntries([entry(1), entry(4), entry(5)], seen)).toEqual([]);
  });

  it('read entries without a sequence number (older incidents) by position', () => {
    const seen = { count: 0, lastSeq: 0 };
    const old = (...messages: string[]): Array<{ message: string; seq?: number }> =>
      messages.map((message) => ({ message }));
    expect(unseenEntries(old('a', 'b'), seen)).toHaveLength(2);
    expect(unseenEntries(old('a', 'b', 'c'), seen)).toEqual([{ message: 'c' }]);
  });

  it('a follower that knows only how many entries it has seen starts from that position, then follows by sequence', () => {
    const seen = { count: 2, lastSeq: -1 };
    expect(unseenEntries([entry(1), entry(2), entry(3)], seen).map((e) => e.seq)).toEqual([3]);
    expect(unseenEntries([entry(1), entry(3), entry(4)], seen).map((e) => e.seq)).toEqual([4]);
  });
});
