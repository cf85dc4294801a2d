/**
 * Edge cases of the API handlers that a well-behaved driver never reaches, on the fake core
 * (test/api-fake.ts). The normal paths run on real drivers in test/api-drivers.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { allApis, registerObject } from "../src/emu/api/index.js";
import { STATUS } from "../src/nt/status.js";
import { L64 } from "../src/nt/layouts.js";
import { FakeEnv, FaultStop } from "./api-fake.js";

const B = (n: number) => BigInt(n);

function faultOf(fn: () => unknown): FaultStop {
  try {
    fn();
  } catch (e) {
    if (e instanceof FaultStop) return e;
    throw e;
  }
  assert.fail("expected a fault");
}

function objectAttributes(env: FakeEnv, name: string, attributes = 0x240, length: number = L64.OBJECT_ATTRIBUTES.$size): bigint {
  const us = env.mem.alloc(L64.UNICODE_STRING.$size);
  const buf = env.mem.putWString(name);
  env.mem.setU16(us + B(L64.UNICODE_STRING.Length), name.length * 2);
  env.mem.setU16(us + B(L64.UNICODE_STRING.MaximumLength), name.length * 2 + 2);
  env.mem.setU64(us + B(L64.UNICODE_STRING.Buffer), buf);
  const oa = env.mem.alloc(L64.OBJECT_ATTRIBUTES.$size);
  env.mem.setU32(oa + B(L64.OBJECT_ATTRIBUTES.Length), length);
  env.mem.setU64(oa + B(L64.OBJECT_ATTRIBUTES.ObjectName), us);
  env.mem.setU32(oa + B(L64.OBJECT_ATTRIBUTES.Attributes), attributes);
  return oa;
}

test("pool: ExFreePool(NULL) and paged pool at DISPATCH_LEVEL are bug checks; ExAllocatePool2 zeroes", () => {
  const env = new FakeEnv(allApis);
  assert.equal(faultOf(() => env.call("ExFreePool", 0)).kind, "bugcheck");
  env.kernel.irql = 2;
  assert.match(faultOf(() => env.call("ExAllocatePoolWithTag", 1, 16, 0x41414141)).message, /paged pool allocation at DISPATCH_LEVEL/);
  env.kernel.irql = 0;
  const p = env.call("ExAllocatePool2", 0x40, 32, 0x41414141)!;
  assert.equal(env.rec.pool.at(-1)!.zero, true);
  env.call("ExAllocatePool2", 0x42, 32, 0x41414141);
  assert.equal(env.rec.pool.at(-1)!.zero, false);
  assert.equal(env.call("ExAllocatePool2", 0x40, 32, 0), 0n);
  assert.match(env.rec.warnings.at(-1)!, /tag 0/);
  env.call("ExFreePoolWithTag", p, 0x41414141);
  assert.deepEqual(env.rec.poolErrors, []);
});

test("strings: RtlInitUnicodeStringEx refuses more than 0xFFFC bytes; RtlInitUnicodeString caps", () => {
  const env = new FakeEnv(allApis);
  const long = env.mem.putWString("x".repeat(0x8000));
  const us = env.mem.alloc(16);
  assert.equal(env.status("RtlInitUnicodeStringEx", us, long), STATUS.NAME_TOO_LONG);
  env.call("RtlInitUnicodeString", us, long);
  assert.equal(env.mem.u16(us), 0xfffc);
});

test("registry: bad OBJECT_ATTRIBUTES, relative names, invalid handles, deleted keys", () => {
  const env = new FakeEnv(allApis);
  const out = env.mem.alloc(8);
  assert.equal(env.status("ZwOpenKey", out, 0x20019, objectAttributes(env, "\\Registry\\Machine\\Software", 0x240, 40)), STATUS.INVALID_PARAMETER);
  assert.equal(env.status("ZwOpenKey", out, 0x20019, objectAttributes(env, "Registry\\Machine")), STATUS.OBJECT_PATH_SYNTAX_BAD);
  assert.equal(env.status("ZwCreateKey", out, 0xf003f, objectAttributes(env, "\\Registry\\Nowhere"), 0, 0, 0, 0), STATUS.ACCESS_DENIED);
  assert.equal(env.status("ZwOpenKey", out, 0x20019, objectAttributes(env, "\\Registry\\Machine\\Software")), STATUS.SUCCESS);
  const h = env.mem.u64(out);
  assert.equal(h >> 31n, 0x1ffffffffn, "kernel handle");
  assert.equal(env.status("ZwQueryValueKey", h, 0, 9, 0, 0, 0), STATUS.OBJECT_NAME_NOT_FOUND);
  assert.equal(env.status("ZwDeleteKey", h), STATUS.SUCCESS);
  assert.equal(env.status("ZwSetValueKey", h, 0, 0, 4, 0, 0), STATUS.KEY_DELETED);
  assert.equal(env.status("ZwClose", h), STATUS.SUCCESS);
  assert.equal(env.status("ZwClose", h), STATUS.INVALID_HANDLE);
  assert.equal(env.status("ZwQueryKey", 0x1234, 0, 0, 0, 0), STATUS.INVALID_HANDLE);
  // without OBJ_KERNEL_HANDLE: a user handle and a warning
  assert.equal(env.status("ZwOpenKey", out, 0x20019, objectAttributes(env, "\\Registry\\Machine", 0x40)), STATUS.SUCCESS);
  assert.equal(env.mem.u64(out) >> 31n, 0n);
  assert.match(env.rec.warnings.at(-1)!, /OBJ_KERNEL_HANDLE/);
});

test("objects: a registered object is deleted at zero; below zero is a bug check", () => {
  const env = new FakeEnv(allApis);
  let deleted = 0;
  registerObject(env.kernel, 0x5000n, { type: "Device", name: "\\Device\\X", onDelete: () => void deleted++ });
  assert.equal(env.call("ObfReferenceObject", 0x5000n), 2n);
  assert.equal(env.call("ObfDereferenceObject", 0x5000n), 1n);
  assert.equal(env.call("ObfDereferenceObject", 0x5000n), 0n);
  assert.equal(deleted, 1);
  // gone: further use is an unknown object (warning), not a crash
  env.call("ObfDereferenceObject", 0x5000n);
  assert.match(env.rec.warnings.at(-1)!, /not an object kmdll created/);
  registerObject(env.kernel, 0x6000n, { type: "Event", pointerCount: 0, permanent: true });
  assert.match(faultOf(() => env.call("ObfDereferenceObject", 0x6000n)).message, /below zero/);
});

test("waits: finite timeouts advance the deterministic clock and time out", () => {
  const env = new FakeEnv(allApis);
  const ev = env.mem.alloc(L64.KEVENT.$size);
  env.call("KeInitializeEvent", ev, 0, 0);
  const timeout = env.mem.alloc(8);
  env.mem.setU64(timeout, BigInt.asUintN(64, -5_000_000n)); // 0.5 s relative
  const freq = env.mem.alloc(8);
  const before = env.call("KeQueryPerformanceCounter", freq)!;
  assert.equal(env.status("KeWaitForSingleObject", ev, 0, 0, 0, timeout), STATUS.TIMEOUT);
  const after = env.call("KeQueryPerformanceCounter", 0)!;
  assert.equal(after - before, 5_000_000n);
  assert.equal(env.mem.u64(freq), 10_000_000n);
  assert.equal(faultOf(() => env.call("KeWaitForSingleObject", ev, 0, 0, 0, 0)).kind, "deadlock");
});

test("memory routines: a length no mapping can hold (a negative int as SIZE_T) faults instead of allocating", () => {
  const env = new FakeEnv(allApis);
  const a = env.mem.alloc(16);
  const f = faultOf(() => env.call("memcpy", a, a, -1n));
  assert.equal(f.kind, "invalid-write");
  assert.match(f.message, /memcpy: length 0xffffffffffffffff runs past the end of mapped memory/);
  assert.equal(faultOf(() => env.call("RtlCompareMemory", a, a, 1n << 40n)).kind, "invalid-read");
  assert.equal(faultOf(() => env.call("RtlZeroMemory", a, 1n << 33n)).kind, "invalid-write");
});
