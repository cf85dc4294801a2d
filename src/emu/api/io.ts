/**
 * Io* exports: thin handlers over the I/O manager (src/emu/iomgr) — device objects and symbolic
 * links, device stacks, IRPs, IoCallDriver / IoCompleteRequest.
 */
import { deleteDeviceTimer } from "./csq.js";
import type { ApiDefinition } from "./types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { currentProcess } from "./ps.js";
import { SYSTEM_PID, requestorProcess } from "./process.js";
import { holderOf, noteHeld, reference } from "../obmgr/index.js";
import { describeUnicode, hex, nt, unicodeText } from "./util.js";
import {
  KernelMode, attachedTop, allocateIrp, buildFsdIrp, buildIoctlIrp, callDriver, canonical, completeRequest, createDevice, deleteDevice,
  deviceLabel, envOf, initIrp, ioState, ioctlDescribe, majorName, openDevice, releaseIrp,
} from "../iomgr/index.js";
import { deviceByName } from "./objdir.js";

// Compatibility: the I/O manager used to live in this file.
export * from "../iomgr/index.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const FO = LAYOUT.FILE_OBJECT;

/**
 * The "requestor" family: the process that sent an IRP. examples/io-devices checks both in its
 * IRP_MJ_CREATE handler; test/user-io.test.ts checks that they are called.
 */
export const requestorApis: ApiDefinition[] = [
  nt("IoGetRequestorProcess", 1, (ctx) => requestorProcess(ctx, "IoGetRequestorProcess")),
  nt("IoGetRequestorProcessId", 1, (ctx) => (requestorProcess(ctx, "IoGetRequestorProcessId") === 0n ? 0n : SYSTEM_PID)),
];

const createLink: ApiDefinition["handler"] = (ctx) => {
  const link = unicodeText(ctx.mem, ctx.arg(0));
  const target = unicodeText(ctx.mem, ctx.arg(1));
  ctx.describe([describeUnicode(ctx, ctx.arg(0)), describeUnicode(ctx, ctx.arg(1))]);
  if (link === null || target === null) return STATUS.INVALID_PARAMETER;
  const io = ioState(ctx.kernel);
  const c = canonical(link);
  if (io.links.has(c) || io.names.has(c)) return STATUS.OBJECT_NAME_COLLISION;
  io.links.set(c, target);
  return STATUS.SUCCESS;
};

export const apis: ApiDefinition[] = [
  nt("IoGetCurrentProcess", 0, (ctx) => currentProcess(ctx)),
  nt("IoIs32bitProcess", 1, () => 0),
  nt("IoCreateDevice", 7, (ctx) => {
    const driver = ctx.arg(0);
    const name = ctx.arg(2) === 0n ? null : unicodeText(ctx.mem, ctx.arg(2));
    ctx.describe([hex(driver), String(ctx.u32(1)), describeUnicode(ctx, ctx.arg(2)), hex(ctx.u32(3)), hex(ctx.u32(4)), ctx.u32(5) & 0xff ? "TRUE" : "FALSE", hex(ctx.arg(6))]);
    if (driver === 0n || ctx.mem.u16(driver + B(D.Type)) !== 4) ctx.fault("bugcheck", `IoCreateDevice: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
    const r = createDevice(envOf(ctx), driver, ctx.u32(1), name, ctx.u32(3), ctx.u32(4), (ctx.u32(5) & 0xff) !== 0);
    putPtr(ctx.mem, ctx.arg(6), r.device);
    return r.status;
  }),
  nt("IoDeleteDevice", 1, (ctx) => {
    ctx.describe([deviceLabel(ctx, ctx.arg(0))]);
    deleteDeviceTimer(ctx, ctx.arg(0));
    deleteDevice(ctx, ctx.arg(0));
  }),
  nt("IoCreateSymbolicLink", 2, createLink),
  // Learn (wdm.h): the same link, with a security descriptor that lets anyone change it; kmdll
  // models no security on links, so the two create alike (fresh4: 39 x86 drivers, issue 12).
  nt("IoCreateUnprotectedSymbolicLink", 2, createLink),
  nt("IoDeleteSymbolicLink", 1, (ctx) => {
    const link = unicodeText(ctx.mem, ctx.arg(0));
    ctx.describe([describeUnicode(ctx, ctx.arg(0))]);
    if (link === null) return STATUS.INVALID_PARAMETER;
    return ioState(ctx.kernel).links.delete(canonical(link)) ? STATUS.SUCCESS : STATUS.OBJECT_NAME_NOT_FOUND;
  }),
  nt("IoGetDeviceObjectPointer", 4, (ctx) => {
    const name = unicodeText(ctx.mem, ctx.arg(0));
    ctx.describe([describeUnicode(ctx, ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    if (name === null) return STATUS.OBJECT_NAME_INVALID;
    const dev = deviceByName(ctx, name);
    if (dev === null) return STATUS.OBJECT_NAME_NOT_FOUND;
    const r = openDevice(envOf(ctx), dev, KernelMode);
    if (!ntSuccess(r.status)) return r.status;
    // The caller owns the file object's reference (ObDereferenceObject(FileObject) releases both).
    const holder = holderOf(ctx);
    if (holder) noteHeld(ctx, r.file, holder, "IoGetDeviceObjectPointer");
    putPtr(ctx.mem, ctx.arg(2), r.file);
    putPtr(ctx.mem, ctx.arg(3), r.top);
    return STATUS.SUCCESS;
  }),
  nt("IoGetAttachedDevice", 1, (ctx) => attachedTop(ctx.mem, ctx.arg(0))),
  nt("IoGetAttachedDeviceReference", 1, (ctx) => {
    const top = attachedTop(ctx.mem, ctx.arg(0));
    reference(ctx, top, "IoGetAttachedDeviceReference", holderOf(ctx));
    return top;
  }),
  nt("IoAttachDeviceToDeviceStack", 2, (ctx) => {
    const src = ctx.arg(0);
    const target = ctx.arg(1);
    ctx.describe([deviceLabel(ctx, src), deviceLabel(ctx, target)]);
    const tinfo = ioState(ctx.kernel).devices.get(target);
    if (!tinfo || tinfo.deleted) return 0n;
    return attachToStack(ctx, src, target);
  }),
  nt("IoDetachDevice", 1, (ctx) => {
    const target = ctx.arg(0);
    ctx.describe([deviceLabel(ctx, target)]);
    const m = ctx.mem;
    const up = getPtr(m, target + B(DEV.AttachedDevice));
    if (up === 0n) {
      ctx.warn(`IoDetachDevice(${deviceLabel(ctx, target)}): no device is attached to it`);
      return;
    }
    putPtr(m, target + B(DEV.AttachedDevice), 0n);
    const info = ioState(ctx.kernel).devices.get(up);
    if (info) info.attachedTo = null;
  }),
  nt("IoAllocateIrp", 2, (ctx) => allocateIrp(envOf(ctx), ctx.u32(0) & 0xff, "allocated")),
  nt("IoInitializeIrp", 3, (ctx) => {
    initIrp(ctx.mem, ctx.arg(0), ctx.u32(2) & 0xff, ctx.kernel);
  }),
  nt("IoFreeIrp", 1, (ctx) => {
    const irp = ctx.arg(0);
    const info = ioState(ctx.kernel).irps.get(irp);
    if (!info) return ctx.fault("bugcheck", `IoFreeIrp(${hex(irp)}): not an IRP from IoAllocateIrp/IoBuild*Request (or freed twice)`, { code: "0x000000C2" });
    releaseIrp(envOf(ctx), irp, info);
  }),
  nt("IoBuildDeviceIoControlRequest", 9, (ctx) => {
    const code = ctx.u32(0);
    const dev = ctx.arg(1);
    ctx.describe([ioctlDescribe(code), deviceLabel(ctx, dev), hex(ctx.arg(2)), String(ctx.u32(3)), hex(ctx.arg(4)), String(ctx.u32(5)), ctx.u32(6) & 0xff ? "TRUE" : "FALSE", hex(ctx.arg(7)), hex(ctx.arg(8))]);
    return buildIoctlIrp(envOf(ctx), {
      code, device: dev, input: ctx.arg(2), inputLength: ctx.u32(3), output: ctx.arg(4), outputLength: ctx.u32(5),
      internal: (ctx.u32(6) & 0xff) !== 0, event: ctx.arg(7), iosb: ctx.arg(8), requestorMode: KernelMode,
    }, "built");
  }),
  nt("IoBuildSynchronousFsdRequest", 7, (ctx) => buildFsd(ctx, ctx.u32(0) & 0xff, ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6))),
  nt("IoBuildAsynchronousFsdRequest", 6, (ctx) => buildFsd(ctx, ctx.u32(0) & 0xff, ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), 0n, ctx.arg(5))),
  nt("IofCallDriver", 2, (ctx) => {
    ctx.describe([deviceLabel(ctx, ctx.arg(0)), hex(ctx.arg(1))]);
    return callDriver(envOf(ctx), ctx.arg(0), ctx.arg(1));
  }),
  nt("IofCompleteRequest", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(ctx.u32(1) & 0xff)]);
    completeRequest(envOf(ctx), ctx.arg(0));
  }),
  // The file system's device for a file on a mounted volume (FILE_OBJECT.Vpb, or the device's VPB), else the device; its stack's top.
  nt("IoGetRelatedDeviceObject", 1, (ctx) => {
    const m = ctx.mem;
    const fo = ctx.arg(0);
    const dev = getPtr(m, fo + B(FO.DeviceObject));
    const vpb = getPtr(m, fo + B(FO.Vpb)) || (dev === 0n ? 0n : getPtr(m, dev + B(DEV.Vpb)));
    const fs = vpb === 0n ? 0n : getPtr(m, vpb + 8n); // VPB.DeviceObject
    return attachedTop(m, fs || dev);
  }),
];

/** Attach `src` on top of the stack `target` is in (IoAttachDeviceToDeviceStack); returns the device it landed on. */
export function attachToStack(ctx: Parameters<ApiDefinition["handler"]>[0], src: bigint, target: bigint): bigint {
  const io = ioState(ctx.kernel);
  const top = attachedTop(ctx.mem, target);
  const m = ctx.mem;
  putPtr(m, top + B(DEV.AttachedDevice), src);
  m.setU8(src + B(DEV.StackSize), (m.u8(top + B(DEV.StackSize)) + 1) & 0xff);
  m.setU32(src + B(DEV.AlignmentRequirement), Math.max(m.u32(src + B(DEV.AlignmentRequirement)), m.u32(top + B(DEV.AlignmentRequirement))));
  const sinfo = io.devices.get(src);
  if (sinfo) sinfo.attachedTo = top;
  return top;
}

function buildFsd(ctx: Parameters<ApiDefinition["handler"]>[0], major: number, dev: bigint, buffer: bigint, length: number, offset: bigint, event: bigint, iosb: bigint): bigint {
  ctx.describe([majorName(major), deviceLabel(ctx, dev), hex(buffer), String(length), hex(offset), hex(event), hex(iosb)]);
  return buildFsdIrp(envOf(ctx), major, dev, buffer, length, offset, event, iosb);
}
