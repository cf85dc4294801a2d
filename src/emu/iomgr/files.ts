/**
 * File objects: opening a device (IRP_MJ_CREATE), the IRP_MJ_CLEANUP when the last handle goes,
 * and the IRP_MJ_CLOSE when the last reference goes (IopParseDevice, IopCloseFile and
 * IopDeleteFile in the WRK/ReactOS I/O manager).
 */
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { formatStatus, ntSuccess } from "../../nt/status.js";
import { dereference, reference, registerObject } from "../obmgr/index.js";
import { DO_DEVICE_INITIALIZING, DO_EXCLUSIVE, IO_TYPE_FILE, IRP_MJ, STATUS_NO_SUCH_DEVICE, TAG_FILE } from "./constants.js";
import { ctxLess, envOf, kalloc, kfree, type IoEnv } from "./env.js";
import { ioState } from "./state.js";
import { attachedTop, deviceLabel } from "./devices.js";
import { allocateIrp, nextStack, releaseIrp } from "./irp.js";
import { callDriver } from "./dispatch.js";
import { writeUnicodeString } from "./driver-object.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const FO = LAYOUT.FILE_OBJECT;
const SEC = LAYOUT.IO_SECURITY_CONTEXT;

const STATUS_ACCESS_DENIED = 0xc0000022;
/** wdm.h FILE_OBJECT.Flags. */
export const FO_SYNCHRONOUS_IO = 0x2;
/** wdm.h IRP flags of a create request. */
const IRP_CREATE_OPERATION = 0x80;
const IRP_SYNCHRONOUS_API = 0x4;
const IRP_CLOSE_OPERATION = 0x400;
const TAG_SECURITY = 0x63655349; // 'ISec'
/** ACCESS_STATE is opaque to most drivers; a zeroed block of its x64 size (0xA0) stands for it. */
const ACCESS_STATE_SIZE = 0xa0;

/** How CreateFile / NtCreateFile opened the file (IO_SECURITY_CONTEXT, Parameters.Create). */
export interface OpenOptions {
  /** The rest of the path after the device's name: FILE_OBJECT.FileName. */
  fileName?: string;
  desiredAccess?: number;
  /** Parameters.Create.Options: disposition << 24 | create options. */
  options?: number;
  shareAccess?: number;
  fileAttributes?: number;
  /** FO_SYNCHRONOUS_IO (CreateFile without FILE_FLAG_OVERLAPPED). */
  synchronous?: boolean;
  /** Where the I/O manager writes the IRP's IoStatus (a user-mode IO_STATUS_BLOCK). */
  iosb?: bigint;
}

export interface OpenResult {
  status: number;
  /** The create IRP's IoStatus.Information (FILE_OPENED ...), when it completed. */
  information: bigint;
  file: bigint;
  top: bigint;
}

/**
 * Open a device like ZwCreateFile + ObReferenceObjectByHandle: a FILE_OBJECT on it (referencing
 * it), IRP_MJ_CREATE sent to the top of its stack. Returns the status and the referenced file.
 */
export function openDevice(env: IoEnv, dev: bigint, requestorMode: number, o: OpenOptions = {}): OpenResult {
  const m = env.mem;
  const top = attachedTop(m, dev);
  // IopCheckDeviceAndDriver: a device still initializing cannot be opened. The I/O manager clears
  // the flag for devices created in DriverEntry; others must clear it themselves.
  if (m.u32(dev + B(DEV.Flags)) & DO_DEVICE_INITIALIZING) return { status: STATUS_NO_SUCH_DEVICE, information: 0n, file: 0n, top };
  // IopParseDevice: an exclusive device has at most one open file object.
  if (m.u32(dev + B(DEV.Flags)) & DO_EXCLUSIVE && m.u32(dev + B(DEV.ReferenceCount)) > 0) return { status: STATUS_ACCESS_DENIED, information: 0n, file: 0n, top };
  const nameBytes = o.fileName ? 0x10 + o.fileName.length * 2 + 2 : 0;
  const file = kalloc(env, FO.$size + nameBytes, TAG_FILE);
  m.write(file, new Uint8Array(FO.$size));
  m.setU16(file + B(FO.Type), IO_TYPE_FILE);
  m.setU16(file + B(FO.Size), FO.$size);
  putPtr(m, file + B(FO.DeviceObject), dev);
  m.setU8(file + B(FO.ReadAccess), 1);
  m.setU8(file + B(FO.WriteAccess), 1);
  if (o.synchronous) m.setU32(file + B(FO.Flags), FO_SYNCHRONOUS_IO);
  if (o.fileName) {
    // The name's buffer follows the object (one allocation, freed with it).
    const s = file + B(FO.$size);
    writeUnicodeString(m, s, o.fileName);
    m.write(file + B(FO.FileName), m.read(s, LAYOUT.UNICODE_STRING.$size));
  }
  reference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
  // DEVICE_OBJECT.ReferenceCount counts open file objects (IopReferenceDeviceObject).
  m.setU32(dev + B(DEV.ReferenceCount), m.u32(dev + B(DEV.ReferenceCount)) + 1);
  const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "user");
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CREATE);
  putPtr(m, sl + B(SL.FileObject), file);
  m.setU8(irp + B(IRP.RequestorMode), requestorMode);
  putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
  m.setU32(irp + B(IRP.Flags), IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API);
  // Parameters.Create: the IO_SECURITY_CONTEXT (with an ACCESS_STATE) lives during the create.
  const sec = kalloc(env, SEC.$size + ACCESS_STATE_SIZE, TAG_SECURITY);
  m.write(sec, new Uint8Array(SEC.$size + ACCESS_STATE_SIZE));
  putPtr(m, sec + B(SEC.AccessState), sec + B(SEC.$size));
  m.setU32(sec + B(SEC.DesiredAccess), (o.desiredAccess ?? 0x1f01ff) >>> 0);
  m.setU32(sec + B(SEC.FullCreateOptions), (o.options ?? 0) & 0xffffff);
  putPtr(m, sl + B(SL["Parameters.Create.SecurityContext"]), sec);
  m.setU32(sl + B(SL["Parameters.Create.Options"]), (o.options ?? 0x01000000) >>> 0);
  m.setU16(sl + B(SL["Parameters.Create.FileAttributes"]), o.fileAttributes ?? 0);
  m.setU16(sl + B(SL["Parameters.Create.ShareAccess"]), o.shareAccess ?? 0);
  if (o.iosb) putPtr(m, irp + B(IRP.UserIosb), o.iosb);
  let returned: number;
  try {
    returned = callDriver(env, top, irp);
  } finally {
    kfree(env, sec);
  }
  const done = takeCompleted(env, irp);
  if (!done) env.warn(`IRP_MJ_CREATE on ${deviceLabel(env, top)} returned ${formatStatus(returned)} without completing the IRP`);
  // The caller sees the completed IRP's IoStatus.Status (IopParseDevice waits for a pending create).
  const status = done ? done.status >>> 0 : returned;
  const information = done?.information ?? 0n;
  if (!ntSuccess(status)) {
    m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
    dereference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
    kfree(env, file);
    return { status, information, file: 0n, top };
  }
  registerObject(env.kernel, file, {
    type: "File",
    name: deviceLabel(env, dev),
    onDelete: (ctx) => closeFile(ctx ? envOf(ctx) : env, file, dev),
  });
  return { status, information, file, top };
}

/** The IRP's final IoStatus, or null when it was not completed. */
export type IoStatusResult = { status: number; information: bigint; completed: boolean };

/**
 * The last handle to a file object is closed (IopCloseFile): IRP_MJ_CLEANUP to the top of the
 * device's stack, synchronously. Returns the IRP's status (null when the driver is gone).
 */
export function cleanupFile(env: IoEnv, file: bigint): IoStatusResult | null {
  const m = env.mem;
  const dev = getPtr(m, file + B(FO.DeviceObject));
  const info = ioState(env.kernel).devices.get(dev);
  const top = info && !info.deleted ? attachedTop(m, dev) : dev;
  const driver = getPtr(m, top + B(DEV.DriverObject));
  const routine = getPtr(m, driver + B(D.MajorFunction) + B(ptrSize() * IRP_MJ.CLEANUP));
  // The I/O manager's default routine (IopInvalidDeviceRequest) would only complete it with
  // STATUS_INVALID_DEVICE_REQUEST, which NtClose ignores: nothing to send.
  const owner = env.kernel.moduleAt?.(routine);
  if (!owner || owner === "ntoskrnl.exe") return null;
  const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "user");
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CLEANUP);
  putPtr(m, sl + B(SL.FileObject), file);
  putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
  m.setU32(irp + B(IRP.Flags), IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API);
  const returned = callDriver(env, top, irp);
  const irpInfo = ioState(env.kernel).irps.get(irp);
  const result = takeCompleted(env, irp) ?? { status: returned, information: 0n, completed: false };
  if (!irpInfo?.completed) env.warn(`IRP_MJ_CLEANUP on ${deviceLabel(env, top)} returned ${formatStatus(returned)} without completing the IRP (the closing thread would wait for it)`);
  return result;
}

/** IoStatus of the last IRP_MJ_CLOSE each file object got (the close step reports it), by kernel. */
export const closeResults = new WeakMap<object, Map<bigint, IoStatusResult>>();

/**
 * A completed request the I/O manager built for itself or for user mode: its IoStatus, then the
 * IRP and its buffers are freed (IopCompleteRequest's last part). Null while it is pending.
 */
export function takeCompleted(env: IoEnv, irp: bigint): IoStatusResult | null {
  const info = ioState(env.kernel).irps.get(irp);
  if (!info?.completed || !info.result) return null;
  const r = { ...info.result, completed: true };
  releaseIrp(env, irp, info);
  return r;
}

/** Last reference to a file object gone: IRP_MJ_CLOSE to the device's stack, then release the device. */
function closeFile(env: IoEnv, file: bigint, dev: bigint): void {
  const m = env.mem;
  const info = ioState(env.kernel).devices.get(dev);
  const top = info && !info.deleted ? attachedTop(m, dev) : dev;
  const driver = getPtr(m, top + B(DEV.DriverObject));
  const routine = getPtr(m, driver + B(D.MajorFunction) + B(ptrSize() * IRP_MJ.CLOSE));
  if (env.kernel.moduleAt?.(routine)) {
    const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "user");
    const sl = nextStack(m, irp);
    m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CLOSE);
    putPtr(m, sl + B(SL.FileObject), file);
    putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
    m.setU32(irp + B(IRP.Flags), IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API);
    const returned = callDriver(env, top, irp);
    let byKernel = closeResults.get(env.kernel);
    if (!byKernel) closeResults.set(env.kernel, (byKernel = new Map()));
    byKernel.set(file, takeCompleted(env, irp) ?? { status: returned, information: 0n, completed: false });
  }
  kfree(env, file);
  m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
  dereference(ctxLess(env), dev, "ObfDereferenceObject(FILE_OBJECT)");
}
