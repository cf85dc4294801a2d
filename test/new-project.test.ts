// `kmdll new`: name validation, refusing to overwrite, --imports resolution, the dirs file.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newProject, nameProblem, parseDirs } from "../src/toolchain/index.js";
import { runCli } from "./helpers.js";

/** A temporary folder removed when the file's tests end. */
function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}


test("names must be C identifiers without path separators; bad names exit 2 with one line", async () => {
  for (const bad of ["../evil", "a/b", "a\\b", "1abc", "with space", "", "x".repeat(64), "out", "NTOSKRNL", "foo.sys"]) {
    assert.ok(nameProblem(bad), bad);
  }
  for (const good of ["foo", "_x", "My_Driver2"]) assert.equal(nameProblem(good), undefined);
  const ws = scratch("kmdll-new-");
  const r = await runCli(["new", "export-driver", "../evil"], { cwd: ws });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^kmdll: invalid name '\.\.\/evil': use a C identifier/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  const u = await runCli(["new", "library", "x"], { cwd: ws });
  assert.equal(u.code, 2);
});

test("refuses to overwrite a project, to import a missing or non-export driver, or to nest in a project", () => {
  const ws = scratch("kmdll-new-");
  newProject("export-driver", "foo", { workspace: ws });
  assert.throws(() => newProject("export-driver", "foo", { workspace: ws }), /already exists and is not empty/);
  assert.throws(() => newProject("driver", "bar", { workspace: ws, imports: "nothere" }), /no export driver with TARGETNAME=nothere .*kmdll new export-driver nothere/);
  newProject("driver", "plain", { workspace: ws });
  assert.throws(() => newProject("driver", "bar", { workspace: ws, imports: "plain" }), /is not an export driver \(TARGETTYPE=DRIVER\)/);
  assert.throws(() => newProject("driver", "bar", { workspace: join(ws, "foo") }), /is itself a project/);
  assert.throws(() => newProject("driver", "foo2", { workspace: ws, imports: "foo2" }), /cannot import itself/);
});

test("an existing dirs file is extended in place, keeping its comments", () => {
  const ws = scratch("kmdll-new-");
  writeFileSync(join(ws, "dirs"), "# my tree\nDIRS= \\\n    legacy   # old one\n\n# end\n");
  mkdirSync(join(ws, "legacy"));
  writeFileSync(join(ws, "legacy", "sources"), "TARGETNAME=legacy\nTARGETTYPE=DRIVER\nSOURCES=l.c\n");
  const r = newProject("export-driver", "foo", { workspace: ws });
  assert.deepEqual(r.buildOrder, ["legacy", "foo"]);
  const text = readFileSync(join(ws, "dirs"), "utf8");
  assert.match(text, /^# my tree\nDIRS= \\\n {4}legacy \\ # old one\n {4}foo\n\n# end\n$/);
  assert.deepEqual(parseDirs(text).dirs.map((d) => d.dir), ["legacy", "foo"]);
});

test("--imports an export driver that is not a template: the driver declares its first importable routine", async () => {
  const ws = scratch("kmdll-new-");
  mkdirSync(join(ws, "printer"));
  writeFileSync(join(ws, "printer", "sources"), "TARGETNAME=printer\nTARGETTYPE=EXPORT_DRIVER\nDLLDEF=printer.def\nSOURCES=printer.c\n");
  writeFileSync(join(ws, "printer", "printer.def"), "LIBRARY printer.sys\nEXPORTS\n  DllInitialize PRIVATE\n  DllUnload PRIVATE\n  Hidden PRIVATE\n  Table DATA\n  LoadPrinterDriver @5\n");
  writeFileSync(join(ws, "printer", "printer.c"), "#include <ntddk.h>\nNTSTATUS DriverEntry(PDRIVER_OBJECT d, PUNICODE_STRING r) { return 0; }\nNTSTATUS NTAPI DllInitialize(PUNICODE_STRING r) { return 0; }\nNTSTATUS NTAPI DllUnload(void) { return 0; }\nint Hidden(void) { return 0; }\nint Table[4];\nint LoadPrinterDriver(int a) { return a + 1; }\n");
  const r = newProject("driver", "client", { workspace: ws, imports: "printer" });
  assert.equal(r.imports?.routine, "LoadPrinterDriver");
  assert.deepEqual(r.buildOrder, ["printer", "client"]);
  const b = await runCli(["build", ws, "--arch", "x64", "--no-check"]);
  assert.equal(b.code, 0, b.stdout + b.stderr);
});
