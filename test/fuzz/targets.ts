/**
 * Fuzz targets: one per parser of kmdll and one for the emulator. Each is a fast-check property
 * over generated or mutated inputs that states what must hold for *any* input: the parser
 * returns, or rejects the input with kmdll's own error type (a one-line message for the user);
 * results that claim to be valid round-trip; the emulator ends every call in a result or a fault
 * report. Any other exception (TypeError, RangeError, stack overflow, an abort) is a bug.
 *
 * `test/fuzz.test.ts` runs every target briefly with a fixed seed in `npm test`;
 * `npm run fuzz -- --long` runs them for minutes with a fresh seed (docs/fuzzing.md).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { KmdllError } from "../../src/errors.js";
import { parsePe, imageSummary } from "../../src/formats/pe/index.js";
import { parseDef, writeDef, defFromImage, hasErrors } from "../../src/formats/def/index.js";
import { analyzeImportLibrary } from "../../src/formats/lib/index.js";
import { parseRegFile } from "../../src/formats/reg/parse.js";
import { parseScenario, parseStepText } from "../../src/kernel/scenario.js";
import { parseDirs, parseSources } from "../../src/toolchain/sources.js";
import { parseMakeVars, MAX_EXPANDED_LENGTH } from "../../src/toolchain/makevars.js";
import { parseDepfile } from "../../src/toolchain/depfile.js";
import { formatKernelPrintf } from "../../src/emu/api/printf.js";
import { toJson } from "../../src/cli/context.js";
import { fixture, repoPath } from "../helpers.js";
import { exportImage } from "../pe-shapes.js";
import { FakeMemory, GuestFaultError } from "../api-fake.js";

/** A synchronous fast-check property over any argument tuple. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SyncProperty = fc.IRawProperty<any, false>;

export interface FuzzTarget {
  name: string;
  /** What is generated and what must hold. */
  about: string;
  /** Build the property (may load fixtures or the emulator). */
  property(): Promise<SyncProperty> | SyncProperty;
  /** Runs per second on a quiet machine, roughly: the short run's cap. */
  shortRuns: number;
}

/** Only kmdll's own error type may escape a parser. */
function rejectsCleanly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof KmdllError)) throw e;
  }
}

/** Byte-level mutations of a seed file: flips, 32-bit values, splices, truncation, extension. */
function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ k: fc.constant(0), at: fc.nat(), v: fc.nat(255) }),
    fc.record({ k: fc.constant(1), at: fc.nat(), v: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x1000, 0xffff, 0x10000), fc.nat()) }),
    fc.record({ k: fc.constant(2), at: fc.nat(), v: fc.nat(64) }),
  );
  return fc
    .record({ seed: fc.nat(seeds.length - 1), edits: fc.array(edit, { maxLength: 16 }), cut: fc.option(fc.nat(), { nil: null }), grow: fc.nat(3) })
    .map(({ seed, edits, cut, grow }) => {
      let b = seeds[seed]!.slice();
      const dv = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (const e of edits) {
        if (b.length === 0) break;
        const at = e.at % b.length;
        if (e.k === 0) b[at] = e.v;
        else if (e.k === 1 && at + 4 <= b.length) dv().setUint32(at & ~3, e.v >>> 0, true);
        else if (e.k === 2) b.copyWithin(at, (at + e.v * 7) % b.length, Math.min(b.length, ((at + e.v * 7) % b.length) + e.v));
      }
      if (cut !== null) b = b.subarray(0, cut % (b.length + 1));
      if (grow) {
        const g = new Uint8Array(b.length + grow * 512);
        g.set(b);
        b = g;
      }
      return b;
    });
}

const file = (arch: "x64" | "x86", name: string) => new Uint8Array(readFileSync(fixture(arch, name)));

/** Text from a token soup: the grammar's own words and separators mixed with arbitrary strings. */
function soup(tokens: string[], maxLength = 60): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) }), { maxLength })
    .map((parts) => parts.join(""));
}

const DEF_TOKENS = ["LIBRARY", "NAME", "EXPORTS", "HEAPSIZE", "STACKSIZE", "VERSION", "SECTIONS", "DESCRIPTION", "STUB", "BASE", "=", "==", "@", "@1", "@65535", "@0x10", "NONAME", "PRIVATE", "DATA", "CONSTANT", "EXPORTAS", ",", ";", " ", " ", "\n", "\r\n", "\t", '"', "a.sys", "Foo", "Bar", "HAL.Fn", "mod.#3", "1", "0x1000", ".", "\uFEFF", "é"];
const MAKE_TOKENS = ["TARGETNAME", "TARGETTYPE", "SOURCES", "DLLDEF", "TARGETLIBS", "INCLUDES", "DIRS", "OPTIONAL_DIRS", "C_DEFINES", "EXPORT_DRIVER", "DRIVER", "DRIVER_LIBRARY", "=", "$(", ")", "$(A)", "$(O)", "$(DDK_LIB_PATH)", "$$", "A", "B", "x.c", "..\\", "\\", "\\\n", "\n", "\r\n", " ", "#", "!if", "!include", "!endif", "+=", "*", "{", "}"];
const REG_TOKENS = ["Windows Registry Editor Version 5.00", "REGEDIT4", "\r\n", "\n", "[", "]", "[-", "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\x", "HKLM", "\\", '"', "@", "=", "-", "dword:", "hex:", "hex(2):", "hex(7):", "hex(b):", "00", "ff", ",", "\\\r\n", "1", "ImagePath", "\\SystemRoot\\x.sys", ";"];
const PRINTF_TOKENS = ["%", "%d", "%i", "%u", "%x", "%X", "%p", "%s", "%S", "%c", "%C", "%wZ", "%Z", "%ws", "%hs", "%ls", "%I64x", "%llu", "%lld", "%zu", "%-10s", "%08x", "%*d", "%.*s", "%.3s", "%n", "%%", "%#x", "%+d", "% d", "%999999d", "%.999999s", "abc", " ", "\n"];

export const TARGETS: FuzzTarget[] = [
  {
    name: "pe",
    about: "mutated driver images (x64/x86): parsePe returns or throws a KmdllError; a parsed image's summary serialises to JSON",
    shortRuns: 400,
    property: () => {
      const seeds = [file("x64", "mydriver.sys"), file("x64", "client.sys"), file("x86", "client.sys"), file("x64", "emufault.sys"), exportImage(4, [["A", 0], ["B", 3]])];
      return fc.property(mutated(seeds), (b) => {
        rejectsCleanly(() => {
          const img = parsePe(b);
          toJson(imageSummary(img));
        });
      });
    },
  },
  {
    name: "def",
    about: "token-soup .def text and raw bytes: parseDef never throws; an error-free result formats (with comments) to text that parses back to the same model, and formatting is idempotent",
    shortRuns: 600,
    property: () =>
      fc.property(fc.oneof(soup(DEF_TOKENS), fc.uint8Array({ maxLength: 200 })), (input) => {
        const r = parseDef(input);
        if (hasErrors(r)) return;
        let text: string;
        try {
          text = writeDef(r.def, r);
        } catch (e) {
          // A model the writer cannot express must be refused with a KmdllError, never crash.
          if (e instanceof KmdllError) return;
          throw e;
        }
        const back = parseDef(text);
        if (hasErrors(back)) throw new Error(`formatted text does not parse:\n${text}\n${JSON.stringify(back.diagnostics)}`);
        if (JSON.stringify(back.def) !== JSON.stringify(r.def)) throw new Error(`model changed by formatting:\n${text}`);
        if (writeDef(back.def, back) !== text) throw new Error(`formatting is not idempotent:\n${text}`);
      }),
  },
  {
    name: "def-from-image",
    about: "random export tables (duplicate names, keywords, quotes, separators, non-ASCII): the .def derived from the image parses without errors and names every export once",
    shortRuns: 300,
    property: () => {
      const name = fc.array(fc.constantFrom("A", "b", "EXPORTS", "PRIVATE", "@", "@1", "=", "==", ";", ",", " ", '"', ".", "#", "é", "x.y", "DATA", "\t", "\u0001", "Ordinal_1"), { minLength: 0, maxLength: 3 }).map((p) => p.join(""));
      return fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(name, fc.nat(7)), { maxLength: 10 }), (slots, names) => {
        const img = exportImage(slots, names.map(([n, s]) => [n, s % slots] as [string, number]));
        const r = defFromImage(parsePe(img), "x.sys");
        const text = writeDef(r.def);
        const back = parseDef(text);
        if (hasErrors(back)) throw new Error(`derived .def has errors:\n${text}\n${JSON.stringify(back.diagnostics)}`);
        const seen = new Set<string>();
        for (const e of back.def.exports) {
          if (seen.has(e.name)) throw new Error(`duplicate ${e.name}`);
          seen.add(e.name);
        }
      });
    },
  },
  {
    name: "lib",
    about: "mutated import libraries (kmdll's short-import libraries from the fixtures, a GNU archive from llvm-dlltool): analyzeImportLibrary returns or throws a KmdllError",
    shortRuns: 400,
    property: () => {
      const seeds = ["mydriver.lib", "apirtl.lib", "chainb.lib", "qahostile.lib"].map((f) => file("x64", f));
      const tmp = mkdtempSync(join(tmpdir(), "kmdll-fuzz-lib-"));
      try {
        const out = join(tmp, "gnu.lib");
        const r = spawnSync("llvm-dlltool", ["-d", repoPath("examples", "mydriver", "mydriver.def"), "-l", out, "-m", "i386:x86-64"], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`llvm-dlltool failed: ${r.stderr ?? r.error}`);
        seeds.push(new Uint8Array(readFileSync(out)));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
      return fc.property(mutated(seeds), (b) => rejectsCleanly(() => toJson(analyzeImportLibrary(b))));
    },
  },
  {
    name: "sources",
    about: "token-soup sources/dirs text (macros, continuations, conditionals): parseSources and parseDirs never throw, and no value outgrows the expansion limit",
    shortRuns: 500,
    property: () =>
      fc.property(soup(MAKE_TOKENS, 80), (text) => {
        parseSources(text);
        parseDirs(text);
        const v = parseMakeVars(text);
        for (const a of v.assignments) if (a.value.length > MAX_EXPANDED_LENGTH + 16) throw new Error(`${a.name} expanded to ${a.value.length}`);
      }),
  },
  {
    name: "reg",
    about: "token-soup .reg text, UTF-16 and raw bytes: parseRegFile returns or throws a KmdllError",
    shortRuns: 500,
    property: () =>
      fc.property(
        fc.oneof(
          soup(REG_TOKENS),
          soup(REG_TOKENS).map((t) => {
            const u = new Uint8Array(2 + t.length * 2);
            u[0] = 0xff;
            u[1] = 0xfe;
            for (let i = 0; i < t.length; i++) new DataView(u.buffer).setUint16(2 + i * 2, t.charCodeAt(i), true);
            return u;
          }),
          fc.uint8Array({ maxLength: 120 }),
        ),
        (input) => rejectsCleanly(() => parseRegFile(input)),
      ),
  },
  {
    name: "scenario",
    about: "arbitrary JSON documents and step texts: parseScenario / parseStepText return or throw a KmdllError",
    shortRuns: 800,
    property: () => {
      const step = fc.oneof(
        fc.constantFrom("start:client", "stop:x", "call:a.sys!F:1,0x2,-3", "ioctl:\\Device\\X:0x80002004:0102", "call:", "ioctl:", "start:"),
        soup(["start", "stop", "call", "ioctl", ":", "!", ",", "0x", "-", "\\Device\\", "a.sys", "F", "1", "zz"], 10),
      );
      const doc = fc.oneof(
        fc.jsonValue(),
        fc.record({ steps: fc.array(fc.oneof(fc.jsonValue(), step, fc.dictionary(fc.constantFrom("do", "start", "stop", "call", "args", "expect", "status", "ioctl", "code", "input"), fc.jsonValue()))) }, { requiredKeys: [] }),
      );
      return fc.property(doc, step, (d, s) => {
        rejectsCleanly(() => parseScenario(d, (p) => "/root/" + p));
        rejectsCleanly(() => parseStepText(s));
      });
    },
  },
  {
    name: "depfile",
    about: "arbitrary make-style dependency files: parseDepfile never throws",
    shortRuns: 1000,
    property: () => fc.property(soup(["a.o", ":", " ", "\\", "\\\n", "\n", "$$", "\\ ", "c:\\x.h", "#", "\t"], 80), (t) => void parseDepfile(t)),
  },
  {
    name: "printf",
    about: "format strings (every conversion, widths, precisions, %n) with arbitrary arguments and string pointers: the kernel printf formatter returns bounded text or reports a guest fault",
    shortRuns: 800,
    property: () =>
      fc.property(soup(PRINTF_TOKENS, 12), fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, 0x7fffffffn)), { maxLength: 8 }), fc.boolean(), (fmt, args, wide) => {
        const mem = new FakeMemory();
        const ptrs = [mem.putCString("ansi text"), mem.putWString("wide text")];
        let i = 0;
        const next = () => {
          const a = args[i++ % Math.max(1, args.length)] ?? 0n;
          // Every third argument points to a real string, so %s and %wZ get something to read.
          return i % 3 === 0 ? ptrs[Number(a % 2n)]! : a;
        };
        try {
          const out = formatKernelPrintf(fmt, next, mem, wide, { maxField: 4096 });
          if (out.length > fmt.length * 70_000 + 4096) throw new Error(`unbounded output (${out.length})`);
        } catch (e) {
          if (!(e instanceof GuestFaultError || e instanceof KmdllError)) throw e;
        }
      }),
  },
  {
    name: "emulator",
    about: "mutated emufault.sys images mapped and run with the real API handlers (stubs for the unimplemented): every call ends in a result or a fault report, a bad image in a KmdllError",
    shortRuns: 25,
    property: async () => {
      const { EmulatorExecutor } = await import("../../src/emu/executor.js");
      const { loadApis } = await import("../../src/emu/apis.js");
      const apis = await loadApis();
      const base = file("x64", "emufault.sys");
      let ex = new EmulatorExecutor({ apis, timeoutMs: 150, unimplemented: "stub" });
      let n = 0;
      return fc.property(mutated([base]), fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 4 }), (bytes, args) => {
        if (ex.emu.broken) {
          ex.close();
          ex = new EmulatorExecutor({ apis, timeoutMs: 150, unimplemented: "stub" });
        }
        const name = `f${n++}.sys`;
        let img;
        try {
          img = parsePe(bytes);
        } catch (e) {
          if (e instanceof KmdllError) return;
          throw e;
        }
        try {
          ex.mapImage(name, img, bytes);
        } catch (e) {
          if (e instanceof KmdllError) return;
          throw e;
        }
        try {
          for (const imp of img.imports)
            for (const fn of imp.functions) {
              const a = ex.kernelExport(imp.dll, fn.name, fn.ordinal);
              if (a !== null) ex.writeIat(name, fn.iatRva, a);
            }
          for (const f of (img.exports?.functions ?? []).slice(0, 4)) {
            if (f.rva === null) continue;
            const r = ex.callRoutine(name, f.rva, args, f.name ?? "x");
            if (!r.ok && typeof r.message !== "string") throw new Error("a failed call without a report");
          }
        } catch (e) {
          if (!(e instanceof KmdllError)) throw e;
        } finally {
          ex.unmapImage(name);
        }
      });
    },
  },
];
