/** src/nt/layouts.ts is what the DDK headers say through the compiler (scripts/gen-layouts.mjs). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { L64, LAYOUTS } from "../src/nt/layouts.js";
import { tool } from "./helpers.js";

test("the committed layouts equal a fresh generation from the DDK headers", () => {
  const r = tool("node", ["scripts/gen-layouts.mjs", "--check"], { allowFail: true });
  assert.equal(r.status, 0, r.stderr);
});

test("layouts agree with documented offsets (SPEC §8, wdm.h constants)", () => {
  // SPEC §8: INTERFACE on x64.
  assert.deepEqual(
    [L64.INTERFACE.Size, L64.INTERFACE.Version, L64.INTERFACE.Context, L64.INTERFACE.InterfaceReference, L64.INTERFACE.InterfaceDereference],
    [0, 2, 8, 16, 24],
  );
  // wdm.h: SharedInterruptTime = KI_USER_SHARED_DATA + 0x8, SharedSystemTime + 0x14, SharedTickCount + 0x320.
  assert.equal(L64.KUSER_SHARED_DATA.InterruptTime, 0x8);
  assert.equal(L64.KUSER_SHARED_DATA.SystemTime, 0x14);
  assert.equal(L64.KUSER_SHARED_DATA.TickCount, 0x320);
  // UNICODE_STRING is { USHORT, USHORT, PWSTR } on both targets.
  assert.deepEqual([L64.UNICODE_STRING.$size, L64.UNICODE_STRING.Buffer], [16, 8]);
  assert.deepEqual([LAYOUTS.x86.UNICODE_STRING.$size, LAYOUTS.x86.UNICODE_STRING.Buffer], [8, 4]);
  // 28 major functions (IRP_MJ_MAXIMUM_FUNCTION + 1) end the DRIVER_OBJECT.
  assert.equal(L64.DRIVER_OBJECT.$size, L64.DRIVER_OBJECT.MajorFunction + 28 * 8);
  assert.equal(LAYOUTS.x86.DRIVER_OBJECT.$size, LAYOUTS.x86.DRIVER_OBJECT.MajorFunction + 28 * 4);
});
