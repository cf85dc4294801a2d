/**
 * Robustness: mutated driver images either load and run to a result or a fault report, or are
 * refused with a KmdllError/FormatError — never an uncaught error or a crash of the process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parsePe } from "../src/formats/pe/index.js";
import { EmulatorExecutor } from "../src/emu/executor.js";
import { KmdllError, FormatError } from "../src/errors.js";
import { fixture } from "./helpers.js";
import { coreApis } from "./emu-harness.js";

const base = new Uint8Array(readFileSync(fixture("x64", "emufault.sys")));

test("mutated images: result, fault report or a clean error", () => {
  const make = () => new EmulatorExecutor({ apis: coreApis, timeoutMs: 200, unimplemented: "stub" });
  let ex = make();
  let n = 0;
  try {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(base.length - 1), v: fc.nat(255) }), { minLength: 1, maxLength: 24 }),
        (muts) => {
          const bytes = base.slice();
          for (const m of muts) bytes[m.at] = m.v;
          const name = `m${n++}.sys`;
          if (ex.emu.broken) {
            ex.close();
            ex = make();
          }
          try {
            const img = parsePe(bytes);
            ex.mapImage(name, img, bytes);
            for (const imp of img.imports)
              for (const fn of imp.functions) {
                const a = ex.kernelExport(imp.dll, fn.name, fn.ordinal);
                if (a !== null) ex.writeIat(name, fn.iatRva, a);
              }
            for (const f of (img.exports?.functions ?? []).slice(0, 6)) {
              if (f.rva === null) continue;
              const r = ex.callRoutine(name, f.rva, [0x10n, 0n], f.name ?? "x");
              assert.ok(r.ok || typeof r.message === "string");
            }
            ex.unmapImage(name);
          } catch (e) {
            if (!(e instanceof KmdllError || e instanceof FormatError)) throw e;
          }
        },
      ),
      { numRuns: 60, seed: 99 },
    );
  } finally {
    ex.close();
  }
});

test("an encoding that makes Unicorn 2.0.1 abort (ff ea, far jmp through a register) is a report, not a crash", () => {
  const img = parsePe(base);
  const f = img.exports!.functions.find((x) => x.name === "CallUnimplemented")!;
  const text = img.sections.find((s) => f.rva! >= s.virtualAddress && f.rva! < s.virtualAddress + s.virtualSize)!;
  const off = text.pointerToRawData + (f.rva! - text.virtualAddress);
  const bytes = base.slice();
  // Whether Unicorn aborts depends on the whole translation block, not just on `ff ea`: the
  // routine is replaced by a fixed sequence that makes it abort (the code of an earlier build of
  // CallUnimplemented with its `call [rip+x]` (ff 15) turned into ff ea; the routine and its int3
  // padding leave room for it).
  const patch = [0x48, 0x83, 0xec, 0x28, 0xb9, 0x14, 0x00, 0x00, 0x00, 0x31, 0xd2, 0xff, 0xea, 0xff, 0x11, 0x00, 0x00, 0x0f, 0xb6, 0xc0, 0x48, 0x83, 0xc0, 0x01, 0x48, 0x83, 0xc4, 0x28, 0xc3];
  assert.ok(base.subarray(off, off + 48).includes(0xc3), "the routine is there");
  bytes.set(patch, off);
  const ex = new EmulatorExecutor({ apis: coreApis });
  try {
    ex.mapImage("patched.sys", parsePe(bytes), bytes);
    const r = ex.callRoutine("patched.sys", f.rva!, [], "CallUnimplemented");
    assert.equal(r.ok, false);
    assert.equal(ex.lastFault?.kind, "internal");
    assert.match(ex.lastFault!.message, /the CPU emulator \(Unicorn\) aborted while translating guest code in patched\.sys!CallUnimplemented/);
    // The engine is retired: later calls report the same thing, the process lives on.
    const again = ex.callRoutine("patched.sys", f.rva!, [], "CallUnimplemented");
    assert.equal(again.ok, false);
  } finally {
    ex.close();
  }
  // A fresh emulator works.
  const ex2 = new EmulatorExecutor({ apis: coreApis });
  try {
    ex2.mapImage("emufault.sys", img, base);
    const d = img.exports!.functions.find((x) => x.name === "Divide")!;
    assert.deepEqual(ex2.callRoutine("emufault.sys", d.rva!, [84n, 2n], "Divide"), { ok: true, value: 42n });
  } finally {
    ex2.close();
  }
});
