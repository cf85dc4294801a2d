/**
 * MASM that ml64/ml accept and llvm-ml 14 reads otherwise (pure). kmdll assembles a repaired
 * copy (line numbers kept) and warns at each line it changed:
 *  - `EXTRN`, MASM's synonym of `EXTERN` ("EXTERN", MASM directives reference), which llvm-ml
 *    does not know ("unexpected token in argument list"): the copy says `extern`. OpenXT's
 *    xenutil declares `extrn hypercall_page:near`.
 *  - On x64, a memory operand naming an external symbol (`mov eax, dword ptr [Counter]`): ml64
 *    addresses it relative to RIP; llvm-ml 14 emits a 32-bit absolute address (an
 *    IMAGE_REL_AMD64_ADDR32 relocation), wrong once the driver is loaded above 4 GB. The copy
 *    says `[rip + Counter]`, which llvm-ml assembles as ml64 assembles the original. Only operands
 *    made of the name and a constant offset are rewritten (an index register cannot go with RIP).
 */
export interface MasmFix {
  line: number;
  what: "extrn" | "rip";
}

const DIRECTIVE = /^(\s*)(extrn|extern)(\s+)(.*)$/i;

export function masmCompat(text: string, arch: "x64" | "x86" | "arm64"): { text: string; fixes: MasmFix[] } | undefined {
  const lines = text.split("\n");
  const fixes: MasmFix[] = [];
  const externs = new Set<string>();
  for (const l of lines) {
    const m = DIRECTIVE.exec(l.replace(/;.*$/, ""));
    if (m) for (const d of m[4]!.split(",")) {
      const name = /^\s*([A-Za-z_$?@][\w$?@]*)/.exec(d)?.[1];
      if (name) externs.add(name);
    }
  }
  const names = [...externs].map((n) => n.replace(/[$?@]/g, "\\$&"));
  const operand = names.length ? new RegExp(`\\[\\s*(${names.join("|")})(\\s*(?:[+-]\\s*(?:0x[0-9a-f]+|[0-9][0-9a-f]*h?)\\s*)?)\\]`, "gi") : undefined;
  const out = lines.map((l, i) => {
    const [code, comment = ""] = splitComment(l);
    const m = /^(\s*)extrn(\s)/i.exec(code);
    if (m) {
      fixes.push({ line: i + 1, what: "extrn" });
      return `${m[1]}extern${m[2]}${code.slice(m[0].length)}${comment}`;
    }
    if (arch !== "x64" || !operand || DIRECTIVE.test(code)) return l;
    const fixed = code.replace(operand, (_all, name: string, offset: string) => `[rip + ${name}${offset}]`);
    if (fixed === code) return l;
    fixes.push({ line: i + 1, what: "rip" });
    return fixed + comment;
  });
  return fixes.length ? { text: out.join("\n"), fixes } : undefined;
}

function splitComment(l: string): [string, string] {
  const i = l.indexOf(";");
  return i < 0 ? [l, ""] : [l.slice(0, i), l.slice(i)];
}
