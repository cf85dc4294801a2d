/**
 * `kmdll implib`'s one-pass path for plain .def files (formats/def/plain-scan.ts,
 * formats/lib/plain-implib.ts) and the archive writer both paths share (import-archive.ts):
 *  (a) on varied plain .def files (ordinals, NONAME, DATA, CONSTANT, PRIVATE, `=internal`,
 *      `=module.name` forwarders, decorated x86 names, comments, CRLF, attributes on the next
 *      line, several EXPORTS, an empty EXPORTS, 30,000 exports), the CLI takes the one-pass path
 *      and its library lists, in llvm-nm and llvm-readobj, what llvm-dlltool's lists for the same
 *      .def, member for member byte-identical to llvm-dlltool's, and equals what the parser + the
 *      planned imports write (the path every other .def takes);
 *  (b) the one-pass path never answers for a .def the parser has anything to say about: over
 *      generated token soups and single mutations of plain files, whenever it gives a library
 *      the parser reports nothing and writeImportLibrary writes the same bytes; the mutations
 *      that are errors still fail the CLI with file:line:col and exit 2;
 *  (c) `kmdll implib` runs from its own bundle (dist/bundle/cli/implib.cjs) and prints what the
 *      unbundled CLI prints.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { repoPath, runCli, tool } from "./helpers.js";
import { generateLargeDef } from "./def-gen.js";
import { parseDef } from "../src/formats/def/index.js";
import { plainImportLibrary, readArchive, writeImportLibrary, type ImplibMachine } from "../src/formats/lib/index.js";

const dir = mkdtempSync(join(tmpdir(), "kmdll-implib-plain-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const PLAIN: Record<string, string> = {
  "empty.def": "LIBRARY empty.sys\nEXPORTS\n",
  "attrs.def": [
    "; every attribute the plain form has, comments with \"quotes\", commas, = and ==",
    "LIBRARY attrs.sys ; trailing comment",
    "EXPORTS",
    "  DllInitialize PRIVATE",
    "  DllUnload @1 PRIVATE",
    "  Plain",
    "  WithOrdinal @5",
    "  ByOrdinal @6 NONAME",
    "  Variable DATA",
    "  Konstant CONSTANT",
    "  OrdinalData @7 NONAME DATA",
    "  Renamed=InternalImpl @8",
    "  Forwarded=HAL.HalGetBusData",
    "  Spread",
    "    @9",
    "    NONAME",
    "  PrivateData PRIVATE DATA",
    "EXPORTS",
    "  SecondSection\t@65535",
    "",
  ].join("\r\n"),
  "x86-names.def": [
    "LIBRARY stdcall.sys",
    "EXPORTS",
    "  DllInitialize@4 PRIVATE",
    "  CdeclFunction",
    "  StdcallFunction@8",
    "  StdcallData@4 DATA",
    "  @FastcallFunction@12",
    "  ?CppFunction@@YAHH@Z",
    "  _LeadingUnderscore",
    "  StdcallOrdinal@16 @7",
    "  StdcallNoname@20 @8 NONAME",
    "",
  ].join("\n"),
  "long-dll-name.def": "LIBRARY a-rather-long-module-name.sys\nEXPORTS\n  OnlyOne\n",
  // Plain symbols among the __imp_ ones in the sorted symbol table, and one named like a descriptor's.
  "imp-names.def": "LIBRARY imp.sys\nEXPORTS\n  __imp_Foo\n  Foo\n  __imp_\n  __imp\n  __imp_Zed DATA\n  __IMPORT_DESCRIPTOR_imp\n  ___\n  __impa\n  Zed\n",
  "big.def": generateLargeDef(30000),
};
const files = Object.fromEntries(Object.entries(PLAIN).map(([f, text]) => [f, join(dir, f)]));
for (const [f, text] of Object.entries(PLAIN)) writeFileSync(files[f]!, text);

const lines = (s: string) => s.split("\n").filter(Boolean);
const nm = (lib: string) => lines(tool("llvm-nm", ["--defined-only", "--no-sort", "--just-symbol-name", lib]).stdout).filter((l) => !l.endsWith(":")).sort();
const armap = (lib: string) => {
  const out = tool("llvm-nm", ["--print-armap", "--defined-only", lib]).stdout;
  return lines(out.slice(0, out.indexOf("\n\n"))).sort();
};
/** llvm-readobj's description of every short import member (type, name type, symbols), sorted. */
const readobjImports = (lib: string) => tool("llvm-readobj", [lib]).stdout.split("\n\n").filter((b) => b.includes("COFF-import-file")).map((b) => b.replace(/^File: .*\n/m, "").trim()).sort();

/** Members keyed by the sorted symbols they define (the archive split by kmdll's reader; compared byte for byte). */
function membersBySymbols(lib: string): Map<string, Buffer> {
  const a = readArchive(readFileSync(lib));
  const symsOf: string[][] = a.members.map(() => []);
  for (const s of a.symbols!) symsOf[s.member]!.push(s.name);
  return new Map(a.members.map((m, i) => [symsOf[i]!.sort().join(" "), Buffer.from(m.data)]));
}

const LLVM_MACHINE = { x64: "i386:x86-64", x86: "i386", arm64: "arm64" };

for (const f of Object.keys(PLAIN)) {
  for (const machine of ["x64", "x86", "arm64"] as ImplibMachine[]) {
    if (f === "big.def" && machine === "arm64") continue;
    test(`implib ${f} (${machine}): one pass; same symbols and members as llvm-dlltool; same bytes as the parser's path`, async () => {
      const def = files[f]!;
      const text = readFileSync(def);
      assert.notEqual(plainImportLibrary(text, { machine }), null, "the one-pass path reads this .def");
      const mine = join(dir, `${f}.${machine}.kmdll.lib`);
      const theirs = join(dir, `${f}.${machine}.llvm.lib`);
      const r = await runCli(["implib", def, "-o", mine, "--machine", machine]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      tool("llvm-dlltool", ["-m", LLVM_MACHINE[machine], "-d", def, "-l", theirs, ...(machine === "x86" ? ["-k"] : [])]);
      assert.deepEqual(nm(mine), nm(theirs), "llvm-nm --defined-only");
      assert.deepEqual(armap(mine), armap(theirs), "llvm-nm --print-armap");
      assert.deepEqual(readobjImports(mine), readobjImports(theirs), "llvm-readobj");
      const a = membersBySymbols(mine);
      const b = membersBySymbols(theirs);
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
      for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `member defining ${k} differs from llvm-dlltool's`);
      // The parser's road writes the same bytes.
      const parsed = parseDef(text);
      assert.deepEqual(parsed.diagnostics, []);
      assert.ok(Buffer.from(writeImportLibrary(parsed.def, { machine }).bytes).equals(readFileSync(mine)), "same bytes as writeImportLibrary(parseDef(…))");
    });
  }
}

test("implib --no-kill-at and --dll on the one-pass path: the parser's bytes", async () => {
  const def = files["x86-names.def"]!;
  const variants: { machine: ImplibMachine; killAt?: boolean; dll?: string }[] = [{ machine: "x86", killAt: false }, { machine: "x64", dll: "other/name.dll" }, { machine: "x86", dll: "renamed.sys" }];
  for (const opts of variants) {
    const out = join(dir, "opts.lib");
    const args = ["implib", def, "-o", out, "--machine", opts.machine, ...(opts.killAt === false ? ["--no-kill-at"] : []), ...(opts.dll !== undefined ? ["--dll", opts.dll] : [])];
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const expected = writeImportLibrary(parseDef(readFileSync(def)).def, opts).bytes;
    assert.ok(Buffer.from(expected).equals(readFileSync(out)), args.join(" "));
  }
});

/** A small deterministic PRNG (the cases are the same on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether the one-pass path is right about a .def: it answers only for clean files, with the parser's bytes. */
function agrees(text: string, machine: ImplibMachine): { plain: boolean } {
  const plain = plainImportLibrary(Buffer.from(text, "utf8"), { machine });
  if (plain === null) return { plain: false };
  const parsed = parseDef(Buffer.from(text, "utf8"));
  assert.deepEqual(parsed.diagnostics, [], `one-pass path answered for a .def the parser reports on:\n${text}`);
  const full = writeImportLibrary(parsed.def, { machine });
  assert.ok(Buffer.from(full.bytes).equals(Buffer.from(plain.bytes)), `different bytes for:\n${text}`);
  assert.equal(plain.imports, full.imports.length);
  assert.deepEqual(plain.skipped, full.skipped);
  return { plain: true };
}

test("the one-pass path answers only for clean .def files, with the parser's bytes (token soups)", () => {
  const random = rng(19);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const words = ["Foo", "Bar", "Baz", "Foo", "_Under", "F@8", "@Fast@4", "?Cpp@@YAXXZ", "DllInitialize", "DllUnload", "exports", "Library", "FOO", "Stub", "a.b", "Mod.#3", "x.", ".y", "lowercase"];
  const tokens = [
    ...words, ...words, "@1", "@2", "@65535", "@0", "@70000", "@0x10", "@", "@x", "@1x", "NONAME", "NONAME", "PRIVATE", "PRIVATE", "DATA", "DATA", "CONSTANT", "EXPORTAS", "BASE",
    "=", "=", "==", ",", '"q"', '"', "; comment", "; c, with \"quotes\" = and ==", "\n", "\n", "\n", "\n", "\r\n", "\t", "EXPORTS", "LIBRARY", "NAME", "HEAPSIZE", "VERSION", "\u00e9", "\x01", "\v",
  ];
  let answered = 0;
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const head = pick(["LIBRARY soup.sys\nEXPORTS\n", "LIBRARY soup\nEXPORTS\n", "EXPORTS\n", "LIBRARY soup.sys EXPORTS ", "LIBRARY soup.sys\n", ""]);
    const parts: string[] = [];
    const len = 1 + Math.floor(random() * 14);
    for (let k = 0; k < len; k++) parts.push(pick(tokens));
    // Mostly one export per line, as plain files have them.
    const text = head + parts.join(random() < 0.7 ? " " : "\n") + "\n";
    if (agrees(text, pick(["x64", "x86", "arm64"] as const)).plain) answered++;
  }
  // The soups are mostly not plain; enough of them are that the property was tested on both sides.
  assert.ok(answered > N / 50, `the one-pass path answered for ${answered} of ${N}`);
  assert.ok(answered < N, "and not for all");
});

/** Single mutations of a plain file: each one a thing the parser reports (error or warning) or a form the one-pass path leaves to it. */
const MUTATIONS: { what: string; line: string; error?: RegExp }[] = [
  { what: "duplicate name", line: "  Plain", error: /:\d+:3: error: duplicate export 'Plain'/ },
  { what: "duplicate name, PRIVATE", line: "  Plain PRIVATE", error: /:\d+:3: error: duplicate export 'Plain'/ },
  { what: "duplicate ordinal", line: "  Other @5", error: /:\d+:\d+: error: duplicate ordinal @5/ },
  { what: "ordinal 0", line: "  Other @0", error: /:\d+:9: error: ordinal 0 is out of range/ },
  { what: "NONAME without ordinal", line: "  Other NONAME", error: /:\d+:9: error: NONAME must follow @ordinal/ },
  { what: "DATA and CONSTANT", line: "  Other DATA CONSTANT", error: /:\d+:3: error: export 'Other' is both DATA and CONSTANT/ },
  { what: "repeated attribute", line: "  Other DATA DATA" },
  { what: "DllUnload not PRIVATE", line: "  DllUnload" },
  { what: "lower-case directive as a name", line: "  exports" },
  { what: "misspelt keyword", line: "  Other PRIVAT" },
  { what: "two exports on a line", line: "  One Two" },
  { what: "quoted name", line: '  "Quoted Name"' },
  { what: "comma", line: "  Other, @3", error: /:\d+:8: error: unexpected ','/ },
  { what: "==", line: "  Other == Plain" },
  { what: "EXPORTAS", line: "  Other EXPORTAS Plain" },
  { what: "spaced ordinal", line: "  Other @ 12" },
  { what: "hex ordinal", line: "  Other @0x12" },
  { what: "bad ordinal", line: "  Other @12x", error: /:\d+:9: error: bad ordinal '12x'/ },
  { what: "empty forwarder module", line: "  Other=.Name", error: /:\d+:9: error: forwarder '.Name' must be module.name/ },
  { what: "forwarder by ordinal", line: "  Other=ntoskrnl.#12" },
  { what: "keyword as a name", line: "  BASE", error: /:\d+:3: error: expected an export name, found keyword BASE/ },
  { what: "another statement", line: "HEAPSIZE 4096" },
  { what: "second LIBRARY", line: "LIBRARY again.sys", error: /:\d+:1: error: second LIBRARY statement/ },
  { what: "non-ASCII name", line: "  Caf\u00e9" },
  { what: "control character", line: "  Other\x01", error: /:\d+:8: error: unexpected control character U\+0001/ },
  { what: "NUL", line: "  Other\0", error: /:\d+:\d+: error: NUL byte/ },
];

test("single mutations of a plain .def: the parser's road, and its errors with file:line:col and exit 2", async () => {
  const base = PLAIN["attrs.def"]!.split("\r\n");
  for (const m of MUTATIONS) {
    const at = 6;
    const text = [...base.slice(0, at), m.line, ...base.slice(at)].join("\n");
    assert.equal(agrees(text, "x64").plain, false, `${m.what}: the one-pass path must leave it to the parser`);
    if (!m.error) continue;
    const def = join(dir, "mutant.def");
    writeFileSync(def, text);
    const out = join(dir, "mutant.lib");
    rmSync(out, { force: true });
    const r = await runCli(["implib", def, "-o", out]);
    assert.equal(r.code, 2, `${m.what}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`mutant\\.def${m.error.source}`), m.what);
    assert.match(r.stderr, /no import library written: the \.def has errors/);
    assert.equal(statSync(out, { throwIfNoEntry: false }), undefined, `${m.what}: nothing written`);
  }
  // The plain file itself is plain (so the mutations are what the path refuses).
  assert.equal(agrees(base.join("\n"), "x64").plain, true);
});

const bundle = repoPath("dist", "bundle", "cli", "implib.cjs");
const bundled = statSync(bundle, { throwIfNoEntry: false });
const skipBundle = bundled && bundled.mtimeMs >= statSync(repoPath("dist", "src", "cli", "main.js")).mtimeMs ? false : "the CLI is not bundled (esbuild not installed)";

test("kmdll implib runs from its own bundle with its code cache, and prints what the unbundled CLI prints", { skip: skipBundle }, () => {
  const reads = join(dir, "reads.cjs");
  const log = join(dir, "reads.txt");
  writeFileSync(reads, `const fs = require("node:fs"); const read = fs.readFileSync;\nfs.readFileSync = function (p, ...rest) { if (typeof p === "string") fs.appendFileSync(${JSON.stringify(log)}, p + "\\n"); return read.call(this, p, ...rest); };\n`);
  const run = (args: string[], env: Record<string, string> = {}, pre: string[] = []) => {
    const r = spawnSync(process.execPath, [...pre, repoPath("bin", "kmdll.js"), ...args], { encoding: "utf8", env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  rmSync(log, { force: true });
  const out = join(dir, "b.lib");
  const a = run(["implib", files["attrs.def"]!, "-o", out], {}, ["--require", reads]);
  assert.equal(a.code, 0, a.stderr);
  const loaded = readFileSync(log, "utf8").split("\n").filter((p) => p.startsWith(repoPath("dist")));
  assert.deepEqual(loaded.map((p) => p.slice(repoPath().length + 1)), ["dist/bundle/cli/implib.cjs", "dist/bundle/cli/implib.cjs.cache"]);
  const cache = spawnSync(process.execPath, ["-e", `const b = require(${JSON.stringify(repoPath("bin", "load-bundle.js"))}).loadBundle(${JSON.stringify(bundle)}); process.stdout.write(b.codeCache + " " + typeof b.run)`], { encoding: "utf8" });
  assert.equal(cache.stdout, "used function", cache.stderr);
  const cases = [
    ["implib", files["attrs.def"]!, "-o", out],
    ["implib", files["x86-names.def"]!, "-o", out, "--machine", "x86", "--json"],
    ["implib", "--help"],
    ["implib", files["attrs.def"]!],
    ["implib", join(dir, "missing.def"), "-o", out],
  ];
  for (const args of cases) {
    const x = run(args);
    const y = run(args, { KMDLL_UNBUNDLED: "1" });
    assert.deepEqual(x, y, args.join(" "));
  }
});
