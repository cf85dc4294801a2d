/**
 * Framework file objects (wdfdevice.h, wdffileobject.h of microsoft/Windows-Driver-Frameworks
 * src/publicinc/wdf/kmdf/1.33): WdfDeviceInitSetFileObjectConfig(DeviceInit, WDF_FILEOBJECT_CONFIG,
 * WDF_OBJECT_ATTRIBUTES) registers EvtDeviceFileCreate, EvtFileCleanup and EvtFileClose. For a
 * device created with it the framework, on IRP_MJ_CREATE, creates a WDFFILEOBJECT (with the
 * attributes' context) for the FILE_OBJECT and calls EvtDeviceFileCreate(Device, Request,
 * FileObject) — the driver completes the request; a failed create deletes the WDFFILEOBJECT —, or
 * succeeds the create without a callback; IRP_MJ_CLEANUP calls EvtFileCleanup(FileObject),
 * IRP_MJ_CLOSE EvtFileClose(FileObject) and deletes the WDFFILEOBJECT; both then succeed.
 * WdfFileObjectWdmGetFileObject and WdfFileObjectGetDevice read a WDFFILEOBJECT back,
 * WdfRequestGetFileObject finds the one of a request's FILE_OBJECT.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { componentState } from "../api/state.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, wdfState, type WdfObject } from "./objects.js";
import { deleteObject } from "./lifetime.js";

const B = (n: number) => BigInt(n);
const IRP_MJ_CREATE = 0x00;
const IRP_MJ_CLEANUP = 0x12;
const STATUS_PENDING = 0x103;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/** FILE_OBJECT address → its WDFFILEOBJECT. */
const wdfFiles = componentState("wdf-files", () => new Map<bigint, bigint>());

/**
 * IRP_MJ_CREATE / IRP_MJ_CLEANUP / IRP_MJ_CLOSE to a device with a file object configuration;
 * `finish` completes the IRP with a status.
 */
export function fileDispatch(ctx: ApiContext, wdev: WdfObject, irp: bigint, major: number, finish: (status: number) => number): number {
  const cfg = wdev.fileConfig!;
  const m = ctx.mem;
  const IRP = LAYOUT.IRP;
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  const wdm = getPtr(m, sl + B(LAYOUT.IO_STACK_LOCATION.FileObject));
  const files = wdfFiles(ctx.kernel);
  const st = wdfState(ctx.kernel);
  if (major === IRP_MJ_CREATE) {
    // A file object's parent is its device, whatever the attributes say.
    const fo = newObject(ctx, "fileObject", { ...cfg.attrs, parent: wdev.handle }, { wdmFile: wdm, owner: wdev.owner });
    files.set(wdm, fo.handle);
    if (cfg.create === 0n) return finish(STATUS.SUCCESS);
    const req = newObject(ctx, "request", wdev.requestAttrs ?? 0n, { irp, parent: null, completed: false, owner: wdev.owner });
    ctx.callGuest(cfg.create, [wdev.handle, req.handle, fo.handle]);
    if (!req.completed) {
      ctx.warn(`EvtDeviceFileCreate ${ctx.kernel.where?.(cfg.create) ?? hex(cfg.create)} returned without completing request ${hex(req.handle)}: STATUS_PENDING`);
      return STATUS_PENDING;
    }
    const status = m.u32(irp + B(IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Status));
    if (status & 0x80000000 && st.objects.has(fo.handle)) {
      files.delete(wdm);
      deleteObject(ctx, fo);
    }
    return status;
  }
  const h = files.get(wdm);
  const fo = h === undefined ? undefined : st.objects.get(h);
  if (!fo) {
    ctx.warn(`${major === IRP_MJ_CLEANUP ? "IRP_MJ_CLEANUP" : "IRP_MJ_CLOSE"} for FILE_OBJECT ${hex(wdm)}, which has no WDFFILEOBJECT (no IRP_MJ_CREATE created one): completed with STATUS_SUCCESS`);
    return finish(STATUS.SUCCESS);
  }
  if (major === IRP_MJ_CLEANUP) {
    if (cfg.cleanup !== 0n) ctx.callGuest(cfg.cleanup, [fo.handle]);
    return finish(STATUS.SUCCESS);
  }
  if (cfg.close !== 0n) ctx.callGuest(cfg.close, [fo.handle]);
  files.delete(wdm);
  deleteObject(ctx, fo);
  return finish(STATUS.SUCCESS);
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceInitSetFileObjectConfig", 4, (ctx) => {
    const init = objectOf(ctx, ctx.arg(1), "deviceInit", "DeviceInit");
    const [config, attrs] = [ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(init.handle), hex(config), hex(attrs)]);
    if (config === 0n) ctx.fault("bugcheck", `WdfDeviceInitSetFileObjectConfig: FileObjectConfig is NULL (WDF_VIOLATION)`, { code: "0x0000010D" });
    const C = wdf("WDF_FILEOBJECT_CONFIG");
    const size = ctx.mem.u32(config + B(C.Size));
    if (size !== C.$size) ctx.warn(`WdfDeviceInitSetFileObjectConfig: WDF_FILEOBJECT_CONFIG.Size is ${size}, the framework's is ${C.$size}`);
    const at = (f: "EvtDeviceFileCreate" | "EvtFileClose" | "EvtFileCleanup") => getPtr(ctx.mem, config + B(C[f]));
    // The attributes are read now, as the framework copies them (they are usually on the caller's stack).
    init.fileConfig = { create: at("EvtDeviceFileCreate"), close: at("EvtFileClose"), cleanup: at("EvtFileCleanup"), attrs: readAttributes(ctx, attrs) };
  }),
  fx("WdfFileObjectWdmGetFileObject", 2, (ctx) => objectOf(ctx, ctx.arg(1), "fileObject", "FileObject").wdmFile ?? 0n),
  fx("WdfFileObjectGetDevice", 2, (ctx) => objectOf(ctx, ctx.arg(1), "fileObject", "FileObject").parent ?? 0n),
  // The WDFFILEOBJECT of the FILE_OBJECT the request's IRP names (NULL when it has none).
  fx("WdfRequestGetFileObject", 2, (ctx) => {
    const req = objectOf(ctx, ctx.arg(1), "request", "Request");
    const sl = getPtr(ctx.mem, req.irp! + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
    const h = wdfFiles(ctx.kernel).get(getPtr(ctx.mem, sl + B(LAYOUT.IO_STACK_LOCATION.FileObject)));
    return h !== undefined && wdfState(ctx.kernel).objects.has(h) ? h : 0n;
  }),
];
