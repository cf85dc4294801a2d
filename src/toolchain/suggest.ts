/** "Did you mean" hints for misspelt names (pure). */

/** Levenshtein distance (for "did you mean" hints). */
export function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** The closest of candidates to name (case-insensitive, distance ≤ 2), if any. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const dist = editDistance(name.toUpperCase(), c.toUpperCase());
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best;
}
