/**
 * Formatting a request the driver created (WdfRequestCreate) for an IOCTL, a read or a write to an
 * I/O target (wdfiotarget.h; Microsoft Learn: WdfIoTargetFormatRequestForIoctl /
 * ForInternalIoctl / ForRead / ForWrite; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/targets/general/fxiotarget.cpp (FormatIoctlRequest), fxiotargetapi.cpp
 * (FxIoTargetFormatIo) and km/fxiotargetkm.cpp (FormatIoRequest)):
 * IoTarget and Request must be live handles (WDF_VIOLATION); InputBuffer / OutputBuffer are
 * WDFMEMORY handles or NULL, each with an optional WDFMEMORY_OFFSET (BufferOffset, BufferLength; 0
 * length = to the end); an offset range past the memory is STATUS_INVALID_PARAMETER; a closed remote
 * target STATUS_INVALID_DEVICE_STATE. The request's IRP is set up for the target's device the way
 * IoBuildDeviceIoControlRequest does for the code's transfer method (a METHOD_BUFFERED request gets a
 * system buffer whose output is copied back into the output memory when the request comes back:
 * reqsend.ts); reads and writes: formatReadWrite below. Then WdfRequestSend sends it (synchronously,
 * or asynchronously with a completion routine); WdfRequestReuse (reqcreate.ts) undoes the format.
 * Formatting a request the framework delivered, or one holding an IRP the driver supplied, is not
 * modelled (an `unimplemented-api` report).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { IRP_MJ, buildFsdIrp, buildIoctlIrp, envOf, ioState, nextStack, releaseIrp } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, type WdfObject } from "./objects.js";
import { sendDevice } from "./iotarget-remote.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

/** A WDFMEMORY (+ WDFMEMORY_OFFSET) as buffer and length; null: the range lies outside the memory. */
function range(ctx: ApiContext, h: bigint, offsets: bigint, what: string): { buffer: bigint; length: number } | null {
  if (h === 0n) return { buffer: 0n, length: 0 };
  const mem = objectOf(ctx, h, "memory", what);
  const size = mem.size ?? 0n;
  const off = offsets === 0n ? 0n : getPtr(ctx.mem, offsets);
  const len = offsets === 0n ? 0n : getPtr(ctx.mem, offsets + B(ptrSize()));
  const length = len === 0n ? size - off : len;
  if (off > size || length < 0n || off + length > size || length > 0xffffffffn) return null;
  return { buffer: mem.buffer! + off, length: Number(length) };
}

/** The created request being formatted; a request the framework delivered, or one holding the driver's own IRP, is not modelled. */
function formattable(ctx: ApiContext, rH: bigint): WdfObject {
  const req = objectOf(ctx, rH, "request", "Request");
  if (!req.created) ctx.fault("unimplemented-api", `kmdll does not implement formatting a request the framework delivered (${ctx.api})`, { api: `wdf01000.sys!${ctx.api.split("!").pop()}` });
  if (req.driverIrp) ctx.fault("unimplemented-api", `kmdll does not implement formatting a request whose IRP the driver supplied with WdfRequestReuse(WDF_REQUEST_REUSE_SET_NEW_IRP) (${ctx.api})`, { api: `wdf01000.sys!${ctx.api.split("!").pop()}` });
  return req;
}

/** The request takes the IRP built for the target (its old one goes) and the memories the completion parameters name. */
function install(ctx: ApiContext, req: WdfObject, irp: bigint, memories: bigint[]): number {
  const env = envOf(ctx);
  const old = req.irp!;
  const oldInfo = ioState(ctx.kernel).irps.get(old);
  if (oldInfo) releaseIrp(env, old, oldInfo);
  // The request's IRP until it is deleted (WdfRequestCreate's dispose releases the current one).
  req.irp = irp;
  req.formatted = true;
  req.formatParams = { memories };
  return STATUS.SUCCESS;
}

const offsetOf = (ctx: ApiContext, offsets: bigint) => (offsets === 0n ? 0n : getPtr(ctx.mem, offsets));

function formatIoctl(ctx: ApiContext, internal: boolean): number {
  const [tH, rH, code, inH, inOff, outH, outOff] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6), ctx.arg(7)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(rH), hex(code), hex(inH), hex(inOff), hex(outH), hex(outOff)]);
  const target = objectOf(ctx, tH, "ioTarget", "IoTarget");
  const req = formattable(ctx, rH);
  const input = range(ctx, inH, inOff, "InputBuffer");
  const output = range(ctx, outH, outOff, "OutputBuffer");
  if (!input || !output) {
    ctx.warn(`${ctx.api}: a WDFMEMORY_OFFSET range lies outside its memory: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const dev = sendDevice(ctx, target);
  if (dev === null) return STATUS.INVALID_DEVICE_STATE;
  const irp = buildIoctlIrp(envOf(ctx), { code, device: dev, input: input.buffer, inputLength: input.length, output: output.buffer, outputLength: output.length, internal, event: 0n, iosb: 0n, requestorMode: 0, ...(target.targetFile ? { fileObject: target.targetFile } : {}) }, "built");
  return install(ctx, req, irp, [inH, offsetOf(ctx, inOff), outH, offsetOf(ctx, outOff)]);
}

/**
 * WdfIoTargetFormatRequestForRead / ForWrite(IoTarget, Request, Buffer, BufferOffsets, DeviceOffset)
 * (fxiotargetapi.cpp FxIoTargetFormatIo, fxiotargetkm.cpp FormatIoRequest): an IRP_MJ_READ / WRITE for
 * the target's device built as IoBuildSynchronousFsdRequest does (its buffering: a buffered device
 * gets a system buffer, a write's data copied in, a read's copied back into the memory when the request
 * comes back; a direct one an MDL), ByteOffset from *DeviceOffset (NULL: 0), the target's file object.
 */
function formatReadWrite(ctx: ApiContext, major: number): number {
  const [tH, rH, memH, offs, devOffset] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(rH), hex(memH), hex(offs), hex(devOffset)]);
  const target = objectOf(ctx, tH, "ioTarget", "IoTarget");
  const req = formattable(ctx, rH);
  const buf = range(ctx, memH, offs, major === IRP_MJ.READ ? "OutputBuffer" : "InputBuffer");
  if (!buf) {
    ctx.warn(`${ctx.api}: the WDFMEMORY_OFFSET range lies outside its memory: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const dev = sendDevice(ctx, target);
  if (dev === null) return STATUS.INVALID_DEVICE_STATE;
  const irp = buildFsdIrp(envOf(ctx), major, dev, buf.buffer, buf.length, devOffset, 0n, 0n);
  if (target.targetFile) putPtr(ctx.mem, nextStack(ctx.mem, irp) + B(LAYOUT.IO_STACK_LOCATION.FileObject), target.targetFile);
  return install(ctx, req, irp, [memH, offsetOf(ctx, offs)]);
}

declare module "./objects.js" {
  interface WdfObject {
    /** A created request formatted for an I/O target (its IRP's next location is set up). */
    formatted?: boolean;
    /** WdfRequestReuse(WDF_REQUEST_REUSE_SET_NEW_IRP) gave the request an IRP of the driver's (the framework never frees it). */
    driverIrp?: boolean;
  }
}

export const apis: ApiDefinition[] = [
  fx("WdfIoTargetFormatRequestForIoctl", 8, (ctx) => formatIoctl(ctx, false)),
  fx("WdfIoTargetFormatRequestForInternalIoctl", 8, (ctx) => formatIoctl(ctx, true)),
  fx("WdfIoTargetFormatRequestForRead", 6, (ctx) => formatReadWrite(ctx, IRP_MJ.READ)),
  fx("WdfIoTargetFormatRequestForWrite", 6, (ctx) => formatReadWrite(ctx, IRP_MJ.WRITE)),
];
