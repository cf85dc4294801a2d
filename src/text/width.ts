/** Column widths for text tables, without spreading a list into Math.max (which overflows the stack past ~100k items). Pure. */
export function widest(items: Iterable<string>, min = 0): number {
  let w = min;
  for (const s of items) if (s.length > w) w = s.length;
  return w;
}
