/**
 * The API dispatch path in both hook forms of the addon — the fast one (registers in a shared
 * array, no BigInt made by the addon; src/emu/dispatch.ts) and the BigInt-per-register one —
 * gives the same results, traces and faults on real drivers: API calls with stack arguments
 * (KeWaitForSingleObject has five), pool churn, unimplemented routines and faults inside handlers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage, type CallImageResult } from "../src/sim/call.js";
import { allApis } from "../src/emu/api/index.js";
import { fixture } from "./helpers.js";

function both(file: string, exp: string, args: bigint[] = []): [CallImageResult, CallImageResult] {
  const run = (compatApiHook: boolean) => callImage(fixture("x64", file), exp, args, { apis: allApis, trace: true, compatApiHook });
  return [run(false), run(true)];
}

function same(file: string, exp: string, args: bigint[] = []): CallImageResult {
  const [fast, compat] = both(file, exp, args);
  assert.equal(fast.value, compat.value, `${file}!${exp}`);
  assert.deepEqual(fast.events, compat.events, `${file}!${exp}: events`);
  assert.deepEqual(fast.fault?.message ?? null, compat.fault?.message ?? null);
  return fast;
}

test("fast and compatible hooks: synchronization, object and pool routines agree", () => {
  let stackArgs = 0;
  for (const exp of ["TestPool", "TestEvents", "TestObjects", "TestMutexSemaphore"]) {
    const r = same("apisync.sys", exp);
    assert.equal(r.value, 0n, exp);
    stackArgs += r.events.filter((e) => e.event === "api" && (e as { args: string[] }).args.length > 4).length;
  }
  // KeWaitForSingleObject, ObReferenceObjectByHandle...: arguments past the fourth come from the stack.
  assert.ok(stackArgs > 0);
});

test("fast and compatible hooks: 1000 pool allocation pairs, and faults inside handlers", () => {
  const churn = same("emucomp.sys", "PoolChurn", [1000n, 64n]);
  assert.equal(churn.fault, null);
  assert.equal(churn.events.filter((e) => e.event === "api").length, 2000);
  for (const exp of ["WildRead", "DoubleFree", "CallUnimplemented", "TagMismatch"]) {
    const r = same("emufault.sys", exp, exp === "WildRead" ? [0x10n] : []);
    assert.ok(r.fault !== null || r.events.some((e) => e.event === "warning"), exp);
  }
});
