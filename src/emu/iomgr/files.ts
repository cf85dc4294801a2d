/** File objects: opening a device (IRP_MJ_CREATE) and the IRP_MJ_CLOSE when the last reference goes. */
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { formatStatus, ntSuccess } from "../../nt/status.js";
import { dereference, reference, registerObject } from "../obmgr/index.js";
import { DO_DEVICE_INITIALIZING, IO_TYPE_FILE, IRP_MJ, STATUS_NO_SUCH_DEVICE, TAG_FILE } from "./constants.js";
import { ctxLess, envOf, kalloc, kfree, type IoEnv } from "./env.js";
import { ioState } from "./state.js";
import { attachedTop, deviceLabel } from "./devices.js";
import { allocateIrp, nextStack } from "./irp.js";
import { callDriver } from "./dispatch.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const FO = LAYOUT.FILE_OBJECT;

/**
 * Open a device like ZwCreateFile + ObReferenceObjectByHandle: a FILE_OBJECT on it (referencing
 * it), IRP_MJ_CREATE sent to the top of its stack. Returns the status and the referenced file.
 */
export function openDevice(env: IoEnv, dev: bigint, requestorMode: number): { status: number; file: bigint; top: bigint } {
  const m = env.mem;
  const top = attachedTop(m, dev);
  // IopCheckDeviceAndDriver: a device still initializing cannot be opened. The I/O manager clears
  // the flag for devices created in DriverEntry; others must clear it themselves.
  if (m.u32(dev + B(DEV.Flags)) & DO_DEVICE_INITIALIZING) return { status: STATUS_NO_SUCH_DEVICE, file: 0n, top };
  const file = kalloc(env, FO.$size, TAG_FILE);
  m.setU16(file + B(FO.Type), IO_TYPE_FILE);
  m.setU16(file + B(FO.Size), FO.$size);
  putPtr(m, file + B(FO.DeviceObject), dev);
  m.setU8(file + B(FO.ReadAccess), 1);
  m.setU8(file + B(FO.WriteAccess), 1);
  reference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
  // DEVICE_OBJECT.ReferenceCount counts open file objects (IopReferenceDeviceObject).
  m.setU32(dev + B(DEV.ReferenceCount), m.u32(dev + B(DEV.ReferenceCount)) + 1);
  const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "built");
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CREATE);
  putPtr(m, sl + B(SL.FileObject), file);
  m.setU8(irp + B(IRP.RequestorMode), requestorMode);
  putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
  const status = callDriver(env, top, irp);
  const info = ioState(env.kernel).irps.get(irp);
  if (info && !info.completed) env.warn(`IRP_MJ_CREATE on ${deviceLabel(env, top)} returned ${formatStatus(status)} without completing the IRP`);
  if (!ntSuccess(status)) {
    m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
    dereference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
    kfree(env, file);
    return { status, file: 0n, top };
  }
  registerObject(env.kernel, file, {
    type: "File",
    name: deviceLabel(env, dev),
    onDelete: (ctx) => closeFile(ctx ? envOf(ctx) : env, file, dev),
  });
  return { status, file, top };
}

/** Last reference to a file object gone: IRP_MJ_CLOSE to the device's stack, then release the device. */
function closeFile(env: IoEnv, file: bigint, dev: bigint): void {
  const m = env.mem;
  const info = ioState(env.kernel).devices.get(dev);
  const top = info && !info.deleted ? attachedTop(m, dev) : dev;
  const driver = getPtr(m, top + B(DEV.DriverObject));
  const routine = getPtr(m, driver + B(D.MajorFunction) + B(ptrSize() * IRP_MJ.CLOSE));
  if (env.kernel.moduleAt?.(routine)) {
    const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "built");
    const sl = nextStack(m, irp);
    m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CLOSE);
    putPtr(m, sl + B(SL.FileObject), file);
    putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
    callDriver(env, top, irp);
  }
  kfree(env, file);
  m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
  dereference(ctxLess(env), dev, "ObfDereferenceObject(FILE_OBJECT)");
}

