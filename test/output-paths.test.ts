/**
 * Where kmdll writes (issue 18, item 3): never onto one of the command's inputs (one-line error,
 * exit 2), never replacing a PE image or library with another kind of file without --force, never
 * through a symbolic link that leaves the target folder (build --install ROOT, kmdll new); and
 * `def fmt` keeps comments. Every expectation comes from how the files were set up here.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoPath, runCli, type CliResult } from "./helpers.js";
import { KmdllError } from "../src/errors.js";
import { checkOutputPath, copyFileInside, resolveInside, writeFileInside } from "../src/io/output.js";
import { parseDef } from "../src/formats/def/index.js";
import { writeDef } from "../src/formats/def/writer.js";

let dir = "";
const p = (...f: string[]): string => join(dir, ...f);
const MYDRIVER = fixture("x64", "mydriver.sys");
const CLIENT = fixture("x64", "client.sys");
const DEF = repoPath("examples", "mydriver", "mydriver.def");

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kmdll-output-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One `kmdll: ...` line on stderr, exit 2, and the protected file unchanged. */
function refused(r: CliResult, file: string, before: Buffer, re: RegExp): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^kmdll: /);
  assert.match(lines[0]!, re);
  assert.deepEqual(readFileSync(file), before, `${file} was changed`);
}

test("implib a.def -o a.def, through a symbolic link and a hard link: refused, the .def unchanged", async () => {
  const def = p("a.def");
  copyFileSync(DEF, def);
  const orig = readFileSync(def);
  refused(await runCli(["implib", def, "-o", def]), def, orig, /refusing to overwrite the input/);
  symlinkSync(def, p("link.lib"));
  refused(await runCli(["implib", def, "-o", p("link.lib")]), def, orig, /refusing to overwrite the input .*same file/);
  linkSync(def, p("hard.lib"));
  refused(await runCli(["implib", def, "-o", p("hard.lib")]), def, orig, /refusing to overwrite the input/);
  // --force never makes an input writable.
  refused(await runCli(["implib", def, "-o", def, "--force"]), def, orig, /refusing to overwrite the input/);
  // Writing a new library twice is fine (replacing a library with a library).
  assert.equal((await runCli(["implib", def, "-o", p("a.lib")])).code, 0);
  assert.equal((await runCli(["implib", def, "-o", p("a.lib")])).code, 0);
  assert.equal(readFileSync(p("a.lib")).subarray(0, 8).toString("latin1"), "!<arch>\n");
});

test("def from-image x.sys -o x.sys, graph x.sys -o x.sys, sim --html x.sys: refused, the image unchanged", async () => {
  const sys = p("x.sys");
  copyFileSync(MYDRIVER, sys);
  const orig = readFileSync(sys);
  refused(await runCli(["def", "from-image", sys, "-o", sys]), sys, orig, /-o .*x\.sys: refusing to overwrite the input/);
  refused(await runCli(["graph", sys, "-o", sys]), sys, orig, /refusing to overwrite the input/);
  refused(await runCli(["graph", dir, "-o", sys]), sys, orig, /refusing to overwrite the input/);
  refused(await runCli(["sim", "--install", sys, "--html", sys, "start:x"]), sys, orig, /--html .*refusing to overwrite the input/);
  // A driver in the --root is an input of sim too.
  mkdirSync(p("root", "System32", "drivers"), { recursive: true });
  copyFileSync(MYDRIVER, p("root", "System32", "drivers", "mydriver.sys"));
  copyFileSync(CLIENT, p("root", "System32", "drivers", "client.sys"));
  const inRoot = p("root", "System32", "drivers", "mydriver.sys");
  refused(await runCli(["sim", "--root", p("root"), "--html", inRoot, "start:client"]), inRoot, readFileSync(inRoot), /refusing to overwrite the input/);
  // def fmt a.def -o a.def
  const def = p("fmt.def");
  copyFileSync(DEF, def);
  refused(await runCli(["def", "fmt", def, "-o", def]), def, readFileSync(def), /refusing to overwrite the input/);
});

test("an existing PE image is replaced by a text output only with --force", async () => {
  const other = p("other.sys");
  copyFileSync(CLIENT, other);
  const orig = readFileSync(other);
  refused(await runCli(["def", "from-image", MYDRIVER, "-o", other]), other, orig, /exists and is a PE image, not a text file; use --force/);
  refused(await runCli(["implib", DEF, "-o", other]), other, orig, /exists and is a PE image, not a library; use --force/);
  const r = await runCli(["def", "from-image", MYDRIVER, "-o", other, "--force"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(other, "utf8"), /^LIBRARY mydriver\.sys$/m);
  // A text file is replaced by a text output without --force (like a shell redirection).
  writeFileSync(p("notes.def"), "; old\n");
  assert.equal((await runCli(["def", "from-image", MYDRIVER, "-o", p("notes.def")])).code, 0);
});

test("checkOutputPath: same file by another spelling; a missing output is fine", () => {
  const f = p("spell.def");
  writeFileSync(f, "LIBRARY x.sys\n");
  assert.throws(() => checkOutputPath(join(dir, ".", "spell.def"), { inputs: [f] }), KmdllError);
  assert.throws(() => checkOutputPath(join(dir, "..", dir.split("/").pop()!, "spell.def"), { inputs: [f] }), /refusing to overwrite the input/);
  checkOutputPath(p("does-not-exist.lib"), { inputs: [f] });
  assert.throws(() => checkOutputPath(dir, { inputs: [] }), /is a directory/);
});

test("resolveInside / writeFileInside: links inside the folder are followed, links leaving it are refused", () => {
  const root = p("ws1");
  const outside = p("outside1");
  mkdirSync(join(root, "a"), { recursive: true });
  mkdirSync(outside);
  symlinkSync(outside, join(root, "out"));
  symlinkSync(join(root, "a"), join(root, "inner"));
  symlinkSync(join(dir, "nowhere"), join(root, "dangling"));
  assert.throws(() => writeFileInside(root, "out/x.txt", "x"), /symbolic link leading outside/);
  assert.throws(() => writeFileInside(root, "dangling", "x"), /does not exist; refusing to write through it/);
  assert.equal(existsSync(join(dir, "nowhere")), false);
  assert.throws(() => resolveInside(root, "../x"), /'\.\.' is not allowed/);
  assert.throws(() => resolveInside(root, "/etc/passwd"), /must be a path inside/);
  writeFileInside(root, "inner/y.txt", "y");
  assert.equal(readFileSync(join(root, "a", "y.txt"), "utf8"), "y");
  // A final component that is a link to a file outside: refused, the outside file untouched.
  writeFileSync(join(outside, "victim.sys"), "victim");
  symlinkSync(join(outside, "victim.sys"), join(root, "a", "v.sys"));
  assert.throws(() => copyFileInside(MYDRIVER, root, "a/v.sys"), /symbolic link leading outside/);
  assert.equal(readFileSync(join(outside, "victim.sys"), "utf8"), "victim");
  assert.equal(lstatSync(join(root, "a", "v.sys")).isSymbolicLink(), true);
  assert.equal(readlinkSync(join(root, "a", "v.sys")), join(outside, "victim.sys"));
});

test("kmdll new: a project folder or dirs file that is a link leading elsewhere is refused, nothing written there", async () => {
  const ws = p("ws2");
  const outside = p("outside2");
  mkdirSync(ws);
  mkdirSync(outside);
  symlinkSync(outside, join(ws, "foo"));
  let r = await runCli(["new", "export-driver", "foo", ws]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^kmdll: .*foo: is a symbolic link leading outside/);
  assert.equal(existsSync(join(outside, "foo.c")), false);
  assert.equal(existsSync(join(ws, "dirs")), false);
  rmSync(join(ws, "foo"));
  writeFileSync(join(outside, "dirs"), "DIRS= other\n");
  symlinkSync(join(outside, "dirs"), join(ws, "dirs"));
  r = await runCli(["new", "export-driver", "foo", ws]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /dirs: is a symbolic link leading outside/);
  assert.equal(readFileSync(join(outside, "dirs"), "utf8"), "DIRS= other\n");
  assert.equal(existsSync(join(ws, "foo")), false, "nothing created before the refusal");
  // A dirs file linked inside the workspace is followed and updated in place.
  rmSync(join(ws, "dirs"));
  writeFileSync(join(ws, "dirs.common"), "DIRS= \\\n    other\n");
  symlinkSync("dirs.common", join(ws, "dirs"));
  r = await runCli(["new", "export-driver", "foo", ws]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lstatSync(join(ws, "dirs")).isSymbolicLink(), true);
  assert.match(readFileSync(join(ws, "dirs.common"), "utf8"), /other \\\n\s+foo/);
});

test("def fmt keeps comments: own-line comments before the entry that followed, trailing ones on their line", () => {
  const src = [
    "; header comment",
    "LIBRARY mydriver.sys   ; the file name",
    "EXPORTS",
    "  ; entry points",
    "  DllInitialize PRIVATE",
    "  DllUnload PRIVATE ; unload",
    "  LoadPrinterDriver   @3 ; public",
    "; trailer",
    "",
  ].join("\r\n");
  const r = parseDef(src);
  const out = writeDef(r.def, r);
  assert.equal(
    out,
    [
      "; header comment",
      "LIBRARY mydriver.sys ; the file name",
      "EXPORTS",
      "  ; entry points",
      "  DllInitialize PRIVATE",
      "  DllUnload PRIVATE ; unload",
      "  LoadPrinterDriver @3 ; public",
      "; trailer",
      "",
    ].join("\n"),
  );
  // Formatting is idempotent and keeps the model.
  const again = parseDef(out);
  assert.equal(writeDef(again.def, again), out);
  assert.deepEqual(again.def, r.def);
  // Every comment's text survives.
  for (const c of r.comments) assert.ok(out.includes(";" + c.text), c.text);
});

test("def fmt CLI: comments in the output, --check accepts its own output", async () => {
  const f = p("c.def");
  writeFileSync(f, "; keep me\nLIBRARY c.sys\nEXPORTS\n  A ; and me\n");
  const r = await runCli(["def", "fmt", f]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "; keep me\nLIBRARY c.sys\nEXPORTS\n  A ; and me\n");
  assert.equal((await runCli(["def", "fmt", "--check", f])).code, 0);
});

test("writeOutputFile replaces an existing file by renaming a temporary file over it: mode kept, symbolic links written through, hard links and devices in place", async () => {
  const { writeOutputFile } = await import("../src/io/output.js");
  const { chmodSync, readdirSync, statSync } = await import("node:fs");
  const d = p("replace");
  mkdirSync(d);
  // A plain file: a new inode with the old permission bits, the new contents, no temporary file left.
  writeFileSync(join(d, "a.txt"), "old");
  chmodSync(join(d, "a.txt"), 0o640);
  const ino = statSync(join(d, "a.txt")).ino;
  writeOutputFile(join(d, "a.txt"), "new");
  assert.equal(readFileSync(join(d, "a.txt"), "utf8"), "new");
  assert.equal(statSync(join(d, "a.txt")).mode & 0o777, 0o640);
  assert.notEqual(statSync(join(d, "a.txt")).ino, ino, "replaced, not rewritten in place");
  // Through a symbolic link: the link stays, its target gets the bytes.
  mkdirSync(join(d, "real"));
  writeFileSync(join(d, "real", "t.lib"), "old");
  symlinkSync(join(d, "real", "t.lib"), join(d, "link.lib"));
  writeOutputFile(join(d, "link.lib"), "via link");
  assert.ok(lstatSync(join(d, "link.lib")).isSymbolicLink());
  assert.equal(readFileSync(join(d, "real", "t.lib"), "utf8"), "via link");
  // A file with another hard link: written in place, so both names see the new bytes (as before).
  writeFileSync(join(d, "h1"), "old");
  linkSync(join(d, "h1"), join(d, "h2"));
  writeOutputFile(join(d, "h1"), "both");
  assert.equal(readFileSync(join(d, "h2"), "utf8"), "both");
  // A device and a file that does not exist yet.
  writeOutputFile("/dev/null", "discarded");
  assert.ok(statSync("/dev/null").isCharacterDevice());
  writeOutputFile(join(d, "fresh.txt"), "created");
  assert.equal(readFileSync(join(d, "fresh.txt"), "utf8"), "created");
  assert.deepEqual([...readdirSync(d), ...readdirSync(join(d, "real"))].filter((f) => f.endsWith(".tmp")), [], "no temporary file left");
});
