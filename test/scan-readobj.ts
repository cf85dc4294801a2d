/** Test helper: the imports and exports of PE files as llvm-readobj (an independent tool) lists them. */
import { tool } from "./helpers.js";

export interface ReadobjImage {
  /** DLL name → imported names ("#N" for an ordinal import), in table order (delay imports under "delay:" + name). */
  imports: Map<string, string[]>;
  /** Exported names (non-empty Name: lines). */
  exportNames: string[];
  /** Exported ordinals. */
  exportOrdinals: number[];
}

/** Parse `llvm-readobj --coff-imports --coff-exports` output of one or more files. */
export function parseReadobj(text: string): Map<string, ReadobjImage> {
  const out = new Map<string, ReadobjImage>();
  let cur: ReadobjImage | undefined;
  let block: "import" | "delay" | "export" | undefined;
  let dll = "";
  let pendingOrdinal = 0;
  let pendingName = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    let m: RegExpMatchArray | null;
    if ((m = /^File: (.*)$/.exec(line))) {
      cur = { imports: new Map(), exportNames: [], exportOrdinals: [] };
      out.set(m[1]!, cur);
    } else if (line === "Import {") block = "import";
    else if (line === "DelayImport {") block = "delay";
    else if (line === "Export {") block = "export";
    else if (line === "}") block = undefined;
    else if (cur && block && (m = /^  Name: ?(.*)$/.exec(line))) {
      if (block === "export") {
        if (m[1]) cur.exportNames.push(m[1]);
        pendingName = m[1] ?? "";
      } else {
        dll = (block === "delay" ? "delay:" : "") + m[1]!;
        if (!cur.imports.has(dll)) cur.imports.set(dll, []);
      }
    } else if (cur && block === "export" && (m = /^  Ordinal: (\d+)$/.exec(line))) pendingOrdinal = Number(m[1]);
    else if (cur && block === "export" && (m = /^  RVA: (0x[0-9A-Fa-f]+)$/.exec(line))) {
      // An empty slot (RVA 0) is not an export; llvm-readobj lists it, the loader cannot use it.
      if (Number(m[1]) === 0) {
        if (pendingName) cur.exportNames.pop();
      } else cur.exportOrdinals.push(pendingOrdinal);
    }
    else if (cur && (block === "import" || block === "delay") && (m = /^  Symbol: (.*) \((\d+)\)$/.exec(line))) {
      cur.imports.get(dll)!.push(m[1] ? m[1] : `#${m[2]}`);
    }
  }
  return out;
}

/** Run llvm-readobj on files (each separately, so one file it rejects does not hide the others). */
export function readobj(files: string[], cwd?: string): Map<string, ReadobjImage | null> {
  const out = new Map<string, ReadobjImage | null>();
  for (const f of files) {
    const r = tool("llvm-readobj", ["--coff-imports", "--coff-exports", f], { allowFail: true, ...(cwd ? { cwd } : {}) });
    if (r.status !== 0) {
      out.set(f, null);
      continue;
    }
    const parsed = [...parseReadobj(r.stdout).values()][0];
    out.set(f, parsed ?? null);
  }
  return out;
}
