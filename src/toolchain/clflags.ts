/**
 * cl.exe options as real `sources` files write them (in C_DEFINES, USER_C_FLAGS,
 * MSC_WARNING_LEVEL, MSC_OPTIMIZATION) → clang driver options (pure). kmdll compiles with clang's
 * GNU-style driver (see docs/build.md, "cl options"): each cl option is translated, dropped
 * silently when it only tunes cl's own output (/nologo, /Zi, warning numbers), or dropped with a
 * warning when it changes the code and clang has no equivalent. GNU-style options pass through.
 */
import type { Arch } from "./sources.js";
import { defaultCallArgs } from "./call-convention.js";

export interface ClToken {
  text: string;
  line: number;
  col: number;
  file?: string;
}

export interface ClTranslation {
  /** clang options, in order. */
  args: string[];
  /** `/I` folders, as written (the loader resolves and checks them). */
  includes: ClToken[];
  /** `/FI` files, as written. */
  forceIncludes: ClToken[];
  warnings: { at: ClToken; message: string }[];
}

/**
 * cl's argument unquoting (the MSVC C runtime rules, simplified): `\"` is a literal quote, other
 * quotes group and are removed. `/D__NAME__=\"x\"` defines __NAME__ as "x"; `-DA="B|C"` as B|C.
 */
export function unquoteCl(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === '"') {
      out += '"';
      i++;
    } else if (s[i] !== '"') out += s[i];
  }
  return out;
}

/** cl options that only affect cl's own output, diagnostics or build speed: dropped silently. */
const SILENT = /^(nologo|Z[i7I]|Zl|Zc:.*|Gy-?|GF-?|Gm-?|FC|FS|MP\d*|Fd.*|Fo.*|Fp.*|Fa.*|Fe.*|FR.*|Fr.*|FD|W[0-4]|Wall|WX-?|wd\d+|we\d+|wo\d+|w[1-4]\d+|analyze.*|errorReport:.*|diagnostics:.*|sdl-?|Oi-?|Oy-?|Ob\d|Ot|GL-?|kernel-?|guard:.*|Qspectre-?|cbstring|d1.*|d2.*|hotpatch|Zp?|c|bigobj|utf-8|source-charset:.*|execution-charset:.*|external:.*|experimental:.*|permissive-?|Gs\d*|GR-?|EH[a-z-]*|TC|MT|MD|MTd|MDd|LD|LDd|showIncludes|QIfist|Qpar|Qimprecise_fwaits|Zo-?)$/;

/** Translate cl options (and pass GNU-style ones through) for one arch. */
export function translateClFlags(tokens: readonly ClToken[], arch: Arch): ClTranslation {
  const out: ClTranslation = { args: [], includes: [], forceIncludes: [], warnings: [] };
  const warn = (at: ClToken, message: string) => out.warnings.push({ at, message });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const text = unquoteCl(t.text);
    if (!/^[/-]/.test(text)) {
      warn(t, `'${t.text}' is not an option; ignored`);
      continue;
    }
    const body = text.slice(1);
    // Options with a separate or attached argument.
    const arg = (prefix: string): string | undefined => {
      if (body === prefix) {
        const next = tokens[i + 1];
        if (!next) return "";
        i++;
        return unquoteCl(next.text);
      }
      return body.startsWith(prefix) ? body.slice(prefix.length) : undefined;
    };
    let v: string | undefined;
    if ((v = arg("D")) !== undefined) {
      if (v) out.args.push(`-D${v.replace(/#/, "=")}`);
      continue;
    }
    if ((v = arg("U")) !== undefined) {
      if (v) out.args.push(`-U${v}`);
      continue;
    }
    if (text.startsWith("/") && (v = arg("I")) !== undefined) {
      if (v) out.includes.push({ ...t, text: v });
      continue;
    }
    if (text.startsWith("-I")) {
      const p = body.slice(1) || (tokens[++i] ? unquoteCl(tokens[i]!.text) : "");
      if (p) out.includes.push({ ...t, text: p });
      continue;
    }
    if ((v = arg("FI")) !== undefined) {
      if (v) out.forceIncludes.push({ ...t, text: v });
      continue;
    }
    if (text.startsWith("/")) {
      if (body === "W0" || body === "w") out.args.push("-w");
      else if (body === "Od") out.args.push("-O0");
      else if (body === "O1" || body === "Os") out.args.push("-Os");
      else if (body === "O2" || body === "Ox") out.args.push("-O2");
      else if (body === "J") out.args.push("-funsigned-char");
      else if (body === "Gz" || body === "Gd") {
        // x86 only, as cl ignores them elsewhere (Learn, "/Gd, /Gr, /Gv, /Gz"); call-convention.ts.
        if (arch === "x86") out.args.push(...defaultCallArgs(body === "Gz" ? "stdcall" : "cdecl"));
      } else if (body === "Gr") {
        if (arch === "x86") warn(t, "/Gr (fastcall by default) has no clang equivalent; ignored");
      } else if (/^Zp(1|2|4|8|16)$/.test(body)) out.args.push(`-fpack-struct=${body.slice(2)}`);
      else if (body === "TP") out.args.push("-x", "c++");
      else if (body === "GS") warn(t, "/GS: kmdll does not emit stack cookies (no BufferOverflowK.lib; -fno-stack-protector); ignored");
      else if (body === "GS-") continue;
      else if (body === "X") warn(t, "/X (ignore the standard include path) is not supported: kmdll needs mingw-w64's DDK headers; ignored");
      else if (SILENT.test(body)) continue;
      else warn(t, `cl option '${t.text}' has no clang equivalent in kmdll; ignored`);
      continue;
    }
    out.args.push(text); // GNU-style (-O2, -Wall, -mstack-arg-probe, ...)
  }
  return out;
}
