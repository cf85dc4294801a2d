/**
 * Test helper: what llvm-readobj (an independent implementation) says about PE files.
 * Runs `llvm-readobj --file-headers --sections --coff-exports --coff-imports` over many files per
 * invocation and parses its indented "Key: value" / "Scope {" / "List [" output into a tree.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parsePe, type PeImage } from "../src/formats/pe/index.js";
import { FormatError } from "../src/errors.js";

export interface RoNode {
  key: string;
  value: string;
  children: RoNode[];
}

/** Parse llvm-readobj's LLVM-style scoped output into a tree (one root per "File:"). */
export function parseTree(text: string): RoNode {
  const root: RoNode = { key: "", value: "", children: [] };
  const stack: RoNode[] = [root];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const top = stack[stack.length - 1]!;
    if (line === "}" || line === "]") {
      if (stack.length > 1) stack.pop();
      continue;
    }
    // "Key {", "Key [", "Characteristics [ (0x22)"
    const open = /^(.*?) ([{[])(?: (.*))?$/.exec(line);
    if (open && !line.includes(": ")) {
      const node: RoNode = { key: open[1]!, value: open[3] ?? "", children: [] };
      top.children.push(node);
      stack.push(node);
      continue;
    }
    const kv = /^([^:]+): ?(.*)$/.exec(line);
    if (kv) top.children.push({ key: kv[1]!, value: kv[2]!, children: [] });
    else top.children.push({ key: "", value: line, children: [] });
  }
  return root;
}

export interface RoExport {
  ordinal: number;
  name: string;
  rva: number;
}
export interface RoImportModule {
  dll: string;
  delay: boolean;
  /** by name: {name, hint}; by ordinal: {name: "", hint: ordinal}. */
  symbols: { name: string; num: number }[];
}
export interface RoImage {
  file: string;
  machine: number;
  subsystem: number;
  exportRva: number;
  exportSize: number;
  sections: string[];
  exports: RoExport[];
  imports: RoImportModule[];
  /** Options llvm-readobj could not process for this file (see runReadobj). */
  failed: { option: string; error: string }[];
}

const num = (s: string): number => {
  const m = /\((0x[0-9A-Fa-f]+)\)\s*$/.exec(s) ?? /^(0x[0-9A-Fa-f]+|\d+)/.exec(s);
  if (!m) throw new Error(`llvm-readobj: no number in "${s}"`);
  return Number(m[1]);
};

function field(n: RoNode, key: string): RoNode | undefined {
  return n.children.find((c) => c.key === key);
}

/** "Symbol: Name (123)" → {name, num}. */
function symbol(v: string): { name: string; num: number } {
  const m = /^(.*?) ?\((\d+)\)$/.exec(v);
  if (!m) throw new Error(`llvm-readobj: unexpected Symbol line "${v}"`);
  return { name: m[1]!, num: Number(m[2]) };
}

/** Split the output into files and extract the fields compared by the tests. */
export function parseImages(text: string): Map<string, RoImage> {
  const out = new Map<string, RoImage>();
  const chunks = text.split(/^File: /m).slice(1);
  for (const chunk of chunks) {
    const nl = chunk.indexOf("\n");
    const file = chunk.slice(0, nl);
    const tree = parseTree(chunk.slice(nl + 1));
    const img: RoImage = { file, machine: NaN, subsystem: NaN, exportRva: 0, exportSize: 0, sections: [], exports: [], imports: [], failed: [] };
    for (const n of tree.children) {
      if (n.key === "ImageFileHeader") img.machine = num(field(n, "Machine")!.value);
      else if (n.key === "ImageOptionalHeader") {
        img.subsystem = num(field(n, "Subsystem")!.value);
        const dd = field(n, "DataDirectory");
        if (dd) {
          img.exportRva = num(field(dd, "ExportTableRVA")?.value ?? "0");
          img.exportSize = num(field(dd, "ExportTableSize")?.value ?? "0");
        }
      } else if (n.key === "Sections") {
        for (const s of n.children.filter((c) => c.key === "Section")) {
          // "Name: .text (2E 74 65 78 74 00 00 00)": the (possibly long) name, then the raw bytes.
          const v = field(s, "Name")!.value;
          const m = /^(.*) \(([0-9A-F]{2}(?: [0-9A-F]{2}){7})\)$/.exec(v);
          img.sections.push(m ? m[1]! : v);
        }
      } else if (n.key === "Export") {
        img.exports.push({ ordinal: Number(field(n, "Ordinal")!.value), name: field(n, "Name")?.value ?? "", rva: num(field(n, "RVA")!.value) });
      } else if (n.key === "Import") {
        img.imports.push({ dll: field(n, "Name")!.value, delay: false, symbols: n.children.filter((c) => c.key === "Symbol").map((c) => symbol(c.value)) });
      } else if (n.key === "DelayImport") {
        const syms = n.children.filter((c) => c.key === "Import").map((c) => symbol(field(c, "Symbol")!.value));
        img.imports.push({ dll: field(n, "Name")!.value, delay: true, symbols: syms });
      }
    }
    out.set(file, img);
  }
  return out;
}

export const READOBJ_OPTIONS = ["--file-headers", "--sections", "--coff-exports", "--coff-imports"];

function readobj(options: string[], files: string[]) {
  return spawnSync("llvm-readobj", [...options, ...files], { encoding: "utf8", maxBuffer: 1 << 30 });
}

/**
 * llvm-readobj over many files, batched. llvm-readobj stops at the first file it cannot
 * process; that file is then re-run option by option, the failing options are recorded in
 * `failed` (tests decide whether that is a known llvm limitation), and the batch continues
 * after it.
 */
export function runReadobj(files: string[], batch = 200): Map<string, RoImage> {
  const out = new Map<string, RoImage>();
  let rest = [...files];
  while (rest.length) {
    const chunk = rest.slice(0, batch);
    const r = readobj(READOBJ_OPTIONS, chunk);
    if (r.status === 0) {
      for (const [k, v] of parseImages(r.stdout)) out.set(k, v);
      rest = rest.slice(chunk.length);
      continue;
    }
    const m = /llvm-readobj: error: '([^']*)'/.exec(r.stderr);
    const bad = m ? m[1]! : chunk[0]!;
    const idx = chunk.indexOf(bad);
    if (idx < 0) throw new Error(`llvm-readobj failed: ${r.stderr}`);
    // The output of the failing file is incomplete: parse only what precedes it.
    const cut = r.stdout.indexOf(`File: ${bad}\n`);
    const parsed = parseImages(cut >= 0 ? r.stdout.slice(0, cut) : r.stdout);
    // Files before the failing one are complete.
    for (const f of chunk.slice(0, idx)) {
      const img = parsed.get(f);
      if (!img) throw new Error(`llvm-readobj: no output for ${f}`);
      out.set(f, img);
    }
    // The failing file: keep every option that works on its own.
    const ok: string[] = [];
    const failed: { option: string; error: string }[] = [];
    for (const opt of READOBJ_OPTIONS) {
      const one = readobj([opt], [bad]);
      if (one.status === 0) ok.push(opt);
      else failed.push({ option: opt, error: one.stderr.trim() });
    }
    const img = parseImages(readobj(ok, [bad]).stdout).get(bad)!;
    img.failed = failed;
    out.set(bad, img);
    rest = rest.slice(idx + 1);
  }
  return out;
}

/** `llvm-objdump -p` forwarder strings: ordinal → "DLL.Name" (llvm-readobj 14 does not print them). */
export function objdumpForwarders(file: string): Map<number, string> {
  const r = spawnSync("llvm-objdump", ["-p", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  const out = new Map<number, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^\s+(\d+)\s.*\(forwarded to (.*)\)$/.exec(line);
    if (m) out.set(Number(m[1]), m[2]!);
  }
  return out;
}

/** Compare one file; returns human-readable differences. */
export function compareWithReadobj(file: string, ro: RoImage): string[] {
  const diffs: string[] = [];
  const d = (what: string, ours: unknown, theirs: unknown): void => {
    diffs.push(`${file}: ${what}: kmdll ${JSON.stringify(ours)} vs llvm-readobj ${JSON.stringify(theirs)}`);
  };
  const headerFailed = ro.failed.some((f) => f.option === "--file-headers");
  let image: PeImage;
  try {
    image = parsePe(new Uint8Array(readFileSync(file)));
  } catch (e) {
    if (headerFailed && e instanceof FormatError) return diffs; // both reject the file
    return [`${file}: kmdll threw ${(e as Error).message}; llvm-readobj failed: ${JSON.stringify(ro.failed)}`];
  }
  if (headerFailed) return [`${file}: llvm-readobj rejects the file but kmdll parsed it`];
  for (const f of ro.failed) {
    if (f.option === "--coff-exports" && image.exports && image.exports.numberOfNames === 0) {
      // Documented llvm 14 limitation: ExportDirectoryEntryRef::getSymbolName maps the ordinal
      // table RVA unconditionally, so an export directory without names (AddressOfNameOrdinals
      // = 0, e.g. wine's http.sys) makes llvm-readobj fail with "Invalid data". Nothing to
      // compare for this file's exports; every slot must then be nameless on our side.
      if (image.exports.functions.some((fn) => fn.name !== null)) d("names in a name-less export directory", image.exports.functions, []);
      continue;
    }
    diffs.push(`${file}: llvm-readobj ${f.option} failed (${f.error}) and no known llvm limitation explains it`);
  }

  if (image.coff.machine !== ro.machine) d("machine", image.coff.machine, ro.machine);
  const expectName = ro.machine === 0x8664 ? "x64" : ro.machine === 0x14c ? "x86" : ro.machine === 0xaa64 ? "arm64" : ro.machine;
  if (image.machine !== expectName) d("machine name", image.machine, expectName);
  if (image.optional.subsystem !== ro.subsystem) d("subsystem", image.optional.subsystem, ro.subsystem);
  const names = image.sections.map((s) => s.name);
  if (JSON.stringify(names) !== JSON.stringify(ro.sections)) d("section names", names, ro.sections);

  if (!ro.failed.some((f) => f.option === "--coff-exports")) {
    // llvm-readobj lists every EAT slot; kmdll's model (PeImage contract) lists only non-empty
    // slots (RVA != 0), so llvm's empty slots are dropped here, and nothing else.
    const theirs = ro.exports.filter((e) => e.rva !== 0);
    const ours = image.exports?.functions ?? [];
    if (ours.length !== theirs.length) d("export count", ours.length, theirs.length);
    let forwarders = 0;
    for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
      const o = ours[i]!;
      const t = theirs[i]!;
      if (o.ordinal !== t.ordinal || (o.name ?? "") !== t.name) d(`export #${i}`, [o.ordinal, o.name], [t.ordinal, t.name]);
      const inDir = t.rva >= ro.exportRva && t.rva < ro.exportRva + ro.exportSize;
      if (inDir) {
        forwarders++;
        if (o.forwarder === null) d(`export ${t.name || t.ordinal} is a forwarder (RVA in the export directory)`, o, t);
      } else if (o.rva !== t.rva || o.forwarder !== null) d(`export ${t.name || t.ordinal} RVA`, o.rva, t.rva);
    }
    if (forwarders > 0) {
      // llvm-readobj 14 prints no forwarder strings; llvm-objdump -p does.
      const fw = objdumpForwarders(file);
      for (const o of ours.filter((x) => x.forwarder !== null)) {
        if (fw.get(o.ordinal) !== o.forwarder) d(`forwarder of ordinal ${o.ordinal}`, o.forwarder, fw.get(o.ordinal));
      }
      if (fw.size !== forwarders) d("forwarder count (llvm-objdump)", forwarders, fw.size);
    }
  }

  if (!ro.failed.some((f) => f.option === "--coff-imports")) {
    const ours = [
      ...image.imports.map((m) => ({ dll: m.dll, delay: false, fns: m.functions })),
      ...image.delayImports.map((m) => ({ dll: m.dll, delay: true, fns: m.functions })),
    ].map((m) => ({ dll: m.dll, delay: m.delay, symbols: m.fns.map((f) => (f.name !== null ? { name: f.name, num: f.hint } : { name: "", num: f.ordinal })) }));
    const theirs = ro.imports.map((m) => ({ dll: m.dll, delay: m.delay, symbols: m.symbols }));
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      // Report the first differing module compactly.
      const i = ours.findIndex((m, k) => JSON.stringify(m) !== JSON.stringify(theirs[k]));
      d(`imports (module #${i === -1 ? ours.length : i} of ${ours.length}/${theirs.length})`, ours[i] ?? null, theirs[i === -1 ? ours.length : i] ?? null);
    }
  }
  return diffs;
}

