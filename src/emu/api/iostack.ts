/**
 * Device stacks, volumes and IRP helpers of the I/O manager beyond api/io.ts: the stack a device
 * is in (IoGetLowerDeviceObject, IoGetDeviceAttachmentBaseRef, IoAttachDeviceToDeviceStackSafe,
 * IoAttachDevice, IoEnumerateDeviceObjectList), the volume behind a file (IoGetBaseFileSystemDeviceObject,
 * IoGetDiskDeviceObject, IoAcquire/ReleaseVpbSpinLock, RtlVolumeDeviceToDosName /
 * IoVolumeDeviceToDosName, IoQueryFileDosDeviceName), IRPs (IoReuseIrp, IoSetCompletionRoutineEx,
 * IoForwardIrpSynchronously, IoGet/SetTopLevelIrp) and IoGetStackLimits, IoGetFileObjectGenericMapping.
 *
 * Semantics from Microsoft Learn (each routine's page; ntifs.h / wdm.h): references the routines
 * return are the caller's to drop with ObDereferenceObject; buffers the DOS-name routines return
 * are pool the caller frees with ExFreePool. The volume's devices are api/volume-device.ts:
 * \Device\HarddiskVolume1 is C: (the \GLOBAL??\C: link); another device is a volume with a DOS
 * name when a drive-letter link (\GLOBAL??\X:) names it, and otherwise answers as a device that is
 * no volume (STATUS_INVALID_DEVICE_REQUEST: it fails IOCTL_MOUNTDEV_QUERY_DEVICE_NAME).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { encodeUtf16, hex, nt, q, unicodeText, writeCounted } from "./util.js";
import { objectManager, reference } from "./ob.js";
import { holderOf } from "../obmgr/index.js";
import { attachedTop, callDriver, canonical, deviceLabel, devicesOf, envOf, initIrp, ioState, STATUS_MORE_PROCESSING_REQUIRED, SL_INVOKE_ON_CANCEL, SL_INVOKE_ON_ERROR, SL_INVOKE_ON_SUCCESS } from "../iomgr/index.js";
import { deviceByName } from "./objdir.js";
import { attachToStack } from "./io.js";
import { raise, lower } from "./ke.js";
import { volumeDevices, vpbDeviceObject } from "./volume-device.js";
import { volumePath } from "../volume/volume.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const FO = LAYOUT.FILE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IO_TYPE_DEVICE = 3;
const IO_TYPE_FILE = 5;
const IO_TYPE_IRP = 6;
const TAG_NAME = 0x6d614e49; // 'INam'
const STATUS_NO_SUCH_DEVICE = 0xc000000e;

/** A device object argument: a wild pointer faults on the read of its Type; another object → null. */
function device(ctx: ApiContext, dev: bigint, api: string): bigint | null {
  if (dev === 0n) ctx.fault("invalid-read", `${api}(NULL): the device object is read`, { address: "0x0" });
  return ctx.mem.u16(dev) === IO_TYPE_DEVICE ? dev : null;
}
function fileObject(ctx: ApiContext, fo: bigint, api: string): bigint {
  if (fo === 0n) ctx.fault("invalid-read", `${api}(NULL): the file object is read`, { address: "0x0" });
  if (ctx.mem.u16(fo) !== IO_TYPE_FILE) ctx.fault("bugcheck", `${api}(${hex(fo)}): not a file object`, { code: "0x00000189" });
  return fo;
}

/** The device directly below `dev` in its stack, or 0. */
function lowerOf(ctx: ApiContext, dev: bigint): bigint {
  return ioState(ctx.kernel).devices.get(dev)?.attachedTo ?? 0n;
}

/** The drive letter ("C:") of a volume device, or null: the system volume, or a \GLOBAL??\X: link naming the device. */
function dosNameOf(ctx: ApiContext, dev: bigint): string | null {
  const v = volumeDevices(ctx);
  if (v && (dev === v.volume || dev === v.fs)) return "C:";
  const name = ioState(ctx.kernel).devices.get(dev)?.name;
  if (!name) return null;
  for (const [link, target] of ioState(ctx.kernel).links) {
    const m = /^\\GLOBAL\?\?\\([A-Z]:)$/.exec(link);
    if (m && canonical(target) === canonical(name)) return m[1]!;
  }
  return null;
}

/** Allocate a UNICODE_STRING's buffer for `s` (NUL-terminated) from the caller's pool and fill `us`. */
function poolString(ctx: ApiContext, us: bigint, s: string): number {
  const chars = encodeUtf16(s + "\0");
  const buf = ctx.pool.allocate(chars.length, TAG_NAME, 1, false);
  if (buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  ctx.mem.write(buf, chars);
  writeCounted(ctx.mem, us, { length: chars.length - 2, maximumLength: chars.length, buffer: buf });
  return STATUS.SUCCESS;
}

function volumeDosName(ctx: ApiContext, api: string): number {
  const [dev, out] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([hex(dev), hex(out)]);
  if (device(ctx, dev, api) === null) return STATUS.INVALID_PARAMETER;
  ctx.mem.u16(out); // the output string is written (a wild pointer faults before any pool is taken)
  const name = dosNameOf(ctx, dev);
  if (name === null) return STATUS.INVALID_DEVICE_REQUEST;
  return poolString(ctx, out, name);
}

/** The VPB spin lock's holder (one processor: a second acquire is a deadlock). */
const vpbLock = (ctx: ApiContext) => ctx.kernel.state("io.vpblock", () => ({ held: false }));
/** The top-level IRP of the current thread (IoSetTopLevelIrp); per thread object. */
const topLevel = (ctx: ApiContext) => ctx.kernel.state("io.toplevel", () => new Map<bigint, bigint>());

/** The I/O manager's completion routine of IoForwardIrpSynchronously: the IRP comes back to the forwarder. */
function forwardCompletion(ctx: ApiContext): bigint {
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return ctx.kernel.internalRoutine("IopSynchronousCompletion", (c) => {
    const done = c.kernel.state("io.forwarded", () => new Set<bigint>());
    done.add(c.arg(1));
    return STATUS_MORE_PROCESSING_REQUIRED;
  }, 3);
}

export const apis: ApiDefinition[] = [
  nt("IoGetLowerDeviceObject", 1, (ctx) => {
    const dev = ctx.arg(0);
    ctx.describe([deviceLabel(ctx, dev)]);
    if (device(ctx, dev, "IoGetLowerDeviceObject") === null) return 0n;
    const low = lowerOf(ctx, dev);
    if (low !== 0n) reference(ctx, low, "IoGetLowerDeviceObject", holderOf(ctx));
    return low;
  }),
  nt("IoGetDeviceAttachmentBaseRef", 1, (ctx) => {
    let dev = ctx.arg(0);
    ctx.describe([deviceLabel(ctx, dev)]);
    if (device(ctx, dev, "IoGetDeviceAttachmentBaseRef") === null) return 0n;
    for (let i = 0; i < 64; i++) {
      const low = lowerOf(ctx, dev);
      if (low === 0n) break;
      dev = low;
    }
    reference(ctx, dev, "IoGetDeviceAttachmentBaseRef", holderOf(ctx));
    return dev;
  }),
  // IoAttachDeviceToDeviceStackSafe(Source, Target, *AttachedToDeviceObject): the lower device is
  // stored before the attach is visible (so a racing IRP finds it); STATUS_NO_SUCH_DEVICE when the
  // target is being deleted.
  nt("IoAttachDeviceToDeviceStackSafe", 3, (ctx) => {
    const [src, target, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([deviceLabel(ctx, src), deviceLabel(ctx, target), hex(out)]);
    device(ctx, src, "IoAttachDeviceToDeviceStackSafe");
    const info = ioState(ctx.kernel).devices.get(target);
    ctx.mem.u8(out);
    if (!info || info.deleted) {
      putPtr(ctx.mem, out, 0n);
      return STATUS_NO_SUCH_DEVICE;
    }
    putPtr(ctx.mem, out, attachedTop(ctx.mem, target));
    attachToStack(ctx, src, target);
    return STATUS.SUCCESS;
  }),
  // IoAttachDevice(Source, TargetDevice name, *AttachedDevice): the named device (links followed), its stack's top.
  nt("IoAttachDevice", 3, (ctx) => {
    const [src, namePtr, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    const name = unicodeText(ctx.mem, namePtr);
    ctx.describe([deviceLabel(ctx, src), q(name), hex(out)]);
    device(ctx, src, "IoAttachDevice");
    if (name === null || !name.startsWith("\\")) return STATUS.OBJECT_NAME_INVALID;
    const target = deviceByName(ctx, name);
    if (target === null) return STATUS.OBJECT_NAME_NOT_FOUND;
    const info = ioState(ctx.kernel).devices.get(target);
    if (!info || info.deleted) return STATUS_NO_SUCH_DEVICE;
    putPtr(ctx.mem, out, attachToStack(ctx, src, target));
    return STATUS.SUCCESS;
  }),
  // IoEnumerateDeviceObjectList(Driver, List, ListSize bytes, *ActualNumberDeviceObjects): each device referenced.
  nt("IoEnumerateDeviceObjectList", 4, (ctx) => {
    const [drv, list, ret] = [ctx.arg(0), ctx.arg(1), ctx.arg(3)];
    const size = ctx.u32(2);
    ctx.describe([hex(drv), hex(list), String(size), hex(ret)]);
    if (drv === 0n) ctx.fault("invalid-read", "IoEnumerateDeviceObjectList(NULL): the driver object is read", { address: "0x0" });
    const devs = devicesOf(ctx.mem, drv);
    ctx.mem.setU32(ret, devs.length);
    if (size < devs.length * ptrSize()) return STATUS.BUFFER_TOO_SMALL;
    devs.forEach((d, i) => {
      putPtr(ctx.mem, list + B(i * ptrSize()), d);
      reference(ctx, d, "IoEnumerateDeviceObjectList", holderOf(ctx));
    });
    return STATUS.SUCCESS;
  }),
  nt("IoGetBaseFileSystemDeviceObject", 1, (ctx) => {
    const fo = fileObject(ctx, ctx.arg(0), "IoGetBaseFileSystemDeviceObject");
    ctx.describe([hex(fo)]);
    const vpb = getPtr(ctx.mem, fo + B(FO.Vpb));
    if (vpb !== 0n && vpbDeviceObject(ctx, vpb) !== 0n) return vpbDeviceObject(ctx, vpb);
    const dev = getPtr(ctx.mem, fo + B(FO.DeviceObject));
    const dvpb = dev === 0n ? 0n : getPtr(ctx.mem, dev + B(DEV.Vpb));
    return dvpb !== 0n && vpbDeviceObject(ctx, dvpb) !== 0n ? vpbDeviceObject(ctx, dvpb) : dev;
  }),
  // IoGetDiskDeviceObject(FileSystemDeviceObject, *DiskDeviceObject): the VPB's real device, referenced.
  nt("IoGetDiskDeviceObject", 2, (ctx) => {
    const [fs, out] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([deviceLabel(ctx, fs), hex(out)]);
    if (device(ctx, fs, "IoGetDiskDeviceObject") === null) return STATUS.INVALID_PARAMETER;
    const v = volumeDevices(ctx);
    if (!v || fs !== v.fs) return STATUS.INVALID_PARAMETER;
    reference(ctx, v.volume, "IoGetDiskDeviceObject", holderOf(ctx));
    putPtr(ctx.mem, out, v.volume);
    return STATUS.SUCCESS;
  }),
  nt("IoAcquireVpbSpinLock", 1, (ctx) => {
    const out = ctx.arg(0);
    ctx.describe([hex(out)]);
    const l = vpbLock(ctx);
    if (l.held) ctx.fault("deadlock", "IoAcquireVpbSpinLock: the VPB spin lock is already held (one processor: it would spin forever)", { selfDeadlock: true });
    ctx.mem.setU8(out, ctx.kernel.irql);
    raise(ctx, 2, "IoAcquireVpbSpinLock");
    l.held = true;
  }),
  nt("IoReleaseVpbSpinLock", 1, (ctx) => {
    const irql = ctx.u32(0) & 0xff;
    ctx.describe([String(irql)]);
    const l = vpbLock(ctx);
    if (!l.held) ctx.warn("IoReleaseVpbSpinLock: the VPB spin lock is not held");
    l.held = false;
    lower(ctx, irql, "IoReleaseVpbSpinLock");
  }),
  nt("RtlVolumeDeviceToDosName", 2, (ctx) => volumeDosName(ctx, "RtlVolumeDeviceToDosName")),
  nt("IoVolumeDeviceToDosName", 2, (ctx) => volumeDosName(ctx, "IoVolumeDeviceToDosName")),
  // IoQueryFileDosDeviceName(FileObject, **ObjectNameInformation): "C:\path" in an
  // OBJECT_NAME_INFORMATION allocated from pool (the caller frees it with ExFreePool).
  nt("IoQueryFileDosDeviceName", 2, (ctx) => {
    const [fo, out] = [fileObject(ctx, ctx.arg(0), "IoQueryFileDosDeviceName"), ctx.arg(1)];
    ctx.describe([hex(fo), hex(out)]);
    ctx.mem.u8(out);
    const dev = getPtr(ctx.mem, fo + B(FO.DeviceObject));
    const dos = dev === 0n ? null : dosNameOf(ctx, dev);
    if (dos === null) return STATUS.INVALID_DEVICE_REQUEST;
    const o = objectManager(ctx.kernel).objects.get(fo);
    const r = o?.name ? volumePath(o.name) : null;
    const path = r?.ok ? "\\" + r.parts.join("\\") : (unicodeText(ctx.mem, fo + B(FO.FileName)) ?? "");
    const chars = encodeUtf16(dos + path + "\0");
    const us = LAYOUT.UNICODE_STRING.$size;
    const info = ctx.pool.allocate(us + chars.length, TAG_NAME, 1, false);
    if (info === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(info + B(us), chars);
    writeCounted(ctx.mem, info, { length: chars.length - 2, maximumLength: chars.length, buffer: info + B(us) });
    putPtr(ctx.mem, out, info);
    return STATUS.SUCCESS;
  }),
  // IoGetFileObjectGenericMapping: the GENERIC_MAPPING of file objects (wdm.h FILE_GENERIC_READ
  // 0x120089, FILE_GENERIC_WRITE 0x120116, FILE_GENERIC_EXECUTE 0x1200A0, FILE_ALL_ACCESS 0x1F01FF).
  nt("IoGetFileObjectGenericMapping", 0, (ctx) => {
    const st = ctx.kernel.state<{ at?: bigint }>("io.genericmapping", () => ({}));
    if (st.at === undefined) {
      const at = ctx.kernel.kernelPool?.allocate(16, 0x4d6e6547 /* 'GenM' */) ?? 0n;
      if (at === 0n) return 0n;
      [0x120089, 0x120116, 0x1200a0, 0x1f01ff].forEach((v, i) => ctx.mem.setU32(at + B(4 * i), v));
      st.at = at;
    }
    return st.at;
  }),
  // IoGetStackLimits(*LowLimit, *HighLimit): the current thread's kernel stack (the mapped run of pages around the stack pointer).
  nt("IoGetStackLimits", 2, (ctx) => {
    const [lo, hi] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(lo), hex(hi)]);
    const sp = ctx.cpu?.get("RSP") ?? 0n;
    const page = sp & ~0xfffn;
    let low = page;
    let high = page + 0x1000n;
    for (let i = 0; i < 64 && ctx.mem.isMapped(low - 0x1000n, 1); i++) low -= 0x1000n;
    for (let i = 0; i < 64 && ctx.mem.isMapped(high, 1); i++) high += 0x1000n;
    putPtr(ctx.mem, lo, low);
    putPtr(ctx.mem, hi, high);
  }),
  nt("IoGetTopLevelIrp", 0, (ctx) => topLevel(ctx).get(ctx.kernel.currentThread ?? 0n) ?? 0n),
  nt("IoSetTopLevelIrp", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    topLevel(ctx).set(ctx.kernel.currentThread ?? 0n, ctx.arg(0));
  }),
  // IoReuseIrp(Irp, Iostatus): reinitialize an IRP for another request, keeping its allocation.
  nt("IoReuseIrp", 2, (ctx) => {
    const irp = ctx.arg(0);
    const status = ctx.u32(1);
    ctx.describe([hex(irp), hex(status)]);
    if (irp === 0n || ctx.mem.u16(irp) !== IO_TYPE_IRP) ctx.fault("bugcheck", `IoReuseIrp(${hex(irp)}): not an IRP`, { code: "0x000000C2" });
    const info = ioState(ctx.kernel).irps.get(irp);
    const count = ctx.mem.u8(irp + B(IRP.StackCount));
    const flags = ctx.mem.u8(irp + B(IRP.AllocationFlags));
    initIrp(ctx.mem, irp, count, ctx.kernel);
    ctx.mem.setU8(irp + B(IRP.AllocationFlags), flags);
    ctx.mem.setU32(irp + B(IRP.IoStatus), status);
    if (info) {
      info.completed = false;
      delete info.result;
    }
  }),
  // IoSetCompletionRoutineEx(Device, Irp, Routine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel):
  // IoSetCompletionRoutine on the next stack location (the Ex form also keeps the driver loaded until the routine ran).
  nt("IoSetCompletionRoutineEx", 7, (ctx) => {
    const [dev, irp, routine, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    const flags = (ctx.u32(4) & 0xff ? SL_INVOKE_ON_SUCCESS : 0) | (ctx.u32(5) & 0xff ? SL_INVOKE_ON_ERROR : 0) | (ctx.u32(6) & 0xff ? SL_INVOKE_ON_CANCEL : 0);
    ctx.describe([deviceLabel(ctx, dev), hex(irp), ctx.kernel.where?.(routine) ?? hex(routine), hex(context), hex(flags)]);
    if (irp === 0n || ctx.mem.u16(irp) !== IO_TYPE_IRP) ctx.fault("bugcheck", `IoSetCompletionRoutineEx(${hex(irp)}): not an IRP`, { code: "0x000000C2" });
    if (ctx.mem.u8(irp + B(IRP.CurrentLocation)) <= 1) ctx.fault("bugcheck", `IoSetCompletionRoutineEx(${hex(irp)}): no stack location left below the current one (NO_MORE_IRP_STACK_LOCATIONS)`, { code: "0x00000035" });
    const next = getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
    putPtr(ctx.mem, next + B(SL.CompletionRoutine), routine);
    putPtr(ctx.mem, next + B(SL.Context), context);
    ctx.mem.setU8(next + B(SL.Control), flags);
    return STATUS.SUCCESS;
  }),
  // IoForwardIrpSynchronously(Device, Irp): copy the current stack location to the next, send the
  // IRP down and take it back when it completes; TRUE when it was sent (FALSE: no location left).
  nt("IoForwardIrpSynchronously", 2, (ctx) => {
    const [dev, irp] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([deviceLabel(ctx, dev), hex(irp)]);
    if (irp === 0n || ctx.mem.u16(irp) !== IO_TYPE_IRP) ctx.fault("bugcheck", `IoForwardIrpSynchronously(${hex(irp)}): not an IRP`, { code: "0x000000C2" });
    if (ctx.mem.u8(irp + B(IRP.CurrentLocation)) <= 1) return 0;
    const cur = getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const next = cur - B(SL.$size);
    // IoCopyCurrentIrpStackLocationToNext: everything up to CompletionRoutine; Control cleared.
    ctx.mem.write(next, ctx.mem.read(cur, SL.CompletionRoutine));
    ctx.mem.setU8(next + B(SL.Control), SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL);
    putPtr(ctx.mem, next + B(SL.CompletionRoutine), forwardCompletion(ctx));
    putPtr(ctx.mem, next + B(SL.Context), 0n);
    const done = ctx.kernel.state("io.forwarded", () => new Set<bigint>());
    done.delete(irp);
    const st = callDriver(envOf(ctx), dev, irp);
    if (!done.delete(irp)) ctx.warn(`IoForwardIrpSynchronously(${hex(irp)}): the lower driver returned ${hex(st)} without completing the IRP; kmdll does not wait for a later completion`);
    return 1;
  }),
];
