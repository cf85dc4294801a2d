// The device-object SDDL subset (src/nt/sddl.ts): the wdmsec.h SDDL_DEVOBJ_* strings are well formed;
// malformed ones name their fault. (The C checks in examples/kmdf-sync go through WdfDeviceCreate.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceSddlError } from "../src/nt/sddl.js";

test("device-object SDDL: wdmsec.h strings are accepted, malformed ones rejected with a reason", () => {
  for (const s of ["D:P", "D:P(A;;GA;;;SY)", "D:P(A;;GA;;;SY)(A;;GA;;;BA)", "D:P(A;;GA;;;SY)(A;;GRGWGX;;;BA)(A;;GRGWGX;;;WD)(A;;GRGWGX;;;RC)", "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GR;;;WD)", "D:P(A;;0x1F01FF;;;S-1-5-18)"])
    assert.equal(deviceSddlError(s), null, s);
  for (const [s, why] of [["D:", /no ACE/], ["S:P(A;;GA;;;SY)", /D:/], ["D:P(A;;GA;;;SY)(", /unterminated/], ["D:P(A;;GA;;;S-1-)", /SID/], ["D:P(A;;G;;;SY)", /two-letter/], ["D:P(OA;;GA;;;SY)", /ACE type/]] as const)
    assert.match(deviceSddlError(s) ?? "accepted", why, s);
});
