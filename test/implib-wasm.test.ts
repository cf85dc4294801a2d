/**
 * The WebAssembly import-library writer (native/wasm/implib.c, src/formats/lib/wasm-archive.ts)
 * against the JavaScript one (writeImportArchive, the road without the module: KMDLL_NO_WASM=1):
 *  (a) where clang can target wasm32, `npm run build` built the module and kmdll loads it;
 *  (b) byte for byte the same library, both through plainImportLibrary (the one-pass road) and
 *      writeImportLibrary (the parser's), on the benchmark's 30,000-export .def, on edge cases
 *      (names beside the descriptors' symbols and `__imp_`, names sharing their first 8 bytes,
 *      non-ASCII names, long and short DLL names, DATA-only, all PRIVATE, empty) and on generated
 *      .def files, for x64, arm64 and x86; the same refusals (duplicate names, PRIVATE ones too);
 *  (c) the CLI with and without the module writes the same file.
 * Agreement with llvm-dlltool is test/implib-oracle.test.ts's and test/implib-plain.test.ts's
 * (they run on whichever road the build has).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { repoPath } from "./helpers.js";
import { generateLargeDef } from "./def-gen.js";
import { parseDef } from "../src/formats/def/index.js";
import { plainImportLibrary, writeImportLibrary, type ImplibMachine } from "../src/formats/lib/index.js";
import { setArchiveWasm, wasmArchiveAvailable } from "../src/formats/lib/wasm-archive.js";
import { implibWasm } from "../src/io/wasm.js";

const dir = mkdtempSync(join(tmpdir(), "kmdll-implib-wasm-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Whether this machine's clang links wasm32 (then the build must have made the module). */
function clangTargetsWasm(): boolean {
  const c = join(dir, "probe.c");
  writeFileSync(c, "int f(int x) { return x + 1; }\n");
  const r = spawnSync(process.env.CLANG || "clang", ["--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--export=f", "-o", join(dir, "probe.wasm"), c], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

setArchiveWasm(implibWasm);
const available = wasmArchiveAvailable();
const skip = available ? false : "the WebAssembly writer is not built (no clang for wasm32)";

/** Run `f` on the JavaScript road (no module). */
function withoutWasm<T>(f: () => T): T {
  process.env.KMDLL_NO_WASM = "1";
  try {
    return f();
  } finally {
    delete process.env.KMDLL_NO_WASM;
  }
}

type Outcome = { bytes: string; dll: string; imports: number; skipped: string[] } | null | { error: string };

function viaPlain(text: string | Uint8Array, machine: ImplibMachine, dll?: string): Outcome {
  try {
    const r = plainImportLibrary(text, { machine, dll });
    return r && { bytes: Buffer.from(r.bytes).toString("hex"), dll: r.dll, imports: r.imports, skipped: r.skipped };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function viaParser(text: string, machine: ImplibMachine, dll?: string): Outcome {
  try {
    const r = writeImportLibrary(parseDef(text).def, { machine, dll });
    return { bytes: Buffer.from(r.bytes).toString("hex"), dll: r.dll, imports: r.imports.length, skipped: r.skipped };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Both roads of both writers agree; returns how many of the four outcomes were libraries. */
function same(text: string, machine: ImplibMachine, label: string, dll?: string): number {
  let libraries = 0;
  for (const road of [viaPlain, viaParser]) {
    const wasm = road(text, machine, dll);
    const js = withoutWasm(() => road(text, machine, dll));
    assert.deepEqual(wasm, js, `${label} (${machine}, ${road.name}): the WebAssembly and JavaScript writers differ`);
    if (wasm !== null && !("error" in wasm)) libraries++;
  }
  return libraries;
}

test("where clang targets wasm32, the build made the WebAssembly writer and kmdll loads it", () => {
  if (!clangTargetsWasm()) return;
  assert.ok(available, "clang links wasm32 here, yet dist/wasm/implib.wasm is missing or refused: run npm run build");
  assert.equal(withoutWasm(wasmArchiveAvailable), false, "KMDLL_NO_WASM=1 turns it off");
});

test("the benchmark's 30,000-export .def: the same library from both writers", { skip }, () => {
  const text = generateLargeDef(30_000);
  for (const m of ["x64", "arm64", "x86"] as const) assert.ok(same(text, m, "30,000 exports") > 0);
});

const EDGE: Record<string, string> = {
  specials: ["LIBRARY edge.sys", "EXPORTS", "  __IMPORT_DESCRIPTOR_edge", "  __IMPORT_DESCRIPTOR_edgd", "  __NULL_IMPORT_DESCRIPTOR", "  __NULL_IMPORT_DESCRIPTORS", "  __imo", "  __imq DATA", "  _", "  A", "  z", "  ~tilde"].join("\n"),
  impPrefix: ["LIBRARY imp.sys", "EXPORTS", "  __imp_Function", "  Plain", "  __imp_Data DATA"].join("\n"),
  impPrefixData: ["LIBRARY imp.sys", "EXPORTS", "  __imp_OnlyData DATA", "  Plain"].join("\n"),
  shared8: ["LIBRARY shared.dll", "EXPORTS", "  ABCDEFGH", "  ABCDEFG", "  ABCDEFGHI", "  ABCDEFGH_", "  ABCDEFGG", "  ABCDEFGHIJKLMNOP", "  ABCDEFGHIJKLMNO", "  ABCDEFGHIJKLMNOQ DATA", "  AB", "  A"].join("\n"),
  nonAscii: ['LIBRARY "caf\u00e9.sys"', "EXPORTS", '  "Caf\u00e9"', '  "Cafe"', '  "Caf\u00e9X" DATA', "  \u00c4pfel"].join("\n"),
  longDll: ["LIBRARY averyveryverylongname.sys", "EXPORTS", "  One", "  Two @2 NONAME", "  Three CONSTANT"].join("\n"),
  dll15: ["LIBRARY fifteenchars.sys", "EXPORTS", "  Odd", "  Even"].join("\n"),
  dll16: ["LIBRARY sixteenchars.sys", "EXPORTS", "  Odd", "  Even1"].join("\n"),
  dataOnly: ["LIBRARY data.sys", "EXPORTS", "  V1 DATA", "  V2 DATA"].join("\n"),
  allPrivate: ["LIBRARY priv.sys", "EXPORTS", "  DllInitialize PRIVATE", "  DllUnload PRIVATE"].join("\n"),
  empty: ["LIBRARY empty.sys", "EXPORTS"].join("\n"),
  duplicate: ["LIBRARY dup.sys", "EXPORTS", "  Same", "  Other", "  Same @3"].join("\n"),
  duplicatePrivate: ["LIBRARY dup.sys", "EXPORTS", "  Same PRIVATE", "  Other", "  Same"].join("\n"),
  ordinals: ["LIBRARY ord.sys", "EXPORTS", "  Last @65535", "  First @1 NONAME", "  Mid @300 NONAME DATA"].join("\n"),
};

test("edge cases: the same library, or the same refusal, from both writers", { skip }, () => {
  for (const [label, text] of Object.entries(EDGE)) for (const m of ["x64", "arm64", "x86"] as const) same(text + "\n", m, label);
  // The duplicates are refused on both roads (the parser reports them; the writer names them).
  assert.equal(viaPlain(EDGE.duplicate! + "\n", "x64"), null);
  assert.match(JSON.stringify(viaParser(EDGE.duplicate! + "\n", "x64")), /both become the import symbol 'Same'/);
  // --dll: a long name, and one with a path.
  same(EDGE.specials! + "\n", "x64", "--dll", "a-long-name-for-the-dll.dll");
  same(EDGE.specials! + "\n", "x64", "--dll", "dir/other.dll");
});

test("many names sharing long prefixes (the module's radix levels, and its comparison sort past 512 bytes)", { skip }, () => {
  const lines = ["LIBRARY prefixes.sys", "EXPORTS"];
  const long = "P".repeat(600);
  for (let i = 0; i < 400; i++) {
    const cut = [7, 8, 9, 15, 16, 17, 24, 31][i % 8]!;
    lines.push(`  ${"SharedPrefixForTheRadixLevels_".slice(0, cut)}${(i * 7919).toString(36)}${i % 5 === 0 ? " DATA" : ""}`);
  }
  for (let i = 0; i < 40; i++) lines.push(`  ${long}${(i * 104729).toString(36)}`);
  for (const m of ["x64", "arm64", "x86"] as const) assert.equal(same(lines.join("\n") + "\n", m, "long prefixes"), 2);
});

test("generated .def files: the same library from both writers", { skip }, () => {
  let seed = 19;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const prefixes = ["", "", "__imp_", "__IMPORT_DESCRIPTOR_", "__NULL_IMPORT_DESCRIPTOR", "ABCDEFG", "LongSharedPrefix_", "_", "?"];
  const alphabet = "aAbZ_@?09imp";
  let libraries = 0;
  for (let t = 0; t < 60; t++) {
    const lib = "L".repeat(1 + rand(18)) + (rand(2) ? ".sys" : ".dll");
    const lines = [`LIBRARY ${lib}`, "EXPORTS"];
    const count = rand(40);
    for (let i = 0; i < count; i++) {
      let name = prefixes[rand(prefixes.length)]!;
      for (let k = rand(12); k > 0; k--) name += alphabet[rand(alphabet.length)];
      if (name === "" || /^\d|^@|^\?$/.test(name)) name = "N" + name;
      let line = `  ${name}`;
      if (rand(4) === 0) line += ` @${1 + rand(65535)}`;
      if (rand(6) === 0) line += " DATA";
      else if (rand(9) === 0) line += " CONSTANT";
      if (rand(8) === 0) line += " PRIVATE";
      lines.push(line);
    }
    const text = lines.join("\n") + "\n";
    for (const m of ["x64", "arm64", "x86"] as const) libraries += same(text, m, `generated #${t}:\n${text}`);
  }
  assert.ok(libraries > 100, `${libraries} libraries compared`);
});

test("token soups and mutations: the module's scanner takes exactly the files the TypeScript one takes", { skip }, () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const tokens = ["Foo", "Bar", "Foo", "_U", "F@8", "@F@4", "?C@@YAXXZ", "DllInitialize", "DllUnload", "exports", "Library", "FOO", "Stub", "a.b", "M.#3", "x.", ".y", "@1", "@2", "@65535", "@0", "@70000", "@0x10", "@", "@x", "@1x",
    "NONAME", "PRIVATE", "DATA", "CONSTANT", "EXPORTAS", "BASE", "=", "==", ",", '"q"', '"', "; c", "; c, \"q\" = ==", "\n", "\n", "\n", "\r\n", "\t", "EXPORTS", "LIBRARY", "NAME", "HEAPSIZE", "\u00e9", "\x01", "\v", "\x7f", "\u0141"];
  const heads = ["LIBRARY soup.sys\nEXPORTS\n", "LIBRARY soup\nEXPORTS\n", "EXPORTS\n", "LIBRARY soup.sys EXPORTS ", 'LIBRARY "so up.sys"\nEXPORTS\n', 'LIBRARY "soup.sys\nEXPORTS\n', "LIBRARY a/b.c\\d\nEXPORTS\n", ""];
  let answered = 0;
  for (let t = 0; t < 3000; t++) {
    const parts: string[] = [];
    for (let k = 1 + rand(14); k > 0; k--) parts.push(tokens[rand(tokens.length)]!);
    const text = heads[rand(heads.length)]! + parts.join(rand(10) < 7 ? " " : "\n") + "\n";
    for (const input of [text, Buffer.from(text, "latin1")]) {
      const wasm = viaPlain(input, "x64");
      const js = withoutWasm(() => viaPlain(input, "x64"));
      assert.deepEqual(wasm, js, `the two scanners differ on:\n${JSON.stringify(text)}`);
      if (wasm !== null) answered++;
    }
  }
  assert.ok(answered > 60, `${answered} soups were plain`);
});

test("kmdll implib writes the same file with and without the WebAssembly writer", { skip }, () => {
  const def = join(dir, "cli.def");
  writeFileSync(def, generateLargeDef(3_000));
  const bin = repoPath("bin", "kmdll.js");
  const run = (out: string, env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, [bin, "implib", def, "-o", out], { encoding: "utf8", env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const a = run(join(dir, "wasm.lib"), {});
  const b = run(join(dir, "js.lib"), { KMDLL_NO_WASM: "1" });
  assert.equal(a.replace("wasm.lib", "X"), b.replace("js.lib", "X"));
  assert.ok(readFileSync(join(dir, "wasm.lib")).equals(readFileSync(join(dir, "js.lib"))));
});
