/**
 * ZwCreateFile / ZwOpenFile on a device's name (`\Device\X`, `\??\X`, `\Device\X\rest`): the
 * I/O manager's parse of a device path (IopParseDevice): a FILE_OBJECT on the device, whose
 * FileName is the rest of the path, and IRP_MJ_CREATE sent to the top of its stack
 * (iomgr/files.ts openDevice). The handle holds the file object; closing it sends IRP_MJ_CLEANUP,
 * and the last reference IRP_MJ_CLOSE. Names on the volume (C:, \SystemRoot) never come here.
 */
import type { ApiContext } from "./types.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { KernelMode, cleanupFile, envOf, lookupDevice, openDevice } from "../iomgr/index.js";
import { insertHandle, objectManager } from "./ob.js";

export interface DeviceFileData {
  device: bigint;
  file: bigint;
  access: number;
}

/** The device a name designates and the rest of the name after it, or null. */
export function deviceOfName(ctx: ApiContext, name: string): { device: bigint; rest: string } | null {
  for (let i = name.length; i > 1; i = name.lastIndexOf("\\", i - 1)) {
    const dev = lookupDevice(ctx.kernel, name.slice(0, i));
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
