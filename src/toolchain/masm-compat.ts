/**
 * MASM that ml64/ml accept and llvm-ml 14 does not (pure): the `EXTRN` spelling of `EXTERN`
 * ("EXTRN is a synonym for EXTERN", MASM directives reference). OpenXT's xenutil declares
 * `extrn hypercall_page:near`; llvm-ml stops with "unexpected token in argument list".
 * kmdll assembles a copy with `extern` (the rest of the line, and every other line, unchanged).
 */
export function masmCompat(text: string): { text: string; lines: number[] } | undefined {
  const lines: number[] = [];
  const out = text.split("\n").map((l, i) => {
    const m = /^(\s*)extrn(\s)/i.exec(l);
    if (!m) return l;
    lines.push(i + 1);
    return `${m[1]}extern${m[2]}${l.slice(m[0].length)}`;
  });
  return lines.length ? { text: out.join("\n"), lines } : undefined;
}
