/**
 * RUN_WPP without the WDK's tracewpp (pure). A project that uses WPP software tracing includes a
 * `<source>.tmh` that tracewpp generates from its sources; kmdll writes one stub per source in
 * which the WPP control macros and every trace function (DoTraceMessage, `-func:` names, `FUNC`
 * lines of `-scan:` headers' `begin_wpp config` blocks) expand to nothing. The driver builds and
 * runs; its WPP trace messages are not emitted (there is no ETW session to receive them anyway).
 */

export interface WppScan {
  path: string;
  line: number;
  col: number;
  inFile?: string;
}

export interface WppSpec {
  /** Trace function names from `-func:Name(…)` options. */
  funcs: string[];
  /** Headers named by `-scan:` whose `begin_wpp config` blocks declare more trace functions. */
  scans: WppScan[];
}

interface WppToken {
  text: string;
  line: number;
  col: number;
  file?: string;
}

/** The RUN_WPP words → the trace function names and scanned headers (source file names are ignored: every source gets a stub). */
export function parseRunWpp(tokens: WppToken[]): WppSpec {
  const funcs: string[] = [];
  const scans: WppScan[] = [];
  for (const t of tokens) {
    const w = t.text.replace(/^"|"$/g, "");
    const f = /^[-/]func:\(*\s*([A-Za-z_]\w*)/i.exec(w);
    if (f) {
      if (!funcs.includes(f[1]!)) funcs.push(f[1]!);
      continue;
    }
    const s = /^[-/]scan:(.+)$/i.exec(w);
    if (s) scans.push({ path: s[1]!.replace(/\\/g, "/"), line: t.line, col: t.col, ...(t.file !== undefined ? { inFile: t.file } : {}) });
  }
  return { funcs, scans };
}

/** The trace functions a `-scan:` header declares: `FUNC Name(…)` lines inside `begin_wpp config` … `end_wpp`. */
export function scannedFuncs(text: string): string[] {
  const out: string[] = [];
  const re = /begin_wpp\s+config([\s\S]*?)end_wpp/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    for (const f of m[1]!.matchAll(/\bFUNC\s+([A-Za-z_]\w*)/g)) if (!out.includes(f[1]!)) out.push(f[1]!);
  }
  return out;
}

/** WPP's own macros that a driver calls directly. */
const WPP_MACROS = ["WPP_INIT_TRACING", "WPP_CLEANUP", "WPP_SYSTEMCONTROL", "WPP_SYSTEMCONTROL2", "DoTraceMessage", "DoTraceLevelMessage", "DoDebugTrace"];

/** The text of a `.tmh` stub for one source. */
export function tmhStub(source: string, funcs: string[]): string {
  const lines = [
    `/* ${source.replace(/\*\//g, "* /")}: WPP trace header written by kmdll (no tracewpp): WPP calls compile to nothing. */`,
    "#ifndef KMDLL_WPP_STUB_H",
    "#define KMDLL_WPP_STUB_H",
  ];
  for (const name of [...WPP_MACROS, ...funcs.filter((f) => !WPP_MACROS.includes(f))]) {
    lines.push(`#ifndef ${name}`, `#define ${name}(...) ((void)0)`, "#endif");
  }
  lines.push("#ifndef WPP_LEVEL_ENABLED", "#define WPP_LEVEL_ENABLED(...) 0", "#endif", "#endif", "");
  return lines.join("\n");
}
