/**
 * Formatting a request the driver created (WdfRequestCreate) for an IOCTL to an I/O target
 * (wdfiotarget.h; Microsoft Learn: WdfIoTargetFormatRequestForIoctl /
 * WdfIoTargetFormatRequestForInternalIoctl; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/targets/general/fxiotarget.cpp (FormatIoctlRequest)):
 * IoTarget and Request must be live handles (WDF_VIOLATION); InputBuffer / OutputBuffer are
 * WDFMEMORY handles or NULL, each with an optional WDFMEMORY_OFFSET (BufferOffset, BufferLength; 0
 * length = to the end); an offset range past the memory is STATUS_INVALID_PARAMETER; a closed remote
 * target STATUS_INVALID_DEVICE_STATE. The request's IRP is set up for the target's device the way
 * IoBuildDeviceIoControlRequest does for the code's transfer method (a METHOD_BUFFERED request gets a
 * system buffer whose output is copied back into the output memory when the request comes back:
 * reqsend.ts). Then WdfRequestSend sends it (synchronously, or asynchronously with a completion
 * routine). Formatting a request the framework delivered is not modelled (an `unimplemented-api` report).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { getPtr, ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { buildIoctlIrp, envOf, ioState, releaseIrp } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { objectOf } from "./objects.js";
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

function formatIoctl(ctx: ApiContext, internal: boolean): number {
  const [tH, rH, code, inH, inOff, outH, outOff] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6), ctx.arg(7)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(rH), hex(code), hex(inH), hex(inOff), hex(outH), hex(outOff)]);
  const target = objectOf(ctx, tH, "ioTarget", "IoTarget");
  const req = objectOf(ctx, rH, "request", "Request");
  if (!req.created) ctx.fault("unimplemented-api", `kmdll does not implement formatting a request the framework delivered (${ctx.api})`, { api: `wdf01000.sys!${ctx.api.split("!").pop()}` });
  const input = range(ctx, inH, inOff, "InputBuffer");
  const output = range(ctx, outH, outOff, "OutputBuffer");
  if (!input || !output) {
    ctx.warn(`${ctx.api}: a WDFMEMORY_OFFSET range lies outside its memory: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  const dev = sendDevice(ctx, target);
  if (dev === null) return STATUS.INVALID_DEVICE_STATE;
  const env = envOf(ctx);
  const irp = buildIoctlIrp(env, { code, device: dev, input: input.buffer, inputLength: input.length, output: output.buffer, outputLength: output.length, internal, event: 0n, iosb: 0n, requestorMode: 0, ...(target.targetFile ? { fileObject: target.targetFile } : {}) }, "built");
  // The request's old IRP goes; the new one is the request's until it is deleted.
  const old = req.irp!;
  const oldInfo = ioState(ctx.kernel).irps.get(old);
  if (oldInfo) releaseIrp(env, old, oldInfo);
  req.irp = irp;
  const prev = req.dispose;
  req.dispose = (c) => {
    prev?.(c);
    const info = ioState(c.kernel).irps.get(irp);
    if (info) releaseIrp(envOf(c), irp, info);
  };
  req.formatted = true;
  return STATUS.SUCCESS;
}

declare module "./objects.js" {
  interface WdfObject {
    /** A created request formatted for an I/O target (its IRP's next location is set up). */
    formatted?: boolean;
  }
}

export const apis: ApiDefinition[] = [
  fx("WdfIoTargetFormatRequestForIoctl", 8, (ctx) => formatIoctl(ctx, false)),
  fx("WdfIoTargetFormatRequestForInternalIoctl", 8, (ctx) => formatIoctl(ctx, true)),
];
