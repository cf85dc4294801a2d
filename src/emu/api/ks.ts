/**
 * ks.sys, the kernel streaming library (AVStream; ks.h, Microsoft Learn's ks.h reference). Export
 * names: ks.h's routines that are not inline. The emulated kernel has no KS objects: no device,
 * filter or pin is ever created through ks.sys (KsInitializeDriver, KsCreateDevice... are
 * emulator gaps, reported when called).
 *
 *   KsGetPinFromIrp(Irp), KsGetFilterFromIrp(Irp): the KS object of the IRP's current stack
 *     location's file object, found through FileObject->FsContext (the KS object header AVStream
 *     puts there). An IRP without a file object, or whose file object has no FsContext, belongs
 *     to no KS object: NULL. A file object with an FsContext belongs to some other driver's
 *     object, which AVStream would misread as a KS object header; kmdll reports that as a gap
 *     (unimplemented-api) instead of guessing what Windows would read.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";

export const KS = "ks.sys";
const B = (n: number) => BigInt(n);
const IO_TYPE_IRP = 6;

export const KS_EXPORTS: readonly string[] = (
  "KsAcquireControl KsAcquireDevice KsAddDevice KsAddItemToObjectBag KsAllocateDeviceHeader KsAllocateObjectHeader KsCompletePendingRequest " +
  "KsCreateDevice KsCreateFilterFactory KsDefaultDispatchPnp KsDefaultDispatchPower KsDefaultForwardIrp KsDisableEvent KsDispatchInvalidDeviceRequest " +
  "KsDispatchIrp KsDispatchQuerySecurity KsDispatchSetSecurity KsEnableEvent KsFilterAttemptProcessing KsFreeDeviceHeader KsFreeObjectHeader " +
  "KsGenerateEvent KsGenerateEvents KsGetDevice KsGetFilterFromIrp KsGetObjectFromFileObject KsGetObjectTypeFromFileObject KsGetObjectTypeFromIrp " +
  "KsGetOuterUnknown KsGetParent KsGetPinFromIrp KsInitializeDriver KsMethodHandler KsNullDriverUnload KsPinAttemptProcessing " +
  "KsPinGetConnectedPinDeviceObject KsPinGetConnectedPinFileObject KsPinGetLeadingEdgeStreamPointer KsProbeStreamIrp KsPropertyHandler " +
  "KsQueueWorkItem KsRegisterWorker KsReleaseControl KsReleaseDevice KsSetMajorFunctionHandler KsStreamPointerAdvance KsStreamPointerDelete " +
  "KsStreamPointerLock KsStreamPointerUnlock KsTerminateDevice KsUnregisterWorker"
).split(" ");

function objectFromIrp(what: "pin" | "filter") {
  const name = what === "pin" ? "KsGetPinFromIrp" : "KsGetFilterFromIrp";
  return api(KS, name, 1, (ctx: ApiContext) => {
    const irp = ctx.arg(0);
    ctx.describe([hex(irp)]);
    const m = ctx.mem;
    if (irp === 0n || m.u16(irp + B(LAYOUT.IRP.Type)) !== IO_TYPE_IRP) ctx.fault("bugcheck", `${name}: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
    const sp = getPtr(m, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
    const file = getPtr(m, sp + B(LAYOUT.IO_STACK_LOCATION.FileObject));
    if (file === 0n) return 0n;
    const fsContext = getPtr(m, file + B(LAYOUT.FILE_OBJECT.FsContext));
    if (fsContext === 0n) return 0n;
    ctx.fault("unimplemented-api", `kmdll does not implement AVStream objects: ${name}(${hex(irp)}) on the file object ${hex(file)}, whose FsContext ${hex(fsContext)} is not a KS object header ks.sys made`);
  });
}

export const apis: ApiDefinition[] = [objectFromIrp("pin"), objectFromIrp("filter")];
