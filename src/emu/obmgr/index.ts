/**
 * The object manager: reference counts of kernel objects and the kernel handle table.
 *
 * Objects are tracked by the address of their body. Components that create objects (the I/O
 * manager: driver/device/file objects; the registry: keys) register them with `registerObject`
 * and get `onDelete` called when the last reference goes away. Objects kmdll does not know
 * (e.g. a pointer the driver made up) are reported once with a warning.
 */
import type { ApiContext, KernelState } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { componentState } from "../api/state.js";
import { hex } from "../api/util.js";
import { deletedObject, noteCreated, noteDeleted, noteDropped, noteHeld } from "./holders.js";

export interface KernelObject {
  /** "Key", "Device", "Driver", "File", "Process", "Thread", "Event"... */
  type: string;
  name?: string;
  pointerCount: number;
  /** Permanent objects (the system process/thread) never go away. */
  permanent?: boolean;
  /** Called with the context of the API call that dropped the last reference. */
  onDelete?: (ctx?: ApiContext) => void;
}

/** What a handle refers to. Registry keys use `key` (see zw.ts); others carry an object address. */
export interface HandleEntry {
  type: string;
  object?: bigint;
  /** Component data (e.g. the registry key). */
  data?: unknown;
  access: number;
  kernelHandle: boolean;
  /** Called after the handle left the table (the last handle of a file object: its IRP_MJ_CLEANUP), with the closing call's context. */
  onClose?: (ctx?: ApiContext) => void;
  /**
   * Builds the object body on the first ObReferenceObjectByHandle, for components that track
   * their objects by handle and make the body only when a driver asks for it (files on the
   * volume: a FILE_OBJECT with its name). Returns the body, registered with one pointer for this
   * handle, or 0 when pool is exhausted.
   */
  makeObject?: (ctx: ApiContext) => bigint;
  /** The driver that opened it (set by insertHandle from the code running), for leaks at unload. */
  owner?: string | null;
  /** Where it was opened ("ZwCreateFile from x.sys+0x1234"), set by insertHandle. */
  site?: string | null;
  /** OBJECT_HANDLE_FLAG_INFORMATION (ZwSetInformationObject, ObSetHandleAttributes): ZwClose refuses a protected handle. */
  inherit?: boolean;
  protectFromClose?: boolean;
}

export interface ObjectManagerState {
  objects: Map<bigint, KernelObject>;
  handles: Map<bigint, HandleEntry>;
  nextHandle: bigint;
  warnedUnknown: Set<bigint>;
}

/** The object manager's state in a kernel. */
export const objectManager = componentState("ob", (): ObjectManagerState => ({ objects: new Map(), handles: new Map(), nextHandle: 4n, warnedUnknown: new Set() }));

/** Register an object body address with an initial pointer count (default 1). */
export function registerObject(kernel: KernelState, address: bigint, obj: Omit<KernelObject, "pointerCount"> & { pointerCount?: number }): void {
  objectManager(kernel).objects.set(address, { pointerCount: 1, ...obj });
  noteCreated(kernel, address);
}

/** Kernel handles have the high bit set (0xFFFFFFFF80000004, ...), as on x64 Windows. */
const KERNEL_HANDLE_BIT = 0xffffffff80000000n;
/** A handle as the table keys it: its low 32 bits sign-extended (an x86 driver holds 0x80000004 for 0xFFFFFFFF80000004). */
const handleKey = (h: bigint) => BigInt.asUintN(64, BigInt.asIntN(32, h));

export function insertHandle(kernel: KernelState, entry: HandleEntry): bigint {
  const om = objectManager(kernel);
  const h = (entry.kernelHandle ? KERNEL_HANDLE_BIT : 0n) | om.nextHandle;
  om.nextHandle += 4n;
  if (entry.owner === undefined) entry.owner = kernel.driverInProgress?.() ?? null;
  if (entry.site === undefined && entry.owner) entry.site = kernel.callSite?.() ?? null;
  om.handles.set(h, entry);
  if (entry.object !== undefined) {
    const o = om.objects.get(entry.object);
    if (o) o.pointerCount++;
  }
  return h;
}

/** Handles `module` opened and has not closed (kernel handles and handles of the system process alike), in handle order. */
export function handlesOwnedBy(kernel: KernelState, module: string): [bigint, HandleEntry][] {
  const m = module.toLowerCase();
  return [...objectManager(kernel).handles].filter(([, e]) => e.owner?.toLowerCase() === m);
}

export function lookupHandle(kernel: KernelState, handle: bigint): HandleEntry | undefined {
  return objectManager(kernel).handles.get(handleKey(handle));
}

export function closeHandle(ctx: ApiContext, handle: bigint): number {
  const om = objectManager(ctx.kernel);
  const h = handleKey(handle);
  const e = om.handles.get(h);
  if (!e) {
    ctx.warn(`ZwClose(${hex(h)}): not an open handle (Windows bugchecks INVALID_KERNEL_HANDLE for a bad kernel handle)`);
    return STATUS.INVALID_HANDLE;
  }
  // A handle protected from close (OBJ_PROTECT_CLOSE): STATUS_HANDLE_NOT_CLOSABLE, the handle stays (ntstatus.h; NtClose).
  if (e.protectFromClose) return 0xc0000235;
  om.handles.delete(h);
  e.onClose?.(ctx);
  if (e.object !== undefined) dereference(ctx, e.object, "ZwClose");
  return STATUS.SUCCESS;
}

function known(ctx: ApiContext, obj: bigint, api: string): KernelObject | undefined {
  const om = objectManager(ctx.kernel);
  if (!om.objects.has(obj)) {
    // The system process and thread exist from boot and are never deleted.
    if (obj === ctx.kernel.currentProcess) om.objects.set(obj, { type: "Process", name: "System", pointerCount: 1, permanent: true });
    else if (obj === ctx.kernel.currentThread) om.objects.set(obj, { type: "Thread", pointerCount: 1, permanent: true });
  }
  const o = om.objects.get(obj);
  if (!o && !om.warnedUnknown.has(obj)) {
    om.warnedUnknown.add(obj);
    ctx.warn(`${api}(${hex(obj)}): not an object kmdll created; its count is not tracked`);
  }
  return o;
}

const describeObject = (o: KernelObject, obj: bigint) => `${o.type} object${o.name ? " " + o.name : ""} at ${hex(obj)}`;

function verifying(ctx: ApiContext): boolean {
  return ctx.kernel.verify !== undefined && ctx.kernel.verifierMode !== undefined && ctx.kernel.verifierMode !== "none";
}

/**
 * Driver Verifier's 0xC4 P1 0x3F: ObReferenceObject / ObDereferenceObject on an object whose
 * reference count is zero (P2 the object, P3 the new count: -1 dereference, 1 reference).
 */
function zeroCountFinding(ctx: ApiContext, obj: bigint, api: string, what: string, deref: boolean): void {
  ctx.kernel.verify!({
    rule: deref ? "object-over-dereference" : "object-reference-deleted",
    message: `${api}(${hex(obj)}) on ${what}, whose reference count is already 0${deref ? ": more dereferences than references" : ": the object is gone"}`,
    bugcheck: { code: "0x000000C4", parameters: ["0x3f", hex(obj), deref ? "0xffffffffffffffff" : "0x1", "0x0"] },
  });
}

/**
 * Take a reference. `holder`: the driver the reference is handed to (./holders.ts), when the
 * routine gives the driver a referenced object; omitted for references a kernel component keeps.
 */
export function reference(ctx: ApiContext, obj: bigint, api: string, holder?: string | null): number {
  if (obj === 0n) ctx.fault("invalid-read", `${api}(NULL)`, { address: "0x0" });
  if (holder && verifying(ctx) && !objectManager(ctx.kernel).objects.has(obj)) {
    const gone = deletedObject(ctx.kernel, obj);
    if (gone) {
      zeroCountFinding(ctx, obj, api, `the deleted ${gone}`, false);
      return 0;
    }
  }
  const o = known(ctx, obj, api);
  if (!o) return 1;
  if (holder) noteHeld(ctx, obj, holder, api);
  return ++o.pointerCount;
}

/**
 * Drop a reference. `holder`: the driver dropping one it was given (ObDereferenceObject called by
 * a driver); a driver dropping a reference nobody gave a driver is a finding.
 */
export function dereference(ctx: ApiContext, obj: bigint, api: string, holder?: string | null): number {
  if (obj === 0n) ctx.fault("invalid-read", `${api}(NULL)`, { address: "0x0" });
  const checking = Boolean(holder) && verifying(ctx);
  if (checking && !objectManager(ctx.kernel).objects.has(obj)) {
    const gone = deletedObject(ctx.kernel, obj);
    if (gone) {
      zeroCountFinding(ctx, obj, api, `the deleted ${gone}`, true);
      return 0;
    }
  }
  const o = known(ctx, obj, api);
  if (!o) return 0;
  if (o.pointerCount <= 0) {
    if (checking) {
      zeroCountFinding(ctx, obj, api, describeObject(o, obj), true);
      return 0;
    }
    ctx.fault("bugcheck", `${api}(${hex(obj)}): reference count of ${o.type} object${o.name ? " " + o.name : ""} dropped below zero (REFERENCE_BY_POINTER)`, { code: "0x00000018" });
  }
  if (holder && !noteDropped(ctx.kernel, obj, holder) && checking)
    ctx.kernel.verify!({
      rule: "object-dereference-unreferenced",
      message: `${api}(${hex(obj)}): ${holder} drops a reference to the ${describeObject(o, obj)} it never took (no ObReferenceObject*, lookup or IoGetDeviceObjectPointer of it by this driver is outstanding): the reference belongs to the kernel, which later frees the object under its other users`,
    });
  o.pointerCount--;
  if (o.pointerCount === 0 && !o.permanent) {
    objectManager(ctx.kernel).objects.delete(obj);
    noteDeleted(ctx.kernel, obj, describeObject(o, obj));
    o.onDelete?.(ctx);
  }
  return o.pointerCount;
}

export { holderOf, holds, takeOver, takeHeldBy, noteHeld, type Hold } from "./holders.js";
