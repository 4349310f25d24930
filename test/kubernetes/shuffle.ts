/** A seeded Fisher–Yates shuffle: the order looks random but a failure replays the same way. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed * 2_654_435_761 || 1;
  const next = () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
