/**
 * The import-library reader against independent tools: every Debian mingw-w64 kernel import
 * library (GNU dlltool long format, x64 and i686) yields the `__imp_` symbols llvm-nm lists and
 * the DLL name llvm-objdump shows in the tail object; llvm-dlltool's short-format output reads
 * back as llvm-readobj describes it; malformed archives give FormatErrors.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { tool, runCli } from "./helpers.js";
import { readImportLibrary, analyzeImportLibrary, readArchive } from "../src/formats/lib/index.js";
import { FormatError } from "../src/errors.js";
import fc from "fast-check";

const KERNEL_LIBS = [
  "ntoskrnl", "hal", "hidparse", "hidclass", "usbd", "usbport", "ndis", "ks", "ksecdd", "classpnp", "scsiport",
  "storport", "videoprt", "tdi", "wmilib", "bootvid", "kdcom", "netio", "fwpkclnt", "pciidex", "ataport", "wdmsec",
  "usbcamd", "usbcamd2", "dxapi", "mcd", "win32k",
];
const SYSROOTS = ["/usr/x86_64-w64-mingw32/lib", "/usr/i686-w64-mingw32/lib"];

function kernelLibraries(): string[] {
  const out: string[] = [];
  for (const root of SYSROOTS) for (const n of KERNEL_LIBS) if (existsSync(`${root}/lib${n}.a`)) out.push(`${root}/lib${n}.a`);
  return out;
}

/** `__imp_` symbols llvm-nm lists, without the prefix. */
function nmImports(lib: string): string[] {
  const out = tool("llvm-nm", ["--no-sort", lib]).stdout;
  const syms: string[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*[0-9a-f]*\s+I\s+__imp_(.+)$/.exec(line);
    if (m) syms.push(m[1]!);
  }
  return syms.sort();
}

/** The DLL names stored in the tail objects' .idata$7 (llvm-objdump's hex dump). */
function objdumpDllNames(lib: string): Set<string> {
  const out = tool("llvm-objdump", ["-s", "-j", ".idata$7", lib]).stdout;
  const names = new Set<string>();
  for (const block of out.split(/\n(?=\S)/)) {
    if (!/Contents of section/.test(block)) continue;
    const bytes: number[] = [];
    for (const line of block.split("\n")) {
      const m = /^ [0-9a-f]{4,} ((?:[0-9a-f]{2,8} ?)+)/.exec(line);
      if (m) for (const word of m[1]!.trim().split(/\s+/)) for (let i = 0; i < word.length; i += 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
    }
    const z = bytes.indexOf(0);
    const s = String.fromCharCode(...bytes.slice(0, z < 0 ? bytes.length : z));
    if (s.length > 0) names.add(s);
  }
  return names;
}

test("mingw-w64 kernel import libraries: (symbol, dll) pairs match llvm-nm and llvm-objdump", () => {
  const libs = kernelLibraries();
  assert.ok(libs.length >= 36, `expected the Debian mingw-w64 kernel import libraries (36 in mingw-w64 10), found ${libs.length}`);
  for (const lib of libs) {
    const rows = readImportLibrary(readFileSync(lib));
    const dlls = objdumpDllNames(lib);
    assert.equal(dlls.size, 1, `${lib}: one DLL name in the tail object`);
    const dll = [...dlls][0]!;
    const mine = rows.map((r) => `${r.symbol}\t${r.dll}`).sort();
    const theirs = nmImports(lib).map((s) => `${s}\t${dll}`);
    assert.deepEqual(mine, theirs, lib);
    for (const r of rows) {
      assert.equal(r.format, "long");
      assert.ok(r.importName !== null || r.ordinal !== null, `${lib}: ${r.symbol} has a name or ordinal`);
      assert.equal(r.machine, lib.includes("x86_64") ? "x64" : "x86");
    }
  }
});

test("long format: code/data and import names agree with the objects' sections", () => {
  const lib = "/usr/i686-w64-mingw32/lib/libntoskrnl.a";
  const rows = readImportLibrary(readFileSync(lib));
  const nm = tool("llvm-nm", [lib]).stdout;
  // Code imports have a thunk symbol (T) besides __imp_; data imports do not.
  const thunks = new Set([...nm.matchAll(/^\s*[0-9a-f]+ T (.+)$/gm)].map((m) => m[1]!));
  for (const r of rows) assert.equal(r.type === "code", thunks.has(r.symbol), r.symbol);
  const byName = new Map(rows.map((r) => [r.symbol, r]));
  assert.equal(byName.get("_KeSetEvent@12")?.importName, "KeSetEvent");
  assert.equal(byName.get("_KeSetEvent@12")?.nameType, "undecorate");
  assert.equal(byName.get("_IoFileObjectType")?.type, "data");
  assert.equal(byName.get("_IoFileObjectType")?.importName, "IoFileObjectType");
});

const tmpDirs: string[] = [];
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "kmdll-libread-"));
  tmpDirs.push(d);
  return d;
}

function dlltoolLib(def: string, machine = "i386:x86-64"): Uint8Array {
  const d = tmp();
  writeFileSync(join(d, "x.def"), def);
  tool("llvm-dlltool", ["-m", machine, "-d", join(d, "x.def"), "-l", join(d, "x.lib")]);
  return readFileSync(join(d, "x.lib"));
}

test("short format written by llvm-dlltool: rows match llvm-readobj's view of each member", () => {
  const def = "LIBRARY demo.sys\nEXPORTS\n  Alpha\n  Beta @7 NONAME\n  Gamma DATA\n  Delta @3\n  Hidden PRIVATE\n";
  const bytes = dlltoolLib(def);
  const d = tmp();
  writeFileSync(join(d, "x.lib"), bytes);
  const ro = tool("llvm-readobj", [join(d, "x.lib")]).stdout;
  const members = [...ro.matchAll(/File: (\S+)\nFormat: COFF-import-file\nType: (code|data|const)\nName type: (\w+)\n(?:Export name: (.*)\n)?Symbol: __imp_(\S+)/g)].map((m) => ({
    dll: m[1], type: m[2], nameType: m[3], exportName: m[4], symbol: m[5],
  }));
  const rows = readImportLibrary(bytes);
  assert.equal(rows.length, 4);
  assert.equal(members.length, 4);
  for (const m of members) {
    const r = rows.find((x) => x.symbol === m.symbol);
    assert.ok(r, m.symbol);
    assert.equal(r.type, m.type);
    assert.equal(r.nameType, m.nameType);
    if (m.exportName !== undefined) assert.equal(r.importName ?? "", m.exportName);
    assert.equal(r.dll, m.dll);
  }
  assert.equal(rows.find((r) => r.symbol === "Beta")?.ordinal, 7);
  assert.equal(rows.find((r) => r.symbol === "Delta")?.hint, 3);
  assert.ok(!rows.some((r) => r.symbol === "Hidden"));
});

function expectFormatError(bytes: Uint8Array, re: RegExp): void {
  assert.throws(() => readImportLibrary(bytes), (e: unknown) => {
    assert.ok(e instanceof FormatError, `FormatError expected, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

test("malformed archives give clear FormatErrors", () => {
  const good = dlltoolLib("LIBRARY demo.sys\nEXPORTS\n  Alpha\n  Beta\n");
  assert.equal(readImportLibrary(good).length, 2);
  const mutate = (f: (b: Uint8Array) => void, base = good) => {
    const b = new Uint8Array(base);
    f(b);
    return b;
  };
  // Bad magic.
  expectFormatError(mutate((b) => b.set([0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3f, 0x0a])), /archive signature.*expected/);
  expectFormatError(new Uint8Array(0), /archive signature/);
  // Member size past EOF: the last member claims 9999999 bytes.
  const a = readArchive(good);
  const last = a.members[a.members.length - 1]!;
  expectFormatError(mutate((b) => b.set(new TextEncoder().encode("9999999   "), last.headerOffset + 48)), /size 9999999, past the end/);
  // Non-numeric size field.
  expectFormatError(mutate((b) => b.set(new TextEncoder().encode("12x4      "), last.headerOffset + 48)), /size field is "12x4"/);
  // Odd alignment: drop the pad byte after an odd-sized member.
  const odd = a.members.find((m) => m.size % 2 === 1 && m !== last)!;
  assert.ok(odd, "an odd-sized member to break");
  const padAt = odd.dataOffset + odd.size;
  const noPad = new Uint8Array(good.length - 1);
  noPad.set(good.subarray(0, padAt));
  noPad.set(good.subarray(padAt + 1), padAt);
  expectFormatError(noPad, /lacks its pad byte: members must start at even offsets/);
  // Truncated file in the middle of a header.
  expectFormatError(good.subarray(0, last.headerOffset + 30), /truncated/);
  // Lying symbol table: first offset points into the middle of a member.
  expectFormatError(mutate((b) => new DataView(b.buffer).setUint32(8 + 60 + 4, a.members[0]!.headerOffset + 2, false)), /not the header of a member/);
  // Lying symbol table: more symbols than the table can hold.
  expectFormatError(mutate((b) => new DataView(b.buffer).setUint32(8 + 60, 0x00ffffff, false)), /claims \d+ symbols/);
  // Lying symbol table: a symbol is attributed to a member that does not define it.
  const firstOff = new DataView(good.buffer, good.byteOffset).getUint32(8 + 60 + 4, false);
  const otherMember = a.members.find((m) => m.headerOffset !== firstOff)!;
  expectFormatError(mutate((b) => new DataView(b.buffer).setUint32(8 + 60 + 4, otherMember.headerOffset, false)), /does not define it/);
  // A short import whose SizeOfData runs past the member.
  const shortM = a.members.find((m) => m.data[0] === 0 && m.data[2] === 0xff)!;
  expectFormatError(mutate((b) => new DataView(b.buffer).setUint32(shortM.dataOffset + 12, 5000, true)), /SizeOfData 5000/);
  // Undefined name type.
  expectFormatError(mutate((b) => new DataView(b.buffer).setUint16(shortM.dataOffset + 18, 7 << 2, true)), /name type 7/);
});

test("`kmdll lib list` on a GNU long-format library and on garbage", async () => {
  const r = await runCli(["lib", "list", "--json", "/usr/x86_64-w64-mingw32/lib/libhal.a"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { dll: string; symbol: string }[];
  assert.deepEqual(rows.map((x) => x.symbol).sort(), nmImports("/usr/x86_64-w64-mingw32/lib/libhal.a"));
  const d = tmp();
  writeFileSync(join(d, "junk.lib"), "this is not an archive");
  const bad = await runCli(["lib", "list", join(d, "junk.lib")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^kmdll: .*junk\.lib: archive signature at offset 0x0: expected/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test("analyzeImportLibrary reports the archive kind and skips ordinary objects", () => {
  const info = analyzeImportLibrary(readFileSync("/usr/x86_64-w64-mingw32/lib/libntoskrnl.a"));
  assert.equal(info.archiveKind, "gnu");
  assert.ok(info.otherMembers >= 2); // head and tail objects (and helper objects)
  assert.ok(info.rows.length > 1000);
});

test("property: mutated and truncated libraries give rows or a FormatError, never another exception", () => {
  const seeds = [
    dlltoolLib("LIBRARY demo.sys\nEXPORTS\n  Alpha\n  Beta @7 NONAME\n  Gamma DATA\n  Delta == Alpha\n"),
    readFileSync("/usr/x86_64-w64-mingw32/lib/libhal.a").subarray(0, 30000),
    readFileSync("/usr/i686-w64-mingw32/lib/libusbd.a"),
  ];
  fc.assert(
    fc.property(
      fc.nat({ max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
      (which, edits) => {
        let b = new Uint8Array(seeds[which]!);
        for (const [where, value, truncate] of edits) {
          const at = Math.min(b.length - 1, Math.floor(where * b.length));
          if (truncate) b = b.subarray(0, at);
          else if (at >= 0) b[at] = value;
        }
        try {
          analyzeImportLibrary(b);
        } catch (e) {
          assert.ok(e instanceof FormatError, `not a FormatError: ${(e as Error).stack}`);
        }
      },
    ),
    { numRuns: 1500 },
  );
});
