// `kmdll triage` on a time-budget exhaustion (src/emu/loop-probe.ts, docs/triage.md "Endless
// loops"): the driver's own endless loop (examples/triage, TRIAGE_LOOP: a module-list walk that
// waits for a NULL Flink on a circular list, KmWpsMs.sys's bug) is driver-fault with the loop's
// code range; a loop that calls the kernel (TRIAGE_HANG) or a long computation whose state does not
// come back (TRIAGE_COMPUTE) or a wait on KUSER_SHARED_DATA's tick count (TRIAGE_KUSER) stays
// kmdll-gap, with why kmdll cannot tell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.js";
import { runTriage, type TriageResult } from "../src/triage/index.js";

async function triage(files: string[]): Promise<Map<string, TriageResult>> {
  const out = new Map<string, TriageResult>();
  await runTriage(files, { jobs: 1, timeout: 2 }, (r) => out.set(r.file, r));
  return out;
}

test("triage: an endless walk of a circular list in DriverEntry is the driver's own loop (driver-fault) on x64 and x86, with the loop's range and period; not retried", async () => {
  const files = [fixture("x64", "triageloop.sys"), fixture("x86", "triageloop.sys")];
  const r = await triage(files);
  for (const f of files) {
    const x = r.get(f)!;
    assert.equal(x.class, "driver-fault", `${f}: ${x.reason}`);
    assert.equal(x.key, "endless loop in DriverEntry");
    assert.equal(x.phase, "start");
    assert.equal(x.fault?.kind, "timeout");
    assert.equal(x.fault?.loop?.own, true);
    assert.match(x.fault?.loop?.start ?? "", /^triageloop\.sys\+0x1[0-9a-f]{3}$/);
    assert.match(x.fault?.loop?.end ?? "", /^triageloop\.sys\+0x1[0-9a-f]{3}$/);
    // The walk goes round the loaded-module list: one pass a module, the period is the list's length.
    assert.ok((x.fault?.loop?.period ?? 0) > 10, String(x.fault?.loop?.period));
    assert.match(x.reason, /DriverEntry never returns: an endless loop of its own code/);
    assert.equal(x.retried, undefined);
  }
});

test("triage: a loop that calls the kernel, and a long computation of its own whose state does not come back, stay kmdll-gap with why kmdll cannot tell", async () => {
  const hang = fixture("x64", "triagehang.sys");
  const compute = fixture("x64", "triagecompute.sys");
  const kuser = fixture("x64", "triagekuser.sys");
  const r = await triage([hang, compute, kuser]);
  const h = r.get(hang)!;
  assert.equal(h.class, "kmdll-gap", h.reason);
  assert.equal(h.key, "time budget exceeded");
  assert.equal(h.fault?.loop?.own, false);
  assert.match(h.reason, /kmdll cannot tell whether it would end on Windows: it calls the kernel as it goes round \(last KeStallExecutionProcessor\)/);
  const c = r.get(compute)!;
  assert.equal(c.class, "kmdll-gap", c.reason);
  assert.equal(c.fault?.loop?.own, false);
  assert.match(c.reason, /its state does not come back/);
  // A wait on KUSER_SHARED_DATA's tick count would end on Windows (the clock interrupt moves it): its state repeats here, but it is not the driver's.
  const k = r.get(kuser)!;
  assert.equal(k.class, "kmdll-gap", k.reason);
  assert.match(k.reason, /it reads KUSER_SHARED_DATA at triagekuser\.sys\+0x[0-9a-f]+ \(the tick count/);
});
