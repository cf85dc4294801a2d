/**
 * `kmdll scan` over Debian's wine64 PE corpus (hundreds of real DLLs, EXEs and .sys files):
 * every file is found by magic, nothing aborts the scan, and for a sample of files the import
 * and export tables and the resolution of imports against the other files agree with
 * llvm-readobj.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readobj, type ReadobjImage } from "./scan-readobj.js";
import { scanDirectory, type ScanReport } from "../src/scan/index.js";

const WINE = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const present = existsSync(WINE);

/** Independent PE magic check (MZ, then PE\0\0 at e_lfanew). */
function isPe(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const h = Buffer.alloc(64);
    if (readSync(fd, h, 0, 64, 0) !== 64 || h.toString("latin1", 0, 2) !== "MZ") return false;
    const s = Buffer.alloc(4);
    return readSync(fd, s, 0, 4, h.readUInt32LE(60)) === 4 && s.toString("latin1") === "PE\0\0";
  } finally {
    closeSync(fd);
  }
}

let report: ScanReport;

before(async () => {
  if (present) report = await scanDirectory(WINE, { jobs: 2 });
});

test("every PE file of the wine64 corpus is scanned", { skip: !present && "wine64 is not installed" }, () => {
  const names = readdirSync(WINE).sort();
  const pe = names.filter((n) => isPe(join(WINE, n)));
  assert.ok(pe.length > 300, `corpus has ${pe.length} PE files`);
  assert.deepEqual(report.images.map((i) => i.path).concat(report.errors.map((e) => e.path)).sort(), pe);
  assert.equal(report.notPe, names.length - pe.length);
  assert.equal(report.files, names.length);
});

test("a sample of the corpus: imports, exports and their resolution agree with llvm-readobj", { skip: !present && "wine64 is not installed" }, () => {
  const byName = new Map(report.images.map((i) => [i.path.toLowerCase(), i]));
  const sample = report.images.filter((_, i) => i % 15 === 0).map((i) => i.path);
  assert.ok(sample.length >= 30);
  const ro = readobj(sample.map((p) => join(WINE, p)));
  // The modules the sample imports from that are in the corpus too.
  const targets = new Set<string>();
  for (const p of sample) for (const dll of ro.get(join(WINE, p))?.imports.keys() ?? []) if (byName.has(dll.toLowerCase())) targets.add(byName.get(dll.toLowerCase())!.path);
  const roTargets = readobj([...targets].map((p) => join(WINE, p)));
  const exportsOf = (dll: string): ReadobjImage | null | undefined => {
    const im = byName.get(dll.toLowerCase());
    return im ? roTargets.get(join(WINE, im.path)) : undefined;
  };

  let compared = 0;
  let rejected = 0;
  let checkedNames = 0;
  for (const p of sample) {
    const expected = ro.get(join(WINE, p));
    if (!expected) {
      rejected++; // llvm-readobj refuses a few wine files (e.g. an empty export directory)
      continue;
    }
    compared++;
    const im = byName.get(p.toLowerCase())!;
    assert.deepEqual(im.imports.filter((m) => !m.delay).map((m) => [m.dll, m.names]), [...expected.imports.entries()].filter(([d]) => !d.startsWith("delay:")), p);
    assert.equal(im.exports, expected.exportOrdinals.length, `${p} export count`);
    // Resolution: names llvm-readobj does not list among the target's exports are exactly the unresolved ones.
    for (const [dll, names] of expected.imports) {
      if (dll.startsWith("delay:")) continue;
      const target = exportsOf(dll);
      const reported = report.unresolved.filter((u) => u.importer === p && u.dll.toLowerCase() === dll.toLowerCase());
      if (target === undefined) {
        assert.deepEqual(reported.map((u) => u.reason), ["missing-module"], `${p} → ${dll} (not in the corpus)`);
        continue;
      }
      if (target === null) continue; // llvm-readobj could not read the target
      const exported = new Set(target.exportNames);
      const ords = new Set(target.exportOrdinals);
      const missing = names.filter((n) => (n.startsWith("#") ? !ords.has(Number(n.slice(1))) : !exported.has(n)));
      assert.deepEqual(reported.flatMap((u) => u.names), missing, `${p} → ${dll}`);
      checkedNames += names.length;
      const edge = report.graph.edges.find((e) => e.from === p.toLowerCase() && e.to === dll.toLowerCase());
      assert.ok(edge, `edge ${p} → ${dll}`);
    }
  }
  assert.ok(compared >= 25 && rejected <= 5, `compared ${compared}, llvm-readobj rejected ${rejected}`);
  assert.ok(checkedNames > 500, `${checkedNames} imported names resolved and compared`);
});

test("export drivers of the corpus are listed with their importers, consistent with the edges", { skip: !present && "wine64 is not installed" }, () => {
  const ntdll = report.exportDrivers.find((d) => d.path === "ntdll.dll");
  assert.ok(ntdll, "ntdll.dll is imported by others and exports functions");
  const importers = report.graph.edges.filter((e) => e.to === "ntdll.dll").map((e) => e.from);
  assert.deepEqual(ntdll.importers.map((p) => p.toLowerCase()).sort(), [...new Set(importers)].sort());
  assert.ok(ntdll.importers.length > 100);
  // ntoskrnl.exe is a kernel node even when an image of it is present.
  assert.equal(report.images.find((i) => i.path === "ntoskrnl.exe")?.kind, "kernel");
});

test("wine's .sys drivers: their user-mode imports are user-mode-import findings", { skip: !present && "wine64 is not installed" }, () => {
  const sys = report.images.filter((i) => i.path.endsWith(".sys"));
  assert.ok(sys.length >= 5);
  const ro = readobj(sys.map((i) => join(WINE, i.path)));
  let checked = 0;
  for (const im of sys) {
    const expected = ro.get(join(WINE, im.path));
    if (!expected) continue;
    const userMode = [...expected.imports.keys()].filter((d) => /^(ntdll|kernel32|ucrtbase)\.dll$/i.test(d));
    const reported = new Set(im.findings.filter((f) => f.rule === "user-mode-import").map((f) => f.location.module?.toLowerCase()));
    for (const d of userMode) assert.ok(reported.has(d.toLowerCase()), `${im.path}: user-mode-import for ${d}`);
    checked += userMode.length;
  }
  assert.ok(checked >= 10, `${checked} user-mode imports checked`);
});
