/**
 * The fixture matrix of `kmdll check`: each bad-* example driver (built from C in examples/)
 * triggers its rule and nothing else; the clean drivers produce no finding. Locations are
 * cross-checked against llvm-readobj and the raw files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkFile, type CheckFileOptions } from "../src/check/io.js";
import type { Finding } from "../src/check/types.js";
import { fixture, repoPath, tool } from "./helpers.js";
import { ARCHES, CLEAN, makeRoot, readobj, type Arch } from "./check-support.js";

interface Case {
  name: string;
  arches?: Arch[];
  opts?: (arch: Arch) => CheckFileOptions;
  /** Expected rules (with multiplicity), in any order. */
  rules: string[];
  /** Severity of every finding (default error). */
  severity?: "error" | "warning";
  /** Extra assertions on the findings. */
  verify?: (findings: Finding[], arch: Arch, path: string) => void;
}

const defOf = (name: string) => repoPath("examples", name, name + ".def");

function u16(buf: Buffer, off: number): number {
  return buf.readUInt16LE(off);
}

function iatCheck(f: Finding, path: string, ptr: number) {
  const facts = readobj(path);
  // An image may have several descriptors for one DLL (one per import library): take the one holding the slot.
  const rva0 = f.location.rva!;
  const imp = facts.imports.find((i) => i.dll === f.location.module && rva0 >= i.iatRva && rva0 <= i.iatRva + ptr * i.symbols.length);
  assert.ok(imp, `llvm-readobj lists an import of ${f.location.module}`);
  const rva = f.location.rva!;
  assert.ok(rva >= imp.iatRva && rva < imp.iatRva + ptr * imp.symbols.length + ptr, `IAT RVA ${rva} within ${imp.iatRva}+${imp.symbols.length} slots`);
  if (f.location.symbol) {
    const idx = imp.symbols.indexOf(f.location.symbol);
    assert.ok(idx >= 0, `llvm-readobj lists ${f.location.symbol}`);
    assert.equal(rva, imp.iatRva + idx * ptr, "IAT slot of the symbol");
  }
}

const CASES: Case[] = [
  {
    name: "bad-malloc",
    rules: ["user-mode-import"],
    verify: ([f], arch, path) => {
      assert.equal(f!.location.module?.toLowerCase(), "msvcrt.dll");
      assert.match(f!.message, /malloc → ExAllocatePool2/);
      assert.match(f!.message, /free → ExFreePoolWithTag/);
      assert.match(f!.message, /0xC0000034/);
      iatCheck(f!, path, arch === "x64" ? 8 : 4);
    },
  },
  {
    name: "bad-stack-probe",
    rules: ["compiler-helper-import"],
    verify: ([f], arch, path) => {
      // x86 ntdll.dll exports the probe as _chkstk (the C name of the __chkstk symbol).
      assert.equal(f!.location.symbol, arch === "x64" ? "__chkstk" : "_chkstk");
      assert.equal(f!.location.module, "ntdll.dll");
      assert.match(f!.message, /-mno-stack-arg-probe/);
      assert.match(f!.message, /0xC000007A/);
      iatCheck(f!, path, arch === "x64" ? 8 : 4);
    },
  },
  {
    name: "bad-no-dllunload",
    rules: ["missing-dllunload"],
    verify: ([f]) => assert.match(f!.message, /DllUnload PRIVATE/),
  },
  {
    name: "bad-no-dllinitialize",
    rules: ["missing-dllinitialize"],
    verify: ([f]) => assert.match(f!.message, /DllInitialize PRIVATE/),
  },
  { name: "bad-def-not-private", rules: [] },
  {
    name: "bad-def-not-private",
    opts: () => ({ def: defOf("bad-def-not-private") }),
    rules: ["entry-point-in-import-library", "entry-point-in-import-library"],
    verify: (fs) => {
      const lines = readFileSync(defOf("bad-def-not-private"), "utf8").split(/\r?\n/);
      for (const f of fs) {
        assert.equal(f.location.kind, "def");
        const text = lines[f.location.line! - 1]!;
        assert.ok(text.includes(f.location.symbol!), `line ${f.location.line} names ${f.location.symbol}: ${text}`);
        assert.ok(!/PRIVATE/.test(text));
        assert.match(f.message, /PRIVATE/);
      }
      assert.deepEqual(fs.map((f) => f.location.symbol).sort(), ["DllInitialize", "DllUnload"]);
    },
  },
  {
    name: "bad-def-not-private",
    opts: (arch) => ({ lib: fixture(arch, "bad-def-not-private.lib") }),
    rules: ["entry-point-in-import-library", "entry-point-in-import-library"],
    verify: (fs, arch) => {
      const lib = readFileSync(fixture(arch, "bad-def-not-private.lib"));
      for (const f of fs) {
        const off = f.location.offset!;
        // An ar member header (60 bytes ending in "`\n") whose member holds the entry point's name.
        assert.equal(lib.subarray(off + 58, off + 60).toString("latin1"), "`\n");
        const size = Number(lib.subarray(off + 48, off + 58).toString("latin1").trim());
        const body = lib.subarray(off + 60, off + 60 + size).toString("latin1");
        const ep = f.message.includes("DllInitialize") ? "DllInitialize" : "DllUnload";
        assert.ok(body.includes(ep), `member at ${off} mentions ${ep}`);
      }
    },
  },
  {
    // A standard driver that also exports routines (VBoxDrv.sys's pattern): the missing entry
    // points are warnings naming the service routine it imports (llvm-readobj confirms it).
    name: "bad-service-exports",
    rules: ["missing-dllinitialize", "missing-dllunload"],
    severity: "warning",
    verify: (fs, _arch, path) => {
      const facts = readobj(path);
      assert.ok(facts.imports.some((i) => i.symbols.includes("IoCreateDevice")), "imports IoCreateDevice");
      for (const f of fs) assert.match(f.message, /also runs as a standard driver \(it imports ntoskrnl\.exe!IoCreateDevice\)/);
    },
  },
  {
    name: "bad-subsystem",
    rules: ["subsystem-not-native"],
    verify: ([f], _arch, path) => {
      const facts = readobj(path);
      assert.equal(facts.subsystem, 2);
      assert.equal(u16(readFileSync(path), f!.location.offset!), facts.subsystem);
      assert.match(f!.message, /\/subsystem:native/);
    },
  },
  {
    name: "bad-unresolved-import",
    rules: ["unresolved-import"],
    verify: ([f], arch, path) => {
      assert.equal(f!.location.module, "ntoskrnl.exe");
      assert.equal(f!.location.symbol, "KeFrobnicateWidget");
      assert.match(f!.message, /0xC0000263/);
      iatCheck(f!, path, arch === "x64" ? 8 : 4);
    },
  },
  {
    name: "bad-missing-module",
    rules: ["missing-module"],
    verify: ([f], arch, path) => {
      assert.equal(f!.location.module, "otherdrv.sys");
      assert.match(f!.message, /0xC0000034/);
      iatCheck(f!, path, arch === "x64" ? 8 : 4);
    },
  },
  {
    name: "bad-wx-section",
    rules: ["writable-executable-section"],
    verify: ([f], _arch, path) => {
      const facts = readobj(path);
      const sec = facts.sections.find((s) => s.name === f!.location.section)!;
      assert.ok(sec, "llvm-readobj knows the section");
      assert.equal((sec.characteristics & 0xa0000000) >>> 0, 0xa0000000);
      const buf = readFileSync(path);
      const off = f!.location.offset!;
      assert.equal(buf.subarray(off, off + 8).toString("latin1").replace(/\0+$/, ""), sec.name);
      assert.equal(buf.readUInt32LE(off + 36), sec.characteristics);
    },
  },
  { name: "bad-library-name", rules: [] },
  {
    name: "bad-library-name",
    opts: () => ({ def: defOf("bad-library-name") }),
    rules: ["library-name"],
    verify: ([f]) => {
      assert.equal(f!.location.line, 1);
      assert.match(f!.message, /LIBRARY bad-library-name\.sys/);
    },
  },
  {
    name: "bad-library-name",
    opts: (arch) => ({ lib: fixture(arch, "bad-library-name.lib") }),
    rules: ["library-name"],
    verify: ([f]) => assert.equal(f!.location.module?.toLowerCase(), "badlibname.dll"),
  },
  {
    name: "bad-fixed",
    rules: ["not-relocatable"],
    verify: ([f], _arch, path) => {
      const facts = readobj(path);
      assert.equal(facts.characteristics & 1, 1, "llvm-readobj: IMAGE_FILE_RELOCS_STRIPPED");
      assert.equal(u16(readFileSync(path), f!.location.offset!), facts.characteristics);
    },
  },
  {
    name: "bad-forwarded-entry",
    rules: ["forwarded-entry-point"],
    verify: ([f], _arch, path) => {
      // The export's RVA lies in the export directory: read the forwarder string there.
      const facts = readobj(path);
      const exp = facts.exports.find((e) => e.name === "DllUnload")!;
      const sec = facts.sections.find((s) => exp.rva >= s.virtualAddress && exp.rva < s.virtualAddress + s.rawSize)!;
      const buf = readFileSync(path);
      const at = sec.pointerToRawData + exp.rva - sec.virtualAddress;
      const fwd = buf.subarray(at, buf.indexOf(0, at)).toString("latin1");
      assert.match(fwd, /otherdrv\.DllUnload$/);
      assert.ok(f!.message.includes(fwd), `message names the forwarder ${fwd}`);
    },
  },
  {
    name: "bad-section-alignment",
    rules: ["section-alignment"],
    verify: ([f], _arch, path) => {
      const facts = readobj(path);
      assert.equal(facts.sectionAlignment, 512);
      assert.equal(readFileSync(path).readUInt32LE(f!.location.offset!), facts.sectionAlignment);
    },
  },
  {
    name: "bad-delay-load",
    rules: ["delay-load-import"],
    verify: ([f], _arch, path) => {
      assert.equal(f!.location.module, "mydriver.sys");
      assert.match(tool("llvm-readobj", ["--coff-imports", path]).stdout, /DelayImport \{\s*Name: mydriver\.sys/);
      assert.match(f!.message, /\/delayload:mydriver\.sys/);
    },
  },
  {
    name: "bad-tls",
    severity: "warning",
    rules: ["tls-directory"],
  },
];

for (const arch of ARCHES) {
  const { root, cleanup } = makeRoot(arch, CLEAN[arch]);
  test.after(cleanup);

  for (const c of CASES) {
    if (c.arches && !c.arches.includes(arch)) continue;
    const opts = c.opts?.(arch) ?? {};
    const label = `${arch}/${c.name}${opts.def ? " --def" : ""}${opts.lib ? " --lib" : ""}: ${c.rules.length ? c.rules.join(", ") : "no findings"}`;
    test(label, () => {
      const path = fixture(arch, c.name + ".sys");
      const report = checkFile(path, { ...opts, root });
      const got = report.findings.map((f) => f.rule).sort();
      assert.deepEqual(got, [...c.rules].sort(), JSON.stringify(report.findings, null, 2));
      for (const f of report.findings) {
        assert.equal(f.severity, c.severity ?? "error");
        assert.ok(f.message.length > 40, "the message says what to change");
      }
      c.verify?.(report.findings, arch, path);
    });
  }

  for (const name of CLEAN[arch]) {
    test(`${arch}/${name}: no findings with --root`, () => {
      const report = checkFile(fixture(arch, name + ".sys"), { root });
      assert.deepEqual(report.findings, []);
    });
  }
  test(`${arch}/mydriver with its .def and .lib: no findings`, () => {
    const report = checkFile(fixture(arch, "mydriver.sys"), { root, def: repoPath("examples/mydriver/mydriver.def"), lib: fixture(arch, "mydriver.lib") });
    assert.deepEqual(report.findings, []);
  });
  test(`${arch}/client without --root finds mydriver.sys next to it`, () => {
    assert.deepEqual(checkFile(fixture(arch, "client.sys")).findings, []);
  });
}

for (const arch of ARCHES) {
  test(`${arch}/clean-declspec with its .def: no findings`, () => {
    const report = checkFile(fixture(arch, "clean-declspec.sys"), { def: repoPath("examples/clean-declspec/clean-declspec.def"), lib: fixture(arch, "clean-declspec.lib") });
    assert.deepEqual(report.findings, []);
  });
}
