/**
 * The WDK declarations IRPMon needed that mingw-w64 lacks, from kmdll's compatibility layer
 * (data/include; docs/build.md "Compatibility headers"): examples/wdkhdr compiles only with them
 * (C_ASSERTs on the documented layouts and IOCTL values, <BthIoctl.h>/<Bthddi.h> spelled as
 * IRPMon spells them) and its exports check IMAGE_INFO's bit positions and RtlUnicodeStringPrintf's
 * documented results in the emulator, on both arches.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, runCli, tool } from "./helpers.js";

for (const arch of ["x64", "x86"] as const) {
  test(`IMAGE_INFO signature bit-fields and RtlUnicodeStringPrintf behave as the WDK documents (${arch})`, async () => {
    for (const exp of ["TestImageInfo", "TestUnicodePrintf"]) {
      const r = await runCli(["call", fixture(arch, "wdkhdr.sys"), exp]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`${exp} returned 0 `), r.stdout);
    }
    // RtlUnicodeStringPrintf is inline over ntoskrnl's _vsnwprintf, as the WDK's ntstrsafe.h is.
    const imports = tool("llvm-readobj", ["--coff-imports", fixture(arch, "wdkhdr.sys")]).stdout;
    assert.match(imports, /Symbol: _vsnwprintf\b/);
    assert.doesNotMatch(imports, /RtlUnicodeStringPrintf/);
  });
}
