/**
 * QA: the loader on import graphs built by the independent LLVM tools (clang, lld-link and
 * llvm-dlltool for the import libraries — not kmdll's own writer): forwarder loops, forwarders into
 * modules that are not loaded, and mutual imports. Expectations come from SPEC §6 (what the kernel
 * does), never from kmdll's output.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";

let dir = "";
const p = (f: string): string => join(dir, f);

function driver(name: string, c: string, def: string): void {
  writeFileSync(p(`${name}.c`), c);
  writeFileSync(p(`${name}.def`), def);
  tool("clang", ["--target=x86_64-pc-windows-msvc", "-O2", "-ffreestanding", "-c", `${name}.c`, "-o", `${name}.obj`], { cwd: dir });
  tool("lld-link", ["/machine:x64", "/driver", "/subsystem:native", "/entry:DriverEntry", "/nodefaultlib", "/Brepro", `/def:${name}.def`, `/out:${name}.sys`, `${name}.obj`], { cwd: dir });
}

/** An import library for `dll` offering `names`, written by llvm-dlltool. */
function importLib(lib: string, dll: string, names: string[]): void {
  writeFileSync(p(`${lib}.imp.def`), `LIBRARY ${dll}\nEXPORTS\n${names.map((n) => `  ${n}\n`).join("")}`);
  tool("llvm-dlltool", ["-m", "i386:x86-64", "-d", `${lib}.imp.def`, "-l", `${lib}.lib`], { cwd: dir });
}

function client(name: string, c: string, libs: string[]): void {
  writeFileSync(p(`${name}.c`), c);
  tool("clang", ["--target=x86_64-pc-windows-msvc", "-O2", "-ffreestanding", "-c", `${name}.c`, "-o", `${name}.obj`], { cwd: dir });
  tool("lld-link", ["/machine:x64", "/driver", "/subsystem:native", "/entry:DriverEntry", "/nodefaultlib", "/Brepro", `/out:${name}.sys`, `${name}.obj`, ...libs], { cwd: dir });
}

const BODY = "int DriverEntry(void *a, void *b) { (void)a; (void)b; return 0; }\nint G(void) { return 1; }\n";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-qa-loader-"));
  // a.sys!F forwards to b.F and b.sys!F forwards back to a.F.
  driver("a", BODY, "LIBRARY a.sys\nEXPORTS\n  G\n  F=b.F\n");
  driver("b", BODY, "LIBRARY b.sys\nEXPORTS\n  G\n  F=a.F\n");
  importLib("bG", "b.sys", ["G"]);
  importLib("aF", "a.sys", ["F"]);
  // Imports b!G first (so b is loaded), then a!F: the forwarder loop is reached.
  client("loop", "__declspec(dllimport) int F(void);\n__declspec(dllimport) int G(void);\nint DriverEntry(void *a, void *b) { (void)a; (void)b; return F() + G(); }\n", ["bG.lib", "aF.lib"]);
  // fwd.sys!H forwards to nothere.H; no module "nothere" is ever loaded.
  driver("fwd", BODY, "LIBRARY fwd.sys\nEXPORTS\n  G\n  H=nothere.H\n");
  importLib("fwdH", "fwd.sys", ["H"]);
  client("usesfwd", "__declspec(dllimport) int H(void);\nint DriverEntry(void *a, void *b) { (void)a; (void)b; return H(); }\n", ["fwdH.lib"]);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function events(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("a forwarder loop (a!F → b.F → a.F) fails the import with 0xC0000263 and says why, without hanging", async () => {
  // lld-link wrote the forwarder strings into the export sections.
  assert.ok(readFileSync(p("a.sys")).includes("b.F\0"));
  assert.ok(readFileSync(p("b.sys")).includes("a.F\0"));
  const r = await runCli(["sim", "--json", "--install", p("a.sys"), p("b.sys"), p("loop.sys"), "--", "start:loop"], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stderr);
  const ev = events(r.stdout);
  const fail = ev.find((e) => e.event === "fail");
  assert.equal(fail?.status, "0xC0000263");
  assert.equal(fail?.missing, "a.sys!F");
  assert.ok(ev.some((e) => e.event === "warning" && /loop/.test(String(e.message))), "a warning names the forwarding loop");
  assert.ok(!ev.some((e) => e.event === "call" && e.module === "loop.sys"), "DriverEntry of the importer never runs");
});

test("a forwarder into a module that is not loaded fails with 0xC0000263 and names the module", async () => {
  const r = await runCli(["sim", "--json", "--install", p("fwd.sys"), p("usesfwd.sys"), "--", "start:usesfwd"]);
  assert.equal(r.code, 1, r.stderr);
  const ev = events(r.stdout);
  assert.equal(ev.find((e) => e.event === "fail")?.status, "0xC0000263");
  assert.ok(ev.some((e) => e.event === "warning" && /nothere/.test(String(e.message)) && /not loaded|no module/.test(String(e.message))), JSON.stringify(ev));
  // SPEC §6: the dependency loaded for the failed importer is dereferenced to zero; fwd.sys has
  // no DllUnload, so it stays (pinned) with count 0, and usesfwd.sys is gone.
  const end = ev.at(-1) as { modules: { module: string; count: number }[] };
  assert.deepEqual(end.modules, [{ module: "fwd.sys", count: 0 }]);
});
