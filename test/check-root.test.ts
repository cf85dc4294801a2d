/**
 * Module lookup of `kmdll check`: --root (case-insensitive, System32/drivers, ntoskrnl/hal
 * override), next to the image without --root, names that try to leave the root, files that are
 * not images, modules without an export table, ordinals, and the relocation heuristic. Images
 * are real fixtures, some with a byte patched to make the case.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkFile } from "../src/check/io.js";
import { fixture } from "./helpers.js";
import { makeRoot, readobj } from "./check-support.js";

function tmp(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-check-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copy a fixture into dir with one byte string replaced (same length). */
function patched(src: string, dir: string, name: string, from: string, to: string): string {
  assert.equal(from.length, to.length);
  const buf = readFileSync(src);
  const at = buf.indexOf(Buffer.from(from, "latin1"));
  assert.ok(at >= 0, `${from} in ${src}`);
  buf.write(to, at, "latin1");
  assert.equal(buf.indexOf(Buffer.from(from, "latin1")), -1, "only one occurrence");
  const out = join(dir, name);
  writeFileSync(out, buf);
  return out;
}

test("--root lookup is case-insensitive in every path component", () => {
  const r = makeRoot("x64", ["mydriver"], { system32: "SYSTEM32", drivers: "Drivers", rename: (n) => n.toUpperCase() });
  try {
    assert.deepEqual(checkFile(fixture("x64", "client.sys"), { root: r.root }).findings, []);
  } finally {
    r.cleanup();
  }
});

test("--root without the export driver: missing-module naming the folder searched", () => {
  const r = makeRoot("x64", []);
  try {
    const fs = checkFile(fixture("x64", "client.sys"), { root: r.root }).findings;
    assert.deepEqual(fs.map((f) => f.rule), ["missing-module"]);
    assert.equal(fs[0]!.location.module, "mydriver.sys");
    assert.ok(fs[0]!.message.includes(join(r.root, "System32", "drivers")));
  } finally {
    r.cleanup();
  }
});

test("without --root the image's own folder is searched", () => {
  const t = tmp();
  try {
    copyFileSync(fixture("x86", "client.sys"), join(t.dir, "client.sys"));
    const fs = checkFile(join(t.dir, "client.sys")).findings;
    assert.deepEqual(fs.map((f) => f.rule), ["missing-module"]);
    assert.match(fs[0]!.message, /image's folder/);
    copyFileSync(fixture("x86", "mydriver.sys"), join(t.dir, "MyDriver.Sys"));
    assert.deepEqual(checkFile(join(t.dir, "client.sys")).findings, []);
  } finally {
    t.cleanup();
  }
});

test("import names that leave the root are never looked up (path separators, ..)", () => {
  const r = makeRoot("x64", ["mydriver"]);
  try {
    // A real image a traversal would reach: <root>/System32/evil.sys and <root>/evil.sys.
    copyFileSync(fixture("x64", "mydriver.sys"), join(r.root, "System32", "evil.sys"));
    copyFileSync(fixture("x64", "mydriver.sys"), join(r.root, "evil.sys"));
    for (const name of ["../evil.sys\0", "..\\evil.sys", "..\\.\\..\\e.s"]) {
      const img = patched(fixture("x64", "bad-missing-module.sys"), r.root, "trav.sys", "otherdrv.sys", name.padEnd(12, "\0"));
      const fs = checkFile(img, { root: r.root }).findings;
      assert.deepEqual(fs.map((f) => f.rule), ["missing-module"], JSON.stringify(fs));
      assert.match(fs[0]!.message, /path separator|"\.\."/);
    }
  } finally {
    r.cleanup();
  }
});

test("symbolic links placed in the root are followed", () => {
  const r = makeRoot("x64", []);
  const t = tmp();
  try {
    copyFileSync(fixture("x64", "mydriver.sys"), join(t.dir, "build-output.sys"));
    symlinkSync(join(t.dir, "build-output.sys"), join(r.drivers, "mydriver.sys"));
    assert.deepEqual(checkFile(fixture("x64", "client.sys"), { root: r.root }).findings, []);
  } finally {
    r.cleanup();
    t.cleanup();
  }
});

test("a module in the root that is not an image: missing-module saying why", () => {
  const r = makeRoot("x64", []);
  try {
    writeFileSync(join(r.drivers, "otherdrv.sys"), "not a PE file\n");
    const fs = checkFile(fixture("x64", "bad-missing-module.sys"), { root: r.root }).findings;
    assert.deepEqual(fs.map((f) => f.rule), ["missing-module"]);
    assert.match(fs[0]!.message, /not a loadable image/);
  } finally {
    r.cleanup();
  }
});

test("a module without an export table: unresolved-import (0xC0000263)", () => {
  const r = makeRoot("x64", []);
  try {
    copyFileSync(fixture("x64", "client.sys"), join(r.drivers, "otherdrv.sys"));
    const fs = checkFile(fixture("x64", "bad-missing-module.sys"), { root: r.root }).findings;
    assert.deepEqual(fs.map((f) => f.rule), ["unresolved-import"]);
    assert.match(fs[0]!.message, /no export table.*0xC0000263/);
  } finally {
    r.cleanup();
  }
});

test("an import of mydriver.dll when mydriver.sys exists points at the LIBRARY pitfall", () => {
  const r = makeRoot("x64", ["mydriver"]);
  try {
    const img = patched(fixture("x64", "client.sys"), r.root, "client.sys", "mydriver.sys", "mydriver.dll");
    const fs = checkFile(img, { root: r.root }).findings;
    assert.deepEqual(fs.map((f) => f.rule), ["missing-module"]);
    assert.match(fs[0]!.message, /LIBRARY mydriver\.sys/);
  } finally {
    r.cleanup();
  }
});

test("a Windows system driver outside the database (WDFLDR.SYS): a note, not an error", () => {
  const r = makeRoot("x64", []);
  try {
    const img = patched(fixture("x64", "client.sys"), r.root, "kmdf.sys", "mydriver.sys", "WDFLDR.SYS\0\0");
    const fs = checkFile(img, { root: r.root }).findings;
    assert.deepEqual(fs.map((f) => [f.rule, f.severity]), [["unresolved-import", "note"]]);
    assert.match(fs[0]!.message, /WDFLDR\.SYS.*not checked/);
    // A real file in the root is checked for real.
    copyFileSync(fixture("x64", "mydriver.sys"), join(r.drivers, "wdfldr.sys"));
    assert.deepEqual(checkFile(img, { root: r.root }).findings, []);
  } finally {
    r.cleanup();
  }
});

test("System32/ntoskrnl.exe in the root replaces the database", () => {
  const r = makeRoot("x64", ["mydriver"]);
  try {
    // A stand-in kernel that exports only what mydriver exports: DbgPrint is then unresolved.
    copyFileSync(fixture("x64", "mydriver.sys"), join(r.root, "System32", "NTOSKRNL.EXE"));
    const fs = checkFile(fixture("x64", "client.sys"), { root: r.root }).findings;
    assert.ok(fs.length > 0 && fs.every((f) => f.rule === "unresolved-import" && f.location.module === "ntoskrnl.exe"), JSON.stringify(fs));
    assert.ok(fs.some((f) => f.location.symbol === "DbgPrint"));
  } finally {
    r.cleanup();
  }
});

test("an ordinal beyond the export table: unresolved-import (0xC0000262)", { skip: existsSync(fixture("x64", "ordclient.sys")) ? false : "no ordinal-import fixture" }, () => {
  const r = makeRoot("x64", ["mydriver"]);
  try {
    const exports = readobj(fixture("x64", "mydriver.sys")).exports;
    const fs = checkFile(fixture("x64", "ordclient.sys"), { root: r.root }).findings.filter((f) => f.rule === "unresolved-import");
    assert.equal(fs.length, 1);
    const ord = fs[0]!.location.ordinal!;
    assert.ok(!exports.some((e) => e.ordinal === ord), `llvm-readobj: mydriver has no ordinal ${ord}`);
    assert.match(fs[0]!.message, /0xC0000262/);
  } finally {
    r.cleanup();
  }
});

for (const arch of ["x64", "x86"] as const) {
  test(`${arch}: relocations missing without the stripped flag: the heuristic finds an absolute address`, () => {
    const t = tmp();
    try {
      const src = fixture(arch, "bad-fixed.sys");
      const facts = readobj(src);
      const buf = readFileSync(src);
      const peOff = buf.readUInt32LE(0x3c);
      const chOff = peOff + 4 + 18;
      assert.equal(buf.readUInt16LE(chOff), facts.characteristics);
      buf.writeUInt16LE(facts.characteristics & ~1, chOff);
      const img = join(t.dir, "bad-fixed.sys");
      writeFileSync(img, buf);
      const fs = checkFile(img).findings;
      assert.deepEqual(fs.map((f) => f.rule), ["not-relocatable"]);
      const at = fs[0]!.location.offset!;
      const v = arch === "x64" ? buf.readBigUInt64LE(at) : BigInt(buf.readUInt32LE(at));
      assert.ok(v >= facts.imageBase && v < facts.imageBase + BigInt(facts.sizeOfImage), `value 0x${v.toString(16)} at 0x${at.toString(16)} is an address in the image`);
    } finally {
      t.cleanup();
    }
  });
}

test("--root that is not a folder is an input error", () => {
  assert.throws(() => checkFile(fixture("x64", "client.sys"), { root: fixture("x64", "client.sys") }), /--root is not a folder/);
  const t = tmp();
  try {
    mkdirSync(join(t.dir, "empty"));
    assert.deepEqual(checkFile(fixture("x64", "bad-subsystem.sys"), { root: join(t.dir, "empty") }).findings.map((f) => f.rule), ["subsystem-not-native"]);
  } finally {
    t.cleanup();
  }
});
