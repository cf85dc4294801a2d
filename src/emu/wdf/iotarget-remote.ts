/**
 * Remote I/O targets and synchronous sends (wdfiotarget.h of KMDF 1.33; behaviour from
 * microsoft/Windows-Driver-Frameworks src/framework/shared/targets/general/fxiotargetapi.cpp,
 * fxiotargetremote.cpp; Microsoft Learn: WdfIoTargetCreate, WdfIoTargetOpen, WdfIoTargetClose,
 * WdfIoTargetSendIoctlSynchronously):
 *
 * - WdfIoTargetCreate(Device, Attributes, IoTarget): a closed target parented to the device
 *   (FxValidateObjectAttributes' statuses; NULL IoTarget: WDF_VIOLATION).
 * - WdfIoTargetOpen(IoTarget, OpenParams): Size of the 1.11 or current WDF_IO_TARGET_OPEN_PARAMS, else
 *   STATUS_INFO_LENGTH_MISMATCH; WdfIoTargetOpenUseExistingDevice needs TargetDeviceObject (and a
 *   TargetFileObject when removal callbacks are given), WdfIoTargetOpenByName a non-empty
 *   TargetDeviceName, else STATUS_INVALID_PARAMETER (so are LocalTargetByFile, UMDF's, and an unknown
 *   Type). By name the framework opens the device as ZwCreateFile does (IRP_MJ_CREATE to the top of
 *   its stack; an unknown name STATUS_OBJECT_NAME_NOT_FOUND) and sends to the top of that stack.
 *   WdfIoTargetOpenReopen (only meaningful in EvtIoTargetRemoveCanceled) reopens what the target had.
 * - WdfIoTargetClose: the file object is closed (cleanup, close); the target can be opened again.
 * - WdfIoTargetSendReadSynchronously / SendWriteSynchronously: IRP_MJ_READ / WRITE the same way (sendReadWrite).
 * - WdfIoTargetSendIoctlSynchronously / SendInternalIoctlSynchronously(IoTarget, Request, Code,
 *   Input, Output, Options, BytesReturned): an IRP built like IoBuildDeviceIoControlRequest from the
 *   WDF_MEMORY_DESCRIPTORs (buffer, MDL or WDFMEMORY + offsets), sent to the target and waited for;
 *   returns its status, *BytesReturned its Information. A closed remote target:
 *   STATUS_INVALID_DEVICE_STATE. A device's default target (WdfDeviceGetIoTarget) sends to the
 *   device below it. Options' timeout is not applied (kmdll's sends complete synchronously or pend
 *   forever, which is reported).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { api, hex, unicodeText } from "../api/util.js";
import { deviceByName } from "../api/objdir.js";
import { mdlSystemAddress } from "../api/mdl.js";
import { dereference } from "../obmgr/index.js";
import { IRP_MJ, buildFsdIrp, buildIoctlIrp, callDriver, cleanupFile, envOf, ioState, openDevice } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, wdfViolation, type WdfObject } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const KernelMode = 0;
const IRP_MJ_READ = IRP_MJ.READ;
const IRP_MJ_WRITE = IRP_MJ.WRITE;
const Open = { UseExistingDevice: 1, ByName: 2, Reopen: 3, LocalTargetByFile: 4 } as const;

function close(ctx: ApiContext, t: WdfObject): void {
  if (t.targetFile) {
    cleanupFile(envOf(ctx), t.targetFile);
    dereference(ctx, t.targetFile, "WdfIoTargetClose");
  }
  t.targetFile = undefined;
  t.targetDevice = undefined;
}

function openTarget(ctx: ApiContext): number {
  const [tH, p] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(p)]);
  const t = objectOf(ctx, tH, "ioTarget", "IoTarget");
  if (!t.remote) wdfViolation(ctx, `WdfIoTargetOpen: ${hex(tH)} is a device's default I/O target, not one WdfIoTargetCreate made`);
  required(ctx, p, "OpenParams");
  const m = ctx.mem;
  const P = wdf("WDF_IO_TARGET_OPEN_PARAMS");
  const size = m.u32(p);
  if (size !== P.$size && size !== wdf("WDF_IO_TARGET_OPEN_PARAMS_V1_11").$size) {
    ctx.warn(`WdfIoTargetOpen: OpenParams->Size is ${size}, not sizeof(WDF_IO_TARGET_OPEN_PARAMS) of KMDF 1.33 or 1.11: STATUS_INFO_LENGTH_MISMATCH`);
    return STATUS.INFO_LENGTH_MISMATCH;
  }
  const type = m.u32(p + B(P.Type));
  const callbacks = [P.EvtIoTargetQueryRemove, P.EvtIoTargetRemoveCanceled, P.EvtIoTargetRemoveComplete].some((o) => getPtr(m, p + B(o)) !== 0n);
  if (type === Open.UseExistingDevice) {
    const dev = getPtr(m, p + B(P.TargetDeviceObject));
    const file = getPtr(m, p + B(P.TargetFileObject));
    if (dev === 0n || (file === 0n && callbacks)) return STATUS.INVALID_PARAMETER;
    close(ctx, t);
    t.targetDevice = dev;
    return STATUS.SUCCESS;
  }
  if (type === Open.ByName) {
    const us = p + B(P.TargetDeviceName);
    const U = wdf("UNICODE_STRING");
    if (getPtr(m, us + B(U.Buffer)) === 0n || m.u16(us + B(U.Length)) === 0 || m.u16(us + B(U.MaximumLength)) === 0) return STATUS.INVALID_PARAMETER;
    const name = unicodeText(m, us) ?? "";
    const dev = deviceByName(ctx, name);
    if (dev === null) {
      ctx.warn(`WdfIoTargetOpen: no device is named ${name} (ZwCreateFile): STATUS_OBJECT_NAME_NOT_FOUND`);
      return STATUS.OBJECT_NAME_NOT_FOUND;
    }
    const r = openDevice(envOf(ctx), dev, KernelMode, { desiredAccess: m.u32(p + B(P.DesiredAccess)), shareAccess: m.u32(p + B(P.ShareAccess)) });
    if (!ntSuccess(r.status)) return r.status;
    close(ctx, t);
    t.targetDevice = r.top;
    t.targetFile = r.file;
    return STATUS.SUCCESS;
  }
  if (type === Open.Reopen && t.targetDevice !== undefined) return STATUS.SUCCESS;
  ctx.warn(`WdfIoTargetOpen: OpenParams->Type ${type} is not UseExistingDevice or ByName (LocalTargetByFile is UMDF's; Reopen needs an opened target): STATUS_INVALID_PARAMETER`);
  return STATUS.INVALID_PARAMETER;
}

/** The device a target sends to: a remote target's opened device, a default target's device below its WDFDEVICE. */
export function sendDevice(ctx: ApiContext, t: WdfObject): bigint | null {
  if (t.remote) return t.targetDevice ?? null;
  const dev = t.parent === null ? undefined : wdfState(ctx.kernel).objects.get(t.parent);
  return dev?.lower ?? null;
}

/** A WDF_MEMORY_DESCRIPTOR's buffer and length (NULL descriptor: none). */
function described(ctx: ApiContext, d: bigint, what: string): { buffer: bigint; length: number } {
  if (d === 0n) return { buffer: 0n, length: 0 };
  const m = ctx.mem;
  const u = d + B(wdf("WDF_MEMORY_DESCRIPTOR").u);
  const type = m.u32(d);
  if (type === 1) return { buffer: getPtr(m, u), length: m.u32(u + B(ptrSize())) };
  if (type === 2) return { buffer: mdlSystemAddress(ctx, getPtr(m, u)), length: m.u32(u + B(ptrSize())) };
  if (type === 3) {
    const mem = objectOf(ctx, getPtr(m, u), "memory", `${what}->u.HandleType.Memory`);
    const offs = getPtr(m, u + B(ptrSize()));
    const off = offs === 0n ? 0n : getPtr(m, offs);
    const len = offs === 0n || getPtr(m, offs + B(ptrSize())) === 0n ? mem.size! - off : getPtr(m, offs + B(ptrSize()));
    if (off + len > mem.size!) wdfViolation(ctx, `${ctx.api}: ${what}'s WDFMEMORY_OFFSET (${hex(off)} + ${hex(len)}) runs past the ${hex(mem.size!)}-byte buffer`);
    return { buffer: mem.buffer! + off, length: Number(len) };
  }
  wdfViolation(ctx, `${ctx.api}: ${what}->Type ${type} is not a WDF_MEMORY_DESCRIPTOR_TYPE`);
  return { buffer: 0n, length: 0 };
}

/**
 * WdfIoTargetSendReadSynchronously / SendWriteSynchronously(IoTarget, Request, Buffer, DeviceOffset,
 * Options, BytesRead/Written): an IRP_MJ_READ / IRP_MJ_WRITE built like IoBuildSynchronousFsdRequest
 * (the target device's buffering), sent and waited for; its status, *Bytes its Information.
 */
function sendReadWrite(ctx: ApiContext, major: number): number {
  const [tH, reqH, bufD, offP, options, bytes] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(reqH), hex(bufD), hex(offP), hex(options), hex(bytes)]);
  const t = objectOf(ctx, tH, "ioTarget", "IoTarget");
  if (reqH !== 0n) objectOf(ctx, reqH, "request", "Request");
  if (bytes !== 0n) putPtr(ctx.mem, bytes, 0n);
  if (options !== 0n && ctx.mem.u32(options) !== wdf("WDF_REQUEST_SEND_OPTIONS").$size) return STATUS.INFO_LENGTH_MISMATCH;
  const buf = described(ctx, bufD, major === IRP_MJ_READ ? "OutputBuffer" : "InputBuffer");
  const dev = sendDevice(ctx, t);
  if (dev === null) {
    ctx.warn(`${ctx.api}: I/O target ${hex(tH)} is not open: STATUS_INVALID_DEVICE_STATE`);
    return STATUS.INVALID_DEVICE_STATE;
  }
  const env = envOf(ctx);
  const irp = buildFsdIrp(env, major, dev, buf.buffer, buf.length, offP, 0n, 0n);
  if (t.targetFile) putPtr(ctx.mem, getPtr(ctx.mem, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"])) - B(LAYOUT.IO_STACK_LOCATION.$size) + B(LAYOUT.IO_STACK_LOCATION.FileObject), t.targetFile);
  return sendAndWait(ctx, irp, dev, bytes);
}

/** IoCallDriver and the synchronous wait of the framework's Send*Synchronously: the status, *bytes the Information. */
function sendAndWait(ctx: ApiContext, irp: bigint, dev: bigint, bytes: bigint): number {
  const info = ioState(ctx.kernel).irps.get(irp);
  const returned = callDriver(envOf(ctx), dev, irp);
  if (!info?.completed) {
    ctx.warn(`${ctx.api}: the target returned ${hex(returned)} without completing the request; the framework would wait for it forever`);
    return returned;
  }
  if (bytes !== 0n) putPtr(ctx.mem, bytes, info.result?.information ?? 0n);
  return info.result?.status ?? returned;
}

function sendIoctl(ctx: ApiContext, internal: boolean): number {
  const [tH, reqH, code, inD, outD, options, bytes] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6), ctx.arg(7)];
  ctx.describe([hex(ctx.arg(0)), hex(tH), hex(reqH), hex(code), hex(inD), hex(outD), hex(options), hex(bytes)]);
  const t = objectOf(ctx, tH, "ioTarget", "IoTarget");
  if (reqH !== 0n) objectOf(ctx, reqH, "request", "Request");
  if (bytes !== 0n) putPtr(ctx.mem, bytes, 0n);
  if (options !== 0n && ctx.mem.u32(options) !== wdf("WDF_REQUEST_SEND_OPTIONS").$size) return STATUS.INFO_LENGTH_MISMATCH;
  const input = described(ctx, inD, "InputBuffer");
  const output = described(ctx, outD, "OutputBuffer");
  const dev = sendDevice(ctx, t);
  if (dev === null) {
    ctx.warn(`${ctx.api}: I/O target ${hex(tH)} is not open: STATUS_INVALID_DEVICE_STATE`);
    return STATUS.INVALID_DEVICE_STATE;
  }
  const env = envOf(ctx);
  const irp = buildIoctlIrp(env, { code, device: dev, input: input.buffer, inputLength: input.length, output: output.buffer, outputLength: output.length, internal, event: 0n, iosb: 0n, requestorMode: KernelMode, ...(t.targetFile ? { fileObject: t.targetFile } : {}) }, "built");
  return sendAndWait(ctx, irp, dev, bytes);
}

export const apis: ApiDefinition[] = [
  fx("WdfIoTargetCreate", 4, (ctx) => {
    const [devH, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(devH), hex(attrs), hex(out)]);
    const dev = objectOf(ctx, devH, "device", "Device");
    required(ctx, out, "IoTarget");
    const bad = validateAttributes(ctx, attrs, { parentRequired: false });
    if (bad !== 0) return bad;
    const a = readAttributes(ctx, attrs);
    if (a.parent !== null) objectOf(ctx, a.parent, null, "IoTargetAttributes->ParentObject");
    const t = newObject(ctx, "ioTarget", { ...a, parent: a.parent ?? dev.handle }, { remote: true });
    t.dispose = (c) => close(c, t);
    putPtr(ctx.mem, out, t.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfIoTargetOpen", 3, openTarget),
  fx("WdfIoTargetClose", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    const t = objectOf(ctx, ctx.arg(1), "ioTarget", "IoTarget");
    if (!t.remote) wdfViolation(ctx, `WdfIoTargetClose: ${hex(t.handle)} is a device's default I/O target`);
    close(ctx, t);
  }),
  fx("WdfIoTargetSendIoctlSynchronously", 8, (ctx) => sendIoctl(ctx, false)),
  fx("WdfIoTargetSendInternalIoctlSynchronously", 8, (ctx) => sendIoctl(ctx, true)),
  fx("WdfIoTargetSendReadSynchronously", 7, (ctx) => sendReadWrite(ctx, IRP_MJ_READ)),
  fx("WdfIoTargetSendWriteSynchronously", 7, (ctx) => sendReadWrite(ctx, IRP_MJ_WRITE)),
];
