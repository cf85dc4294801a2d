/** Generates large .def files for the implib tests and benchmark (shared; not a test itself). */

/**
 * A .def with `n` exports mixing the features an import library must handle: plain names,
 * ordinals, NONAME, DATA, CONSTANT, PRIVATE and stdcall-decorated names. Deterministic.
 */
export function generateLargeDef(n: number, library = "big.sys"): string {
  const lines = [`; generated: ${n} exports`, `LIBRARY ${library}`, "EXPORTS", "  DllInitialize PRIVATE", "  DllUnload PRIVATE"];
  for (let i = 0; i < n; i++) {
    let l = i % 5 === 0 ? `  Stdcall${i}@${(i % 8) * 4}` : `  Export_${i.toString(36)}_${i}`;
    if (i % 3 === 0) l += ` @${i + 1}`;
    if (i % 21 === 0) l += " NONAME";
    if (i % 11 === 0) l += " DATA";
    else if (i % 17 === 0) l += " CONSTANT";
    if (i % 13 === 0) l += " PRIVATE";
    lines.push(l);
  }
  return lines.join("\n") + "\n";
}
