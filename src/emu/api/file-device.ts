/**
 * ZwCreateFile / ZwOpenFile on a device's name (`\Device\X`, `\??\X`, `\Device\X\rest`): the
 * I/O manager's parse of a device path (IopParseDevice): a FILE_OBJECT on the device, whose
 * FileName is the rest of the path, and IRP_MJ_CREATE sent to the top of its stack
 * (iomgr/files.ts openDevice). The handle holds the file object; closing it sends IRP_MJ_CLEANUP,
 * and the last reference IRP_MJ_CLOSE. ZwReadFile / ZwWriteFile on such a handle send
 * IRP_MJ_READ / IRP_MJ_WRITE with the device's buffering (DO_BUFFERED_IO, DO_DIRECT_IO or neither).
 * Names on the volume (C:, \SystemRoot) never come here.
 */
import type { ApiContext } from "./types.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { KernelMode, attachedTop, buildFsdIrp, callDriver, cleanupFile, envOf, ioState, openDevice } from "../iomgr/index.js";
import { deviceByName } from "./objdir.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { lookupHandle } from "./ob.js";
import { insertHandle, objectManager } from "./ob.js";

export interface DeviceFileData {
  device: bigint;
  file: bigint;
  access: number;
}

/** The device a name designates and the rest of the name after it, or null. */
export function deviceOfName(ctx: ApiContext, name: string): { device: bigint; rest: string } | null {
  for (let i = name.length; i > 1; i = name.lastIndexOf("\\", i - 1)) {
    const dev = deviceByName(ctx, name.slice(0, i));
    if (dev !== null) return { device: dev, rest: name.slice(i) };
  }
  return null;
}

/** Open `name` on its device; the handle, the status and IoStatus.Information (FILE_OPENED ...). */
export function openOnDevice(ctx: ApiContext, name: string, access: number, options: number, disposition: number, share: number, attributes: number, kernelHandle: boolean): { status: number; handle: bigint; information: bigint } {
  const d = deviceOfName(ctx, name);
  if (!d) return { status: STATUS.OBJECT_NAME_NOT_FOUND, handle: 0n, information: 0n };
  const env = envOf(ctx);
  const r = openDevice(env, d.device, KernelMode, { ...(d.rest ? { fileName: d.rest } : {}), desiredAccess: access, options: ((disposition & 0xff) << 24) | (options & 0xffffff), shareAccess: share, fileAttributes: attributes, synchronous: (options & 0x30) !== 0 });
  if (!ntSuccess(r.status)) return { status: r.status, handle: 0n, information: 0n };
  const data: DeviceFileData = { device: d.device, file: r.file, access };
  const handle = insertHandle(ctx.kernel, {
    type: "File",
    object: r.file,
    data,
    access,
    kernelHandle,
    onClose: (c) => void cleanupFile(c ? envOf(c) : env, r.file),
  });
  // The handle takes over the reference openDevice returned.
  const o = objectManager(ctx.kernel).objects.get(r.file);
  if (o) o.pointerCount--;
  return { status: r.status, handle, information: r.information };
}

/** The device file data of a handle, or null when it is not a file opened on a device. */
export function deviceFileOf(ctx: ApiContext, handle: bigint): DeviceFileData | null {
  const h = lookupHandle(ctx.kernel, handle);
  return h?.type === "File" && h.data && "device" in (h.data as object) ? (h.data as DeviceFileData) : null;
}

/** ZwReadFile / ZwWriteFile on a device handle: IRP_MJ_READ / IRP_MJ_WRITE to the top of its stack. */
export function deviceReadWrite(ctx: ApiContext, d: DeviceFileData, write: boolean, eventHandle: bigint, iosb: bigint, buffer: bigint, length: number, offsetPtr: bigint): number {
  let event = 0n;
  if (eventHandle !== 0n) {
    const e = lookupHandle(ctx.kernel, eventHandle);
    if (!e) return STATUS.INVALID_HANDLE;
    if (e.type !== "Event" || e.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
    event = e.object;
  }
  if ((d.access & (write ? 0x2 | 0x4 | 0x40000000 | 0x10000000 : 0x1 | 0x80000000 | 0x10000000)) === 0) return STATUS.ACCESS_DENIED;
  const info = ioState(ctx.kernel).devices.get(d.device);
  if (!info || info.deleted) return STATUS.NO_SUCH_DEVICE;
  const env = envOf(ctx);
  const top = attachedTop(ctx.mem, d.device);
  const irp = buildFsdIrp(env, write ? 4 : 3, top, buffer, length, offsetPtr, event, iosb);
  const IRP = LAYOUT.IRP;
  const SL = LAYOUT.IO_STACK_LOCATION;
  const sl = getPtr(ctx.mem, irp + BigInt(IRP["Tail.Overlay.CurrentStackLocation"])) - BigInt(SL.$size);
  putPtr(ctx.mem, sl + BigInt(SL.FileObject), d.file);
  putPtr(ctx.mem, irp + BigInt(IRP["Tail.Overlay.OriginalFileObject"]), d.file);
  return callDriver(env, top, irp);
}
