// `kmdll new export-driver foo` + `kmdll new driver bar --imports foo` → `kmdll build` → check
// → sim, for x64 and x86, verified with independent tools (llvm-readobj, llvm-objdump, llvm-nm).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tool } from "./helpers.js";

/** A temporary folder removed when the file's tests end. */
function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}


const exportsOf = (file: string) => [...tool("llvm-readobj", ["--coff-exports", file]).stdout.matchAll(/Name: (\S+)/g)].map((m) => m[1]!);
const dllNameOf = (file: string) => /DLL name: (\S+)/.exec(tool("llvm-objdump", ["-p", file]).stdout)?.[1];
/** module → imported symbols, from llvm-readobj. */
function importsOf(file: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const block of tool("llvm-readobj", ["--coff-imports", file]).stdout.split(/^Import \{/m).slice(1)) {
    const name = /Name: (\S+)/.exec(block)![1]!;
    out[name] = [...block.matchAll(/Symbol: (\S+)/g)].map((m) => m[1]!);
  }
  return out;
}

for (const arch of ["x64", "x86"] as const) {
  test(`templates: new export-driver foo + new driver bar --imports foo → build → check → sim (${arch})`, async () => {
    const ws = scratch(`kmdll-ws-${arch}-`);
    const n1 = await runCli(["new", "export-driver", "foo"], { cwd: ws });
    assert.equal(n1.code, 0, n1.stderr);
    const n2 = await runCli(["new", "driver", "bar", "--imports", "foo"], { cwd: ws });
    assert.equal(n2.code, 0, n2.stderr);
    assert.match(readFileSync(join(ws, "foo", "foo.def"), "utf8"), /^LIBRARY foo\.sys\nEXPORTS\n {2}DllInitialize PRIVATE\n {2}DllUnload PRIVATE\n {2}FooAdd\n/m);

    const b = await runCli(["build", ".", "--arch", arch, "--install", "root"], { cwd: ws });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    assert.match(b.stdout, new RegExp(`^foo \\(${arch}\\): compiled foo/foo.c foo/foo_add.c; linked out/${arch}/foo.sys; wrote out/${arch}/foo.lib; check: clean$`, "m"));
    assert.match(b.stdout, new RegExp(`^bar \\(${arch}\\): compiled bar/bar.c bar/bar_report.c; linked out/${arch}/bar.sys; check: clean$`, "m"));
    assert.equal(b.stderr, "", "no warnings from the templates");

    const foo = join(ws, "out", arch, "foo.sys");
    const bar = join(ws, "out", arch, "bar.sys");
    // The export driver: its export table is named foo.sys and has the three routines.
    assert.equal(dllNameOf(foo), "foo.sys");
    for (const e of ["DllInitialize", "DllUnload", "FooAdd"]) assert.ok(exportsOf(foo).includes(e), `${e} exported: ${exportsOf(foo)}`);
    // Its export library binds FooAdd to foo.sys and leaves the PRIVATE entry points out.
    const nm = tool("llvm-nm", [join(ws, "out", arch, "foo.lib")]).stdout;
    assert.match(nm, arch === "x64" ? /__imp_FooAdd\b/ : /__imp__FooAdd\b/);
    assert.doesNotMatch(nm, /DllInitialize|DllUnload/);
    // The driver imports FooAdd from foo.sys (and kernel routines from ntoskrnl.exe only).
    const imps = importsOf(bar);
    assert.deepEqual(imps["foo.sys"], ["FooAdd"]);
    assert.deepEqual(Object.keys(imps).sort(), ["foo.sys", "ntoskrnl.exe"]);
    assert.ok(existsSync(join(ws, "root", "System32", "drivers", "foo.sys")) && existsSync(join(ws, "root", "System32", "drivers", "bar.sys")));
    // --install put the arch asked for in the root (llvm-readobj's machine of the installed files).
    for (const f of ["foo.sys", "bar.sys"])
      assert.match(tool("llvm-readobj", ["--file-headers", join(ws, "root", "System32", "drivers", f)]).stdout, arch === "x64" ? /Machine: IMAGE_FILE_MACHINE_AMD64/ : /Machine: IMAGE_FILE_MACHINE_I386/, f);
    // Subsystem native, as a driver must be.
    assert.match(tool("llvm-readobj", ["--file-headers", bar]).stdout, /Subsystem: IMAGE_SUBSYSTEM_NATIVE/);

    // kmdll check: no findings on either image.
    for (const img of [foo, bar]) {
      const c = await runCli(["check", img, "--root", join(ws, "root"), "--json"]);
      assert.equal(c.code, 0, c.stdout + c.stderr);
      assert.deepEqual(JSON.parse(c.stdout).findings, []);
    }

    // kmdll sim: start bar → foo loaded, DllInitialize; stop bar → DllUnload, foo unloaded.
    const s = await runCli(["sim", "--root", join(ws, "root"), "--json", "start:bar", "stop:bar"]);
    assert.equal(s.code, 0, s.stdout + s.stderr);
    const events = s.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const calls = events.filter((e) => e.event === "call").map((e) => `${String(e.module).toLowerCase()}!${e.routine}`);
    assert.deepEqual(calls, ["foo.sys!DllInitialize", "bar.sys!DriverEntry", "bar.sys!DriverUnload", "foo.sys!DllUnload"]);
    const init = events.find((e) => e.event === "call" && e.routine === "DllInitialize")!;
    assert.equal(init.arg, "\\REGISTRY\\MACHINE\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\foo");
    const prints = events.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim());
    assert.ok(prints.some((p) => /^bar: DriverEntry\(.*\): FooAdd\(40, 2\) = 42$/.test(p)), prints.join("\n"));
    assert.ok(prints.includes("foo: DllUnload (FooAdd called 1 time(s))"), prints.join("\n"));
    assert.ok(events.some((e) => e.event === "unload" && String(e.module).toLowerCase() === "foo.sys"));
  });
}

test("templates: a plain driver and the generated README/dirs layout", async () => {
  const ws = scratch("kmdll-ws-plain-");
  const n = await runCli(["new", "driver", "solo", ws, "--json"]);
  assert.equal(n.code, 0, n.stderr);
  const doc = JSON.parse(n.stdout);
  assert.deepEqual(doc.buildOrder, ["solo"]);
  assert.deepEqual(doc.files.map((f: string) => f.split("/").pop()).sort(), ["README.md", "solo.c", "solo.h", "solo_report.c", "sources"]);
  const b = await runCli(["build", ws, "--arch", "x64", "--install", join(ws, "root")]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^solo \(x64\): compiled .*solo\.c .*solo_report\.c; linked .*solo\.sys; check: clean$/m);
  const imps = importsOf(join(ws, "out", "x64", "solo.sys"));
  assert.deepEqual(Object.keys(imps), ["ntoskrnl.exe"]);
  assert.deepEqual(exportsOf(join(ws, "out", "x64", "solo.sys")), []);
  const s = await runCli(["sim", "--root", join(ws, "root"), "--json", "start:solo", "stop:solo"]);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  const events = s.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.filter((e) => e.event === "dbgprint").map((e) => String(e.text).trim()), [
    "solo: DriverEntry(\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\solo)",
    "solo: DriverUnload",
  ]);
});
