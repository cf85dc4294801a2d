/**
 * WDF object lifetime (FxObject's state machine, src/framework/shared/object/fxobjectstatemachine.cpp
 * in Microsoft's Windows-Driver-Frameworks — facts only): delete = dispose (children's
 * EvtCleanupCallback before the parent's) then release (children destroyed, then the object: its
 * EvtDestroyCallback at its last reference); WdfObjectDereferenceActual; and the leak report at
 * driver unload — objects of the driver still alive once the framework has deleted its tree, as
 * KMDF's verifier (VerifierOn/TrackHandles) reports them.
 */
import type { ApiContext } from "../api/types.js";
import type { TraceEvent } from "../../events.js";
import { hex } from "../api/util.js";
import { canonical, deleteDevice, ioState } from "../iomgr/index.js";
import { free, wdfState, type Kind, type WdfObject } from "./objects.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";

/**
 * Delete an object (FxObject::DeleteObject, src/framework/shared/object/fxobjectstatemachine.cpp):
 * it is disposed — its children first, each EvtCleanupCallback before its parent's — and only then
 * are the children released and the object itself (EvtDestroyCallback, memory), so a child's handle
 * stays valid through its parent's EvtCleanupCallback. Deleting a child its parent has already
 * disposed (the driver's EvtCleanupCallback deleting its control device while the WDFDRIVER goes)
 * is allowed: the parent releases it. A second delete of a deleted object is dropped.
 */
export function deleteObject(ctx: ApiContext, o: WdfObject): void {
  if (o.deleted) return;
  o.deleted = true;
  if (o.disposed) return; // disposed by its parent's delete, which releases it
  dispose(ctx, o);
  release(ctx, o);
}

function childrenOf(ctx: ApiContext, o: WdfObject): WdfObject[] {
  const st = wdfState(ctx.kernel);
  const out = [...st.objects.values()].filter((c) => c.parent === o.handle && c !== o);
  for (const q of o.queues ?? []) {
    const qo = st.objects.get(q);
    if (qo && !out.includes(qo)) out.push(qo);
  }
  return out;
}

/** FxObject::DisposeChildrenWorker: children disposed (EvtCleanupCallback) first, then the object's own cleanup. */
function dispose(ctx: ApiContext, o: WdfObject): void {
  if (o.disposed) return;
  o.disposed = true;
  for (const c of childrenOf(ctx, o)) if (!c.released) dispose(ctx, c);
  o.beforeDelete?.(ctx);
  if (o.dispose) {
    const d = o.dispose;
    o.dispose = undefined;
    d(ctx);
  }
  if (o.cleanup !== 0n) ctx.callGuest(o.cleanup, [o.handle]);
  for (const c of o.contexts ?? []) if (c.cleanup) ctx.callGuest(c.cleanup, [o.handle]);
  if (o.kind === "device" && o.device) {
    const io = ioState(ctx.kernel);
    for (const l of o.links ?? []) io.links.delete(canonical(l));
    wdfState(ctx.kernel).byDevice.delete(o.device);
    if (!o.miniport) deleteDevice(ctx, o.device);
    // A control device (FxDevice::Dispose, m_Legacy) destroys its children at once, with its DEVICE_OBJECT.
    if (o.pdo === undefined && !o.miniport) for (const c of childrenOf(ctx, o)) if (!c.released) release(ctx, c);
  }
}

/** FxObject::DeletedAndDisposedWorkerLocked: the children are released (DestroyChildren), then the object's last reference. */
function release(ctx: ApiContext, o: WdfObject): void {
  if (o.released) return;
  o.released = true;
  o.deleted = true;
  for (const c of childrenOf(ctx, o)) {
    if (c.released) continue;
    dispose(ctx, c); // a child made during the parent's cleanup
    release(ctx, c);
  }
  if (o.refs > 0) {
    o.deletePending = true;
    return;
  }
  destroyed(ctx, o);
}

/** EvtDestroyCallback of the object, then of its added contexts; then the memory goes. */
function destroyed(ctx: ApiContext, o: WdfObject): void {
  if (o.destroy !== 0n) ctx.callGuest(o.destroy, [o.handle]);
  for (const c of o.contexts ?? []) if (c.destroy) ctx.callGuest(c.destroy, [o.handle]);
  free(ctx, o);
}

/** WdfObjectDereferenceActual: the last reference of a deleted object frees it. */
export function dereferenceObject(ctx: ApiContext, o: WdfObject): void {
  if (o.refs <= 0) ctx.fault("bugcheck", `${ctx.api}: ${hex(o.handle)} (WDF ${o.kind}) dereferenced more often than referenced (WDF_VIOLATION)`, { code: "0x0000010D" });
  o.refs--;
  if (o.refs === 0 && o.deletePending) {
    destroyed(ctx, o);
  }
}

const KIND_NAMES: Record<Kind, string> = {
  driver: "WDFDRIVER", deviceInit: "WDFDEVICE_INIT", device: "WDFDEVICE", queue: "WDFQUEUE", request: "WDFREQUEST", cmResList: "WDFCMRESLIST", ioTarget: "WDFIOTARGET", fileObject: "WDFFILEOBJECT", memory: "WDFMEMORY", timer: "WDFTIMER", workItem: "WDFWORKITEM", waitLock: "WDFWAITLOCK", spinLock: "WDFSPINLOCK", collection: "WDFCOLLECTION", key: "WDFKEY", interrupt: "WDFINTERRUPT", string: "WDFSTRING", childList: "WDFCHILDLIST", lookaside: "WDFLOOKASIDE", dpc: "WDFDPC",
};

/**
 * The framework unloads a driver: objects it created that are still alive (a request never
 * completed, an object deleted while still referenced, one parented outside the driver's tree)
 * become `leak` events (kind "wdf-object"), then are dropped.
 */
export function wdfLeaks(ctx: ApiContext, owner: bigint, module: string): TraceEvent[] {
  const st = wdfState(ctx.kernel);
  const out: TraceEvent[] = [];
  for (const o of [...st.objects.values()]) {
    if (o.owner !== owner) continue;
    const what = `${KIND_NAMES[o.kind]} ${hex(o.handle)}`;
    const why = o.deletePending
      ? `was deleted but ${o.refs} reference(s) taken with WdfObjectReference were never released`
      : o.kind === "request" && !o.completed
        ? "was never completed"
        : "was never deleted (its parent is not in the driver's object tree)";
    out.push({ event: "leak", kind: "wdf-object", module, type: KIND_NAMES[o.kind], object: KIND_NAMES[o.kind], handle: hex(o.handle), message: `${what} ${why} when the driver unloaded (KMDF verifier: leaked WDF object)` });
    o.dispose?.(ctx);
    free(ctx, o);
  }
  return out;
}

/**
 * The framework deletes a WDFDRIVER (FxDriver::Unload after EvtDriverUnload; WdfDriverMiniportUnload;
 * or WdfVersionUnbind when the driver's unload was not the framework's — FxLibraryCommonUnregisterClient
 * in fxlibrarycommon.cpp deletes a WDFDRIVER still there): its tree goes, then what the driver
 * still owns is reported as leaked.
 */
export function deleteDriver(ctx: ApiContext, drv: WdfObject): void {
  deleteObject(ctx, drv);
  const start = drv.driverObject ? getPtr(ctx.mem, drv.driverObject + BigInt(LAYOUT.DRIVER_OBJECT.DriverStart)) : 0n;
  for (const leak of wdfLeaks(ctx, drv.owner, ctx.kernel.moduleAt?.(start) ?? drv.name ?? "?")) ctx.kernel.emit?.(leak);
}
