/**
 * Transient call contexts (ApiDefinition.transientContext, src/emu/dispatch.ts): a routine whose
 * handler keeps no reference to its context gets the same context object call after call (no
 * allocation per call), and each call still reads its own arguments; every other routine gets a
 * context of its own that still answers after the call (detach). The pool routines are
 * transient; 64-bit SIZE_T arguments reach them without a BigInt (ApiContext.hi32).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callImage } from "../src/sim/call.js";
import { allApis } from "../src/emu/api/index.js";
import type { ApiContext, ApiDefinition } from "../src/emu/api/types.js";
import { fixture } from "./helpers.js";
import { FakeEnv } from "./api-fake.js";

/** allApis with ExAllocatePoolWithTag wrapped: each call's context and arguments as the handler saw them. */
function recording(transient: boolean | undefined) {
  const seen: { ctx: ApiContext; size: bigint; tag: number; hi: number }[] = [];
  const real = allApis.find((d) => d.name === "ExAllocatePoolWithTag")!;
  const wrapped: ApiDefinition = {
    ...real,
    transientContext: transient,
    handler: (ctx) => {
      seen.push({ ctx, size: ctx.arg(1), tag: ctx.u32(2), hi: ctx.hi32(1) });
      return real.handler(ctx);
    },
  };
  return { seen, apis: allApis.map((d) => (d === real ? wrapped : d)) };
}

test("pool routines are transient; the other routines are not", () => {
  const byName = new Map(allApis.map((d) => [d.name, d]));
  for (const n of ["ExAllocatePoolWithTag", "ExAllocatePool2", "ExFreePoolWithTag", "ExFreePool"]) assert.equal(byName.get(n)!.transientContext, true, n);
  for (const n of ["KeWaitForSingleObject", "IoCreateDevice", "DbgPrint"]) assert.notEqual(byName.get(n)!.transientContext, true, n);
});

test("a transient routine's context serves every call and reads each call's own arguments", () => {
  const { seen, apis } = recording(true);
  const r = callImage(fixture("x64", "emucomp.sys"), "PoolChurn", [200n, 48n], { apis });
  assert.equal(r.fault, null);
  assert.equal(seen.length, 200);
  assert.equal(new Set(seen.map((s) => s.ctx)).size, 1);
  // PoolChurn(n, size) allocates `size` bytes each time (examples/emu-compute/compute_core.c).
  assert.deepEqual(new Set(seen.map((s) => s.size)), new Set([48n]));
  assert.deepEqual(new Set(seen.map((s) => s.hi)), new Set([0]));
});

test("a routine that is not transient gets a context per call, which answers after the call", () => {
  const { seen, apis } = recording(undefined);
  const r = callImage(fixture("x64", "emucomp.sys"), "PoolChurn", [50n, 40n], { apis });
  assert.equal(r.fault, null);
  assert.equal(seen.length, 50);
  assert.equal(new Set(seen.map((s) => s.ctx)).size, 50);
  // After later calls reused the hook's register row, a kept context still reads its own call.
  for (const s of seen) {
    assert.equal(s.ctx.arg(1), 40n);
    assert.equal(s.ctx.u32(2), s.tag);
  }
});

test("pool allocation: a SIZE_T of 2^32 or more fails with NULL; smaller sizes are allocated exactly", () => {
  const env = new FakeEnv(allApis);
  assert.equal(env.call("ExAllocatePoolWithTag", 0, (1n << 32n) + 16n, 0x6c6f6f50), 0n);
  assert.equal(env.rec.pool.length, 0);
  assert.notEqual(env.call("ExAllocatePoolWithTag", 0, 0xfff0n, 0x6c6f6f50), 0n);
  assert.equal(env.rec.pool[0]!.size, 0xfff0);
});

test("a freed block record is renewed for the next allocation at its address only if it never left the allocator", async () => {
  const { EmulatorExecutor } = await import("../src/emu/executor.js");
  const ex = new EmulatorExecutor({ apis: allApis });
  try {
    const pool = ex.emu.pool;
    const a = pool.allocate(64, 0x41414141, 0, false, "one.sys", "one.sys+0x10");
    pool.free(a, 0x41414141, "one.sys+0x20");
    const kept = pool.blockInfo(a)!; // handed out: must never change
    const b = pool.allocate(64, 0x42424242, 1, false, "two.sys", "two.sys+0x10");
    assert.equal(b, a); // the freed address serves the next allocation of its size
    assert.deepEqual([kept.tag, kept.module, kept.site, kept.poolType], [0x41414141, "one.sys", "one.sys+0x10", 0]);
    const now = pool.blockInfo(b)!;
    assert.notEqual(now, kept);
    assert.deepEqual([now.tag, now.module, now.poolType], [0x42424242, "two.sys", 1]);
    // Never handed out between its free and the next allocation: renewed with the new call's fields.
    const d = pool.allocate(32, 0x44444444, 0, false, "four.sys", null);
    pool.free(d, 0x44444444, null);
    const e = pool.allocate(32, 0x45454545, 0, true, "five.sys", "five.sys+0x5");
    assert.equal(e, d);
    const live = pool.liveOf("five.sys");
    assert.equal(live.length, 1);
    assert.deepEqual([live[0]!.address, live[0]!.size, live[0]!.tag, live[0]!.site], [d, 32, 0x45454545, "five.sys+0x5"]);
    assert.ok(live[0]!.seq > now.seq);
    assert.equal(pool.liveOf("four.sys").length, 0);
    // Freeing it twice is still a double free of the renewed block.
    const problems: string[] = [];
    pool.onProblem = (p) => void problems.push(p.kind === "double-free" ? `${p.kind} ${p.block.tag.toString(16)} ${p.block.site}` : p.kind);
    assert.equal(pool.free(e, 0x45454545, null), true);
    assert.equal(pool.free(e, 0x45454545, "five.sys+0x9"), false);
    assert.deepEqual(problems, ["double-free 45454545 five.sys+0x5"]);
  } finally {
    ex.close();
  }
});
