/**
 * Ob* exports: reference counting and typed references on top of the object manager
 * (src/emu/obmgr).
 */
import { getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "./util.js";
import { closeHandle, dereference, holderOf, lookupHandle, objectManager, reference, registerObject } from "../obmgr/index.js";

const OBJECT_BODY_SIZE = 0x40;
const TAG_BODY = 0x6a624f4b; // 'KObj'


export { registerObject, insertHandle, lookupHandle, closeHandle, objectManager, reference, dereference } from "../obmgr/index.js";
export type { KernelObject, HandleEntry, ObjectManagerState } from "../obmgr/index.js";

/** Object type names kmdll uses → the ntoskrnl data export holding that POBJECT_TYPE. */
const TYPE_EXPORTS: Record<string, string> = {
  Device: "IoDeviceObjectType",
  Driver: "IoDriverObjectType",
  File: "IoFileObjectType",
  Process: "PsProcessType",
  Thread: "PsThreadType",
  Key: "CmKeyObjectType",
  Event: "ExEventObjectType",
  Section: "MmSectionObjectType",
  Token: "SeTokenObjectType",
  Semaphore: "ExSemaphoreObjectType",
  Job: "PsJobType",
};

/** The kmdll type name of an OBJECT_TYPE pointer (the value of e.g. *IoDeviceObjectType), or null when unknown. */
export function typeNameOf(ctx: ApiContext, objectType: bigint): string | null {
  for (const [name, exp] of Object.entries(TYPE_EXPORTS)) {
    const slot = ctx.kernel.resolveKernelExport?.(exp);
    if (slot && ctx.mem.isMapped(slot, 8) && getPtr(ctx.mem, slot) === objectType) return name;
  }
  return null;
}

export const apis: ApiDefinition[] = [
  nt("ObfReferenceObject", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return reference(ctx, ctx.arg(0), "ObfReferenceObject", holderOf(ctx));
  }),
  nt("ObfDereferenceObject", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return dereference(ctx, ctx.arg(0), "ObfDereferenceObject", holderOf(ctx));
  }),
  nt("ObfReferenceObjectWithTag", 2, (ctx) => reference(ctx, ctx.arg(0), "ObfReferenceObjectWithTag", holderOf(ctx))),
  nt("ObfDereferenceObjectWithTag", 2, (ctx) => dereference(ctx, ctx.arg(0), "ObfDereferenceObjectWithTag", holderOf(ctx))),
  nt("ObDereferenceObjectDeferDelete", 1, (ctx) => void dereference(ctx, ctx.arg(0), "ObDereferenceObjectDeferDelete", holderOf(ctx))),
  nt("ObDereferenceObjectDeferDeleteWithTag", 2, (ctx) => void dereference(ctx, ctx.arg(0), "ObDereferenceObjectDeferDeleteWithTag", holderOf(ctx))),
  // ObCloseHandle(Handle, PreviousMode): ZwClose for a handle of either mode (Microsoft Learn).
  nt("ObCloseHandle", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "UserMode" : "KernelMode"]);
    return closeHandle(ctx, ctx.arg(0));
  }),
  nt("ObReferenceObjectByPointer", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), ctx.u32(3) & 0xff ? "UserMode" : "KernelMode"]);
    const o = objectManager(ctx.kernel).objects.get(ctx.arg(0));
    const want = ctx.arg(2) === 0n ? null : typeNameOf(ctx, ctx.arg(2));
    if (o && want !== null && want !== o.type) return STATUS.OBJECT_TYPE_MISMATCH;
    reference(ctx, ctx.arg(0), "ObReferenceObjectByPointer", holderOf(ctx));
    return STATUS.SUCCESS;
  }),
  nt("ObReferenceObjectByHandle", 6, (ctx) => {
    const h = BigInt.asIntN(8 * ptrSize(), ctx.arg(0));
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2))]);
    // NtCurrentProcess() = -1 and NtCurrentThread() = -2 are pseudo-handles, valid in every process.
    const pseudo = h === -1n ? { type: "Process", object: ctx.kernel.currentProcess } : h === -2n ? { type: "Thread", object: ctx.kernel.currentThread } : null;
    const e = pseudo ?? lookupHandle(ctx.kernel, ctx.arg(0));
    if (!e || (pseudo && e.object === undefined)) return STATUS.INVALID_HANDLE;
    // Every handle names an object body (Windows has no bodiless handles): objects kmdll tracks
    // by handle only (sections, keys, directories, links, ...) get one on first use; it lives
    // while the handle or a reference holds it.
    if (e.object === undefined) {
      const make = "makeObject" in e ? e.makeObject : undefined;
      const body = make ? make(ctx) : (ctx.kernel.kernelPool?.allocate(OBJECT_BODY_SIZE, TAG_BODY) ?? 0n);
      if (body === 0n) return STATUS.INSUFFICIENT_RESOURCES;
      if (!make) registerObject(ctx.kernel, body, { type: e.type, onDelete: () => ctx.kernel.kernelPool?.free(body) });
      e.object = body;
    }
    const want = ctx.arg(2) === 0n ? null : typeNameOf(ctx, ctx.arg(2));
    if (want !== null && want !== e.type) return STATUS.OBJECT_TYPE_MISMATCH;
    reference(ctx, e.object, "ObReferenceObjectByHandle", holderOf(ctx));
    putPtr(ctx.mem, ctx.arg(4), e.object);
    return STATUS.SUCCESS;
  }),
];
