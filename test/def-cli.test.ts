/**
 * `kmdll def check|fmt|from-image`, `kmdll implib` and `kmdll lib list` as a user runs them:
 * exit codes, file:line:col output, JSON; from-image checked against llvm-objdump's export
 * table of images built by lld-link and of Wine's DLLs (forwarders, NONAME, ordinals).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { repoPath, runCli, tool, fixture } from "./helpers.js";
import { parseDef, hasErrors } from "../src/formats/def/index.js";
import type { DefFile } from "../src/formats/def/index.js";

const dir = mkdtempSync(join(tmpdir(), "kmdll-defcli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const MYDEF = repoPath("examples", "mydriver", "mydriver.def");

test("def check: clean file exits 0; errors exit 1 with file:line:col; --json", async () => {
  const ok = await runCli(["def", "check", MYDEF]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /mydriver\.def: 0 errors, 0 warnings; 3 exports \(2 PRIVATE\), LIBRARY mydriver\.sys/);
  const bad = join(dir, "bad.def");
  writeFileSync(bad, "LIBRARY mydriver\nBOGUS\nEXPORTS\n  A @1\n  B @1\n  A\n");
  const r = await runCli(["def", "check", bad]);
  assert.equal(r.code, 1);
  assert.ok(r.stdout.includes(`${bad}:1:1: warning: LIBRARY 'mydriver' has no extension`), r.stdout);
  assert.ok(r.stdout.includes(`${bad}:2:1: error: unknown directive 'BOGUS'`), r.stdout);
  assert.ok(r.stdout.includes(`${bad}:5:5: error: duplicate ordinal @1: already used by 'A' at 4:5`), r.stdout);
  assert.ok(r.stdout.includes(`${bad}:6:3: error: duplicate export 'A' (first defined at 4:3)`), r.stdout);
  const j = await runCli(["def", "check", "--json", bad]);
  assert.equal(j.code, 1);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.errors, 3);
  assert.deepEqual(doc.diagnostics[2], { file: bad, severity: "error", line: 5, col: 5, message: doc.diagnostics[2].message });
  assert.equal(doc.def.exports.length, 3);
  // Binary garbage and missing files: no stack traces.
  const bin = join(dir, "garbage.def");
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0xfe]));
  const g = await runCli(["def", "check", bin]);
  assert.equal(g.code, 1);
  assert.match(g.stdout, /garbage\.def:1:8: error: NUL byte at offset 7/);
  const missing = await runCli(["def", "check", join(dir, "nope.def")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^kmdll: .*nope\.def: cannot read file: no such file\n$/);
});

test("def fmt: canonical text, -o, --check; refuses files with errors (exit 2)", async () => {
  const messy = join(dir, "messy.def");
  writeFileSync(messy, "; comment\nLIBRARY   mydriver.sys\nEXPORTS\n  Foo   @ 0x10 NONAME ; c\n\tBar DATA PRIVATE\nEXPORTS\n \"Baz Qux\"=impl\n");
  const r = await runCli(["def", "fmt", messy]);
  assert.equal(r.code, 0, r.stderr);
  // Comments stay (issue 18): the own-line one before the statement that followed it, the trailing one on its entry's line.
  assert.equal(r.stdout, '; comment\nLIBRARY mydriver.sys\nEXPORTS\n  Foo @16 NONAME ; c\n  Bar PRIVATE DATA\n  "Baz Qux"=impl\n');
  const out = join(dir, "messy.fmt.def");
  assert.equal((await runCli(["def", "fmt", messy, "-o", out])).code, 0);
  assert.equal(readFileSync(out, "utf8"), r.stdout);
  assert.equal((await runCli(["def", "fmt", "--check", out])).code, 0);
  assert.equal((await runCli(["def", "fmt", "--check", messy])).code, 1);
  // The same model, as LLVM's parser sees it too (llvm-dlltool accepts the canonical text).
  tool("llvm-dlltool", ["-m", "i386:x86-64", "-d", out, "-l", join(dir, "messy.lib")]);
  const broken = join(dir, "broken.def");
  writeFileSync(broken, "LIBRARY a.sys\nEXPORTS\n  A @99999\n");
  const b = await runCli(["def", "fmt", broken]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /broken\.def:3:5: error: ordinal 99999 is out of range/);
  assert.equal(b.stdout, "");
});

interface ObjdumpExport {
  ordinal: number;
  name: string | null;
  forwarder: string | null;
}

/** llvm-objdump -p's export table: used slots only (RVA or forwarder). */
function objdumpExports(image: string): ObjdumpExport[] {
  const out = tool("llvm-objdump", ["-p", image]).stdout;
  const table = out.slice(out.indexOf("Export Table:"));
  const rows: ObjdumpExport[] = [];
  for (const line of table.split("\n").slice(4)) {
    if (line.trim() === "") break;
    const m = /^\s+(\d+)\s+(0x[0-9a-f]+|0)?\s*(\S*)(?: \(forwarded to (.+)\))?$/.exec(line);
    assert.ok(m, `unparsed objdump line ${JSON.stringify(line)}`);
    if (m[2] === "0" && !m[4]) continue; // empty slot
    rows.push({ ordinal: Number(m[1]), name: m[3] || null, forwarder: m[4] ?? null });
  }
  return rows;
}

/** The same view of a derived .def: the first entry of each ordinal. */
function defExports(def: DefFile): ObjdumpExport[] {
  const seen = new Set<number>();
  const rows: ObjdumpExport[] = [];
  for (const e of def.exports) {
    if (e.ordinal === null || seen.has(e.ordinal)) continue;
    seen.add(e.ordinal);
    const fwd = e.forward ? `${e.forward.module}.${e.forward.name ?? "#" + e.forward.ordinal}` : null;
    rows.push({ ordinal: e.ordinal, name: e.noname ? null : e.name, forwarder: fwd });
  }
  return rows.sort((a, b) => a.ordinal - b.ordinal);
}

async function fromImage(image: string): Promise<DefFile> {
  const r = await runCli(["def", "from-image", image]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = parseDef(r.stdout);
  assert.ok(!hasErrors(parsed), r.stdout + JSON.stringify(parsed.diagnostics));
  return parsed.def;
}

test("def from-image on an lld-link image: ordinals, NONAME, forwarders, DATA, PRIVATE entry points (vs llvm-objdump)", async () => {
  const c = join(dir, "fi.c");
  writeFileSync(c, "int Func(void) { return 1; }\nint Var = 5;\nlong DllInitialize(void *p) { return 0; }\nlong DllUnload(void) { return 0; }\nlong DriverEntry(void *a, void *b) { return 0; }\n");
  const d = join(dir, "fi.def");
  writeFileSync(d, "LIBRARY fromimg.sys\nEXPORTS\n  DllInitialize PRIVATE\n  DllUnload PRIVATE\n  Func @5\n  Hidden=Func @9 NONAME\n  Var @7 DATA\n  Fwd=HAL.HalGetBusData @3\n  FwdOrd=ntoskrnl.#12 @4\n  Alias=Func\n");
  tool("clang", ["--target=x86_64-pc-windows-msvc", "-c", c, "-o", join(dir, "fi.obj")]);
  const sys = join(dir, "fromimg.sys");
  tool("lld-link", ["/machine:x64", "/driver", "/subsystem:native", "/entry:DriverEntry", "/nodefaultlib", `/def:${d}`, `/out:${sys}`, join(dir, "fi.obj")]);
  const def = await fromImage(sys);
  assert.deepEqual(defExports(def), objdumpExports(sys));
  const e = (n: string) => def.exports.find((x) => x.name === n);
  assert.equal(e("DllInitialize")?.private, true);
  assert.equal(e("DllUnload")?.private, true);
  assert.equal(e("Func")?.private, false);
  assert.equal(e("Var")?.data, true, "exported variable in a non-executable section");
  assert.equal(e("Func")?.data, false);
  assert.deepEqual(e("Fwd")?.forward, { module: "HAL", name: "HalGetBusData", ordinal: null });
  assert.deepEqual(e("FwdOrd")?.forward, { module: "ntoskrnl", name: null, ordinal: 12 });
  assert.ok(def.exports.some((x) => x.noname && x.ordinal === 9));
  // The derived .def makes an import library without the PRIVATE entry points.
  const out = join(dir, "fromimg.def");
  assert.equal((await runCli(["def", "from-image", sys, "-o", out])).code, 0);
  const lib = join(dir, "fromimg.lib");
  assert.equal((await runCli(["implib", out, "-o", lib])).code, 0);
  const nm = tool("llvm-nm", ["--defined-only", lib]).stdout;
  assert.match(nm, /__imp_Func/);
  assert.doesNotMatch(nm, /DllInitialize|DllUnload/);
});

test("def from-image on the mydriver fixture and on Wine's DLLs matches llvm-objdump's export table", async () => {
  for (const arch of ["x64", "x86"] as const) {
    const def = await fromImage(fixture(arch, "mydriver.sys"));
    assert.equal(def.name, "mydriver.sys");
    assert.deepEqual(def.exports.map((e) => [e.name, e.private]), [["DllInitialize", true], ["DllUnload", true], ["LoadPrinterDriver", false]]);
  }
  const wine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
  for (const f of ["ntoskrnl.exe", "kernel32.dll", "comctl32.dll", "hal.dll", "usbd.sys"]) {
    const p = join(wine, f);
    if (!existsSync(p)) continue;
    const def = await fromImage(p);
    const theirs = objdumpExports(p);
    assert.ok(theirs.length > 0, f);
    assert.deepEqual(defExports(def), theirs, f);
  }
});

test("implib CLI: errors and options", async () => {
  const lib = join(dir, "cli.lib");
  const j = await runCli(["implib", MYDEF, "-o", lib, "--machine", "x86", "--json"]);
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.dll, "mydriver.sys");
  assert.deepEqual(doc.private, ["DllInitialize", "DllUnload"]);
  assert.deepEqual(doc.imports.map((i: { symbol: string; nameType: string }) => [i.symbol, i.nameType]), [["_LoadPrinterDriver", "noprefix"]]);
  // No LIBRARY: an input error unless --dll names the DLL.
  const nolib = join(dir, "nolib.def");
  writeFileSync(nolib, "EXPORTS\n  Foo\n");
  const n = await runCli(["implib", nolib, "-o", lib]);
  assert.equal(n.code, 2);
  assert.match(n.stderr, /nolib\.def:1:1: warning: no LIBRARY statement/);
  assert.match(n.stderr, /kmdll: no DLL name: the \.def has no LIBRARY name; pass --dll NAME/);
  const withDll = await runCli(["implib", nolib, "-o", lib, "--dll", "other.sys", "--json"]);
  assert.equal(withDll.code, 0, withDll.stderr);
  assert.equal(JSON.parse(withDll.stdout).dll, "other.sys");
  const rows = JSON.parse((await runCli(["lib", "list", "--json", lib])).stdout);
  assert.deepEqual(rows.map((r: { dll: string; symbol: string }) => `${r.dll}!${r.symbol}`), ["other.sys!Foo"]);
  // A .def with errors writes nothing.
  const bad = join(dir, "bad-implib.def");
  writeFileSync(bad, "LIBRARY a.sys\nEXPORTS\n  A @0\n");
  const b = await runCli(["implib", bad, "-o", join(dir, "never.lib")]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /bad-implib\.def:3:5: error: ordinal 0 is out of range/);
  assert.ok(!existsSync(join(dir, "never.lib")));
  assert.equal((await runCli(["implib", MYDEF, "-o", lib, "--machine", "mips"])).code, 2);
  const noDir = await runCli(["implib", MYDEF, "-o", join(dir, "no", "such", "dir.lib")]);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /cannot write file/);
});

test("lib list reads kmdll's, llvm-dlltool's and GNU dlltool's libraries alike", async () => {
  const mine = join(dir, "list-mine.lib");
  const theirs = join(dir, "list-llvm.lib");
  assert.equal((await runCli(["implib", MYDEF, "-o", mine])).code, 0);
  tool("llvm-dlltool", ["-m", "i386:x86-64", "-d", MYDEF, "-l", theirs]);
  const a = await runCli(["lib", "list", mine]);
  const b = await runCli(["lib", "list", theirs]);
  assert.equal(a.code, 0);
  assert.equal(a.stdout.split("\n").slice(0, 2).join("\n"), b.stdout.split("\n").slice(0, 2).join("\n"));
  assert.match(a.stdout, /mydriver\.sys\s+LoadPrinterDriver\s+LoadPrinterDriver\s+code\s+name\s+x64/);
  assert.match(a.stdout, /1 import from 1 DLL \(coff archive\)/);
  assert.match(b.stdout, /\(gnu archive\)/);
  const g = await runCli(["lib", "list", "--json", "/usr/i686-w64-mingw32/lib/libhal.a"]);
  assert.equal(g.code, 0);
  const rows = JSON.parse(g.stdout) as { dll: string; symbol: string; importName: string; type: string; nameType: string }[];
  const r = rows.find((x) => x.symbol === "_KeGetCurrentIrql@0");
  assert.deepEqual(r && [r.dll, r.importName, r.type, r.nameType], ["HAL.dll", "KeGetCurrentIrql", "code", "undecorate"]);
});
