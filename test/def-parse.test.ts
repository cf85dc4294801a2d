/**
 * The .def parser and canonical writer: the grammar (SPEC §3.2), positioned diagnostics for bad
 * input, and the round trip model → write → parse → same model (fast-check property), with
 * LLVM's own .def parser (llvm-dlltool) as an independent reader of what the writer prints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { repoPath, tool } from "./helpers.js";
import { parseDef, writeDef, hasErrors, formatDefDiagnostic, newExport, emptyDef, moduleFileName, KEYWORDS, defFromImage, formatExport } from "../src/formats/def/index.js";
import type { PeImage } from "../src/formats/pe/types.js";
import type { DefExport, DefFile, DefParseResult } from "../src/formats/def/index.js";
import { readArchive, readShortImport, planImports } from "../src/formats/lib/index.js";

const data = (f: string) => repoPath("test", "data", "def", f);

function diag(r: DefParseResult, re: RegExp, severity: "error" | "warning" = "error") {
  const d = r.diagnostics.find((x) => x.severity === severity && re.test(x.message));
  assert.ok(d, `expected a ${severity} matching ${re}, got:\n${r.diagnostics.map((x) => formatDefDiagnostic(x, "t.def")).join("\n")}`);
  return d;
}

test("the seeds' .def: LIBRARY mydriver.sys, two PRIVATE entry points, one export", () => {
  const r = parseDef(readFileSync(repoPath("examples", "mydriver", "mydriver.def")));
  assert.equal(r.diagnostics.length, 0, JSON.stringify(r.diagnostics));
  assert.equal(r.def.directive, "LIBRARY");
  assert.equal(r.def.name, "mydriver.sys");
  assert.deepEqual(r.def.exports.map((e) => [e.name, e.private]), [["DllInitialize", true], ["DllUnload", true], ["LoadPrinterDriver", false]]);
  assert.deepEqual(r.exportPositions[2], { line: 6, col: 3 });
});

test("every keyword parses into the model", () => {
  const r = parseDef(readFileSync(data("every-keyword.def")));
  assert.ok(!hasErrors(r), JSON.stringify(r.diagnostics));
  const d = r.def;
  assert.equal(d.name, "every keyword.sys");
  assert.equal(d.base, 0x10000);
  assert.deepEqual(d.heapSize, { reserve: 0x100000, commit: 0x1000 });
  assert.deepEqual(d.stackSize, { reserve: 65536, commit: 4096 });
  assert.deepEqual(d.version, { major: 1, minor: 2 });
  const e = (n: string) => d.exports.find((x) => x.name === n)!;
  assert.equal(e("WithOrdinal").ordinal, 5);
  assert.equal(e("HexOrdinal").ordinal, 16);
  assert.equal(e("SpacedOrdinal").ordinal, 17);
  assert.ok(e("ByOrdinal").noname);
  assert.ok(e("Variable").data);
  assert.ok(e("Konstant").constant);
  assert.equal(e("Renamed").internalName, "InternalImpl");
  assert.deepEqual(e("Forwarded").forward, { module: "HAL", name: "HalGetBusData", ordinal: null });
  assert.deepEqual(e("ForwardedByOrdinal").forward, { module: "ntoskrnl", name: null, ordinal: 12 });
  assert.equal(e("Aliased").importName, "Plain");
  assert.equal(e("Exported").exportAs, "ExportedAs");
  assert.ok(e("Spaced Name"));
  assert.ok(e("DATA") && !e("DATA").data);
  assert.deepEqual([e("Several").ordinal, e("Several").noname, e("Several").private, e("Several").data], [20, true, true, true]);
  assert.ok(e("SecondSection"), "EXPORTS may repeat");
  // DESCRIPTION and SECTIONS are reported as ignored.
  assert.equal(diag(r, /DESCRIPTION is ignored/, "warning").line, 6);
  assert.equal(diag(r, /SECTIONS is ignored/, "warning").line, 28);
});

test("bad input: diagnostics with file:line:col, never an exception", () => {
  const cases: [string, RegExp, number, number][] = [
    ["LIBRARY a.sys\nFROBNICATE\n", /unknown directive 'FROBNICATE'/, 2, 1],
    ["LIBRARY a.sys\nexports\n  X\n", /unknown directive 'exports' \(keywords are upper case: EXPORTS\)/, 2, 1],
    ["LIBRARY a.sys\nEXPORTS\n  A @x1\n", /.*/, 0, 0], // "@x1" is a (fastcall-style) export name: no error expected
    ["LIBRARY a.sys\nEXPORTS\n  A @12abc\n", /bad ordinal '12abc'/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A @0\n", /ordinal 0 is out of range \(1\.\.65535\)/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A @65536\n", /ordinal 65536 is out of range/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A @70000 NONAME\n", /ordinal 70000 is out of range/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A @3\n  B @3\n", /duplicate ordinal @3: already used by 'A' at 3:5/, 4, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A\n  B\n  A DATA\n", /duplicate export 'A' \(first defined at 3:3\)/, 5, 3],
    ["LIBRARY a.sys\nEXPORTS\n  \"A B\n", /unterminated quoted name/, 3, 3],
    ["LIBRARY \"a.sys\nEXPORTS\n  A\n", /unterminated quoted name/, 1, 9],
    ["LIBRARY a.sys\nEXPORTS\n  A NONAME\n", /NONAME must follow @ordinal/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  A DATA CONSTANT\n", /both DATA and CONSTANT/, 3, 3],
    ["LIBRARY a.sys\nEXPORTS\n  A=\n", /expected an internal name or module\.name after '='/, 3, 4],
    ["LIBRARY a.sys\nEXPORTS\n  A=HAL.#99999\n", /forwarder ordinal '#99999' must be #1\.\.#65535/, 3, 5],
    ["LIBRARY a.sys\nEXPORTS\n  PRIVATE\n", /expected an export name, found keyword PRIVATE/, 3, 3],
    ["EXPORTS\n  A\nLIBRARY a.sys\n", /LIBRARY must come before all other statements/, 3, 1],
    ["LIBRARY a.sys\nLIBRARY b.sys\n", /second LIBRARY statement/, 2, 1],
    ["LIBRARY a.sys BASE 10\n", /expected '=' after BASE/, 1, 20],
    ["LIBRARY a.sys BASE=zz\n", /BASE address must be a decimal or 0x-hex number/, 1, 20],
    ["HEAPSIZE\n", /expected HEAPSIZE reserve size, found end of file/, 2, 1],
    ["LIBRARY a.sys\nSTACKSIZE 4096,x\n", /STACKSIZE commit size must be a decimal/, 2, 16],
    ["LIBRARY a.sys\nVERSION 1.2.3\n", /VERSION must be major\[\.minor\]/, 2, 9],
    ["LIBRARY a.sys\nEXPORTS\n  A\"B\n", /quote inside the name "A"/, 3, 4],
    ["LIBRARY a.sys\nEXPORTS\n  A \u0001\n", /unexpected control character U\+0001/, 3, 5],
  ];
  for (const [text, re, line, col] of cases) {
    const r = parseDef(text);
    if (line === 0) {
      assert.ok(!hasErrors(r), `${JSON.stringify(text)}: ${JSON.stringify(r.diagnostics)}`);
      continue;
    }
    const d = diag(r, re);
    assert.deepEqual([d.line, d.col], [line, col], `${JSON.stringify(text)} → ${formatDefDiagnostic(d, "t.def")}`);
    assert.match(formatDefDiagnostic(d, "x/t.def"), new RegExp(`^x/t\\.def:${line}:${col}: error: `));
  }
});

test("missing LIBRARY, LIBRARY without .sys, DllInitialize not PRIVATE: warnings", () => {
  const none = parseDef("EXPORTS\n  A\n");
  assert.ok(!hasErrors(none));
  assert.deepEqual([diag(none, /no LIBRARY statement/, "warning").line], [1]);
  const noExt = parseDef("LIBRARY mydriver\nEXPORTS\n  DllInitialize\n  DllUnload PRIVATE\n");
  const w = diag(noExt, /LIBRARY 'mydriver' has no extension: importers will import 'mydriver\.dll'.*LIBRARY mydriver\.sys/, "warning");
  assert.deepEqual([w.line, w.col], [1, 1]);
  assert.equal(moduleFileName(noExt.def), "mydriver.dll");
  assert.equal(diag(noExt, /DllInitialize should be PRIVATE/, "warning").line, 3);
  assert.ok(!noExt.diagnostics.some((d) => /DllUnload should be/.test(d.message)));
  assert.equal(moduleFileName(parseDef("NAME app\n").def), "app.exe");
  assert.equal(moduleFileName(parseDef("LIBRARY drv.sys\n").def), "drv.sys");
  const typo = parseDef("LIBRARY a.sys\nEXPORTS\n  A PRVATE\n");
  assert.match(diag(typo, /'PRVATE' starts a new export on the same line as 'A'; a misspelt keyword/, "warning").message, /PRIVATE/);
});

test("binary garbage: NUL bytes, invalid UTF-8, random bytes — positioned errors, no throw", () => {
  const nul = parseDef(new Uint8Array([0x4c, 0x49, 0x42, 0x0a, 0x41, 0x00, 0x42]));
  const d = diag(nul, /NUL byte at offset 5/);
  assert.deepEqual([d.line, d.col], [2, 2]);
  const bad = parseDef(new Uint8Array([...new TextEncoder().encode("LIBRARY a.sys\nEXPORTS\n  Ab"), 0xc3, 0x28]));
  const b = diag(bad, /invalid UTF-8 byte 0xc3 at offset 26/);
  assert.deepEqual([b.line, b.col], [3, 5]);
  // UTF-8 with BOM and UTF-16LE with BOM are text.
  assert.equal(parseDef(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("LIBRARY a.sys\n")])).def.name, "a.sys");
  const u16 = new Uint8Array([0xff, 0xfe, ...[..."LIBRARY b.sys\n"].flatMap((c) => [c.charCodeAt(0), 0])]);
  assert.equal(parseDef(u16).def.name, "b.sys");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const r = parseDef(bytes);
      for (const x of r.diagnostics) assert.ok(x.line >= 1 && x.col >= 1);
      assert.ok(r.diagnostics.length <= 201);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      parseDef(s);
    }),
    { numRuns: 300 },
  );
});

// ---- round trip -------------------------------------------------------------------------

const nameChar = fc.constantFrom(..."abcXYZ_019?@$.<>~!%^&*()[]{}|:'-+ #\t".split(""), "é", "名");
const name = fc
  .array(nameChar, { minLength: 1, maxLength: 12 })
  .map((a) => a.join(""));
const plainName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/).filter((s) => !KEYWORDS.has(s));

const exportArb = fc
  .record({
    name,
    target: fc.oneof(
      fc.constant(null),
      fc.record({ kind: fc.constant("internal" as const), v: name.filter((s) => !s.includes(".")) }),
      fc.record({ kind: fc.constant("fwdName" as const), module: plainName, v: name.filter((s) => !s.startsWith("#")) }),
      fc.record({ kind: fc.constant("fwdOrd" as const), module: plainName, n: fc.integer({ min: 1, max: 65535 }) }),
    ),
    ordinal: fc.option(fc.integer({ min: 1, max: 65535 })),
    noname: fc.boolean(),
    private: fc.boolean(),
    kind: fc.constantFrom("code", "data", "constant"),
    importName: fc.option(name),
    exportAs: fc.option(name),
  })
  .map((r): DefExport => {
    const e = newExport(r.name, {
      ordinal: r.ordinal,
      noname: r.noname && r.ordinal !== null,
      private: r.private,
      data: r.kind === "data",
      constant: r.kind === "constant",
      importName: r.importName,
      exportAs: r.exportAs,
    });
    if (r.target?.kind === "internal") e.internalName = r.target.v;
    if (r.target?.kind === "fwdName") e.forward = { module: r.target.module, name: r.target.v, ordinal: null };
    if (r.target?.kind === "fwdOrd") e.forward = { module: r.target.module, name: null, ordinal: r.target.n };
    return e;
  });

const defArb = fc
  .record({
    directive: fc.constantFrom("LIBRARY" as const, "NAME" as const, null),
    name: fc.option(name),
    base: fc.option(fc.integer({ min: 0, max: 2 ** 48 })),
    heap: fc.option(fc.record({ reserve: fc.nat(), commit: fc.option(fc.nat()) })),
    stack: fc.option(fc.record({ reserve: fc.nat(), commit: fc.option(fc.nat()) })),
    version: fc.option(fc.record({ major: fc.integer({ min: 0, max: 65535 }), minor: fc.option(fc.integer({ min: 0, max: 65535 })) })),
    exports: fc.array(exportArb, { maxLength: 25 }),
  })
  .map((r): DefFile => {
    const d = emptyDef();
    d.directive = r.directive ?? (r.name !== null || r.base !== null ? "LIBRARY" : null);
    d.name = d.directive ? r.name : null;
    d.base = d.directive ? r.base : null;
    d.heapSize = r.heap && { reserve: r.heap.reserve, commit: r.heap.commit === null ? null : Math.min(r.heap.commit, r.heap.reserve) };
    d.stackSize = r.stack && { reserve: r.stack.reserve, commit: r.stack.commit === null ? null : Math.min(r.stack.commit, r.stack.reserve) };
    d.version = r.version && { major: r.version.major, minor: r.version.minor };
    // Unique names and ordinals, as a valid model has.
    const names = new Set<string>();
    const ords = new Set<number>();
    d.exports = r.exports.filter((e) => {
      if (names.has(e.name) || (e.ordinal !== null && ords.has(e.ordinal))) return false;
      names.add(e.name);
      if (e.ordinal !== null) ords.add(e.ordinal);
      return true;
    });
    return d;
  });

test("property: random models → write → parse → the same model, without errors", () => {
  fc.assert(
    fc.property(defArb, (model) => {
      const text = writeDef(model);
      const r = parseDef(text);
      assert.ok(!hasErrors(r), `${text}\n${r.diagnostics.map((x) => formatDefDiagnostic(x, "t.def")).join("\n")}`);
      assert.deepEqual(r.def, model, text);
      // Canonical: writing the parsed model again gives the same text.
      assert.equal(writeDef(r.def), text);
    }),
    { numRuns: 400 },
  );
});

test("property: LLVM's .def parser (llvm-dlltool) reads the canonical output and makes the symbols kmdll plans", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kmdll-defprop-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The subset LLVM 14 understands: no EXPORTS AS, plain ASCII names, a LIBRARY name.
  const llvmDef = defArb.map((d) => {
    d.directive = "LIBRARY";
    d.name = "prop.sys";
    for (const e of d.exports) {
      e.exportAs = null;
      e.importName = null;
    }
    d.exports = d.exports.filter((e) => /^[A-Za-z_?][A-Za-z0-9_?@$]*$/.test(e.name) && !KEYWORDS.has(e.name));
    return d;
  });
  let k = 0;
  fc.assert(
    fc.property(llvmDef, fc.constantFrom("x64", "x86") as fc.Arbitrary<"x64" | "x86">, (model, machine) => {
      const f = join(dir, `p${k++}.def`);
      writeFileSync(f, writeDef(model));
      const lib = f.replace(/\.def$/, ".lib");
      tool("llvm-dlltool", ["-m", machine === "x64" ? "i386:x86-64" : "i386", "-d", f, "-l", lib, ...(machine === "x86" ? ["-k"] : [])]);
      const theirs = readArchive(readFileSync(lib))
        .members.slice(3)
        .map((m) => readShortImport(m.data))
        .map((s) => `${s.symbol} ${s.type} ${s.nameType} ${s.ordinalHint}`);
      const mine = planImports(model, machine).imports.map((p) => `${p.symbol} ${p.type} ${p.nameType} ${p.ordinal ?? 0}`);
      assert.deepEqual(mine, theirs, writeDef(model));
    }),
    { numRuns: 40 },
  );
});

test("defFromImage: hostile export names are left out with warnings; the output always parses", () => {
  const fn = (ordinal: number, names: string[], forwarder: string | null = null) => ({ ordinal, name: names[0] ?? null, names, rva: forwarder ? null : 0x1000, forwarder });
  const image = {
    exports: {
      dllName: 'x"y.sys',
      ordinalBase: 1,
      timeDateStamp: 0,
      numberOfFunctions: 5,
      numberOfNames: 4,
      functions: [fn(1, ['a"b']), fn(2, ["Ok", "OkAlias"]), fn(3, ["F"], 'BAD"MOD.x'), fn(4, ["Line\nBreak"]), fn(5, []), fn(6, ["Ok"])],
      namePointerOrder: [],
    },
    sections: [{ name: ".text", virtualAddress: 0x1000, virtualSize: 0x100, sizeOfRawData: 0x200, pointerToRawData: 0x400, characteristics: 0x60000020 }],
  } as unknown as PeImage;
  const r = defFromImage(image, "fallback.sys");
  assert.equal(r.def.name, "fallback.sys");
  assert.deepEqual(r.def.exports.map((e) => formatExport(e)), ["Ordinal_1 @1 NONAME", "Ok @2", "OkAlias=Ok", "F @3", "Ordinal_4 @4 NONAME", "Ordinal_5 @5 NONAME", "Ordinal_6 @6 NONAME"]);
  assert.equal(r.warnings.length, 5, r.warnings.join("\n"));
  const back = parseDef(writeDef(r.def));
  assert.ok(!hasErrors(back));
  assert.deepEqual(back.def, r.def);
});
