/**
 * WDFMEMORY and a request's buffers (wdfmemory.h, wdfrequest.h of microsoft/Windows-Driver-Frameworks
 * src/publicinc/wdf/kmdf/1.33; behaviour from src/framework/shared/core/fxmemorybufferapi.cpp,
 * fxmemorybufferpreallocatedapi.cpp, fxmemoryobject.cpp, fxrequestapi.cpp, fxrequest.cpp and
 * km/fxrequestkm.cpp):
 *
 * - WdfMemoryCreate allocates the buffer (the driver's tag when PoolTag is 0), parented to the
 *   driver unless the attributes name a parent; BufferSize 0 is STATUS_INVALID_PARAMETER.
 *   WdfMemoryCreatePreallocated wraps the caller's buffer, WdfMemoryAssignBuffer points a
 *   preallocated object at another one (any other WDFMEMORY: WDF_VIOLATION, wrong handle type).
 * - WdfMemoryCopyToBuffer / CopyFromBuffer follow IFxMemory::_CopyPtrToPtr: an offset at or past
 *   the end of the WDFMEMORY is STATUS_BUFFER_TOO_SMALL (copy to) / STATUS_INVALID_BUFFER_SIZE
 *   (copy from), a copy longer than what is left the same, a count of 0 STATUS_INVALID_PARAMETER.
 * - WdfRequestRetrieveInputMemory / OutputMemory give WDFMEMORY objects for the request's buffers
 *   (valid until the request completes; the same handle each time), the *WdmMdl variants an MDL
 *   (Irp->MdlAddress for direct I/O, one the framework builds for a buffered buffer), the
 *   UnsafeUser variants the raw METHOD_NEITHER / WdfDeviceIoNeither pointers, with the framework's
 *   statuses: no buffer or a length 0 → STATUS_BUFFER_TOO_SMALL, an output of a read / input of a
 *   METHOD_NEITHER user request or of IRP_MJ_READ → STATUS_INVALID_DEVICE_REQUEST.
 *   WdfRequestRetrieveInput/OutputBuffer share the buffer rules (direct-I/O output included).
 * A NULL pointer where the framework requires one is FxVerifierNullBugCheck: WDF_VIOLATION (0x10D).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { MM_USER_PROBE_ADDRESS, MM_USER_PROBE_ADDRESS_X86 } from "../api/except.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { IRP_MJ, ioctlMethod } from "../iomgr/index.js";
import { frameworkMdl, freeFrameworkMdl, mdlSystemAddress } from "../api/mdl.js";
import { WDF01000, wdfLdrState } from "./ldr.js";
import { newObject, objectOf, required, validateAttributes, wdfState, wdfViolation, type WdfObject, type ObjectAttributes } from "./objects.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const TAG_BUF = 0x42666457; // 'WdfB'
const UserMode = 1;
const WdfDeviceIoNeither = 1;
const WdfDeviceIoDirect = 3;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

export { required };

function memoryOf(ctx: ApiContext, h: bigint, what = "Memory"): WdfObject {
  return objectOf(ctx, h, "memory", what);
}

/** The driver's WDFDRIVER (the default parent of objects created without one). */
function driverHandle(ctx: ApiContext): bigint | null {
  if (!wdfLdrState(ctx.kernel).bindings.has(ctx.arg(0))) return null;
  const h = getPtr(ctx.mem, ctx.arg(0));
  return wdfState(ctx.kernel).objects.has(h) ? h : null;
}

export function newMemory(ctx: ApiContext, attrs: bigint | ObjectAttributes, buffer: bigint, size: bigint, extra: Partial<WdfObject>): WdfObject {
  const o = newObject(ctx, "memory", attrs, { buffer, size, ...extra });
  if (o.parent === null) o.parent = driverHandle(ctx);
  else objectOf(ctx, o.parent, null, "Attributes->ParentObject");
  return o;
}

interface Buf {
  status: number;
  buffer: bigint;
  length: number;
  mdl?: bigint;
}
const fail = (status: number): Buf => ({ status, buffer: 0n, length: 0 });

function irpFacts(ctx: ApiContext, req: WdfObject) {
  const m = ctx.mem;
  const irp = req.irp!;
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  const major = m.u8(sl + B(SL.MajorFunction));
  const ioctl = major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL;
  const code = ioctl ? m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])) : 0;
  const st = wdfState(ctx.kernel);
  const devHandle = st.byDevice.get(getPtr(m, sl + B(SL.DeviceObject)));
  const dev = devHandle === undefined ? undefined : st.objects.get(devHandle);
  return {
    m, irp, sl, major, ioctl, code, method: ioctlMethod(code),
    userMode: m.u8(irp + B(IRP.RequestorMode)) === UserMode,
    inLen: ioctl ? m.u32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"])) : m.u32(sl + B(SL["Parameters.Read.Length"])),
    outLen: ioctl ? m.u32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"])) : m.u32(sl + B(SL["Parameters.Read.Length"])),
    system: getPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"])),
    user: getPtr(m, irp + B(IRP.UserBuffer)),
    mdl: getPtr(m, irp + B(IRP.MdlAddress)),
    ioType: dev?.ioType ?? ioTypeOfFlags(ctx, irp, sl),
  };
}

/** A control device has no WDFDEVICE_INIT io type: DO_BUFFERED_IO / DO_DIRECT_IO of the device object tell. */
function ioTypeOfFlags(ctx: ApiContext, _irp: bigint, sl: bigint): number {
  const dev = getPtr(ctx.mem, sl + B(SL.DeviceObject));
  if (dev === 0n) return 2;
  const flags = ctx.mem.u32(dev + B(LAYOUT.DEVICE_OBJECT.Flags));
  return flags & 0x10 ? WdfDeviceIoDirect : flags & 0x4 ? 2 : WdfDeviceIoNeither;
}

/** FxRequest::GetMemoryObject: the input buffer (IRP_MJ_WRITE / IOCTL input). */
function inputBuffer(ctx: ApiContext, req: WdfObject): Buf {
  const f = irpFacts(ctx, req);
  if (f.ioctl) {
    if (f.inLen === 0) return fail(STATUS.BUFFER_TOO_SMALL);
    if (f.method === 3) {
      if (f.userMode && f.major === IRP_MJ.DEVICE_CONTROL) return fail(STATUS.INVALID_DEVICE_REQUEST);
      return { status: STATUS.SUCCESS, buffer: getPtr(f.m, f.sl + B(SL["Parameters.DeviceIoControl.Type3InputBuffer"])), length: f.inLen };
    }
    return f.system === 0n ? fail(STATUS.BUFFER_TOO_SMALL) : { status: STATUS.SUCCESS, buffer: f.system, length: f.inLen };
  }
  if (f.major !== IRP_MJ.WRITE && f.major !== IRP_MJ.READ) return fail(STATUS.INVALID_DEVICE_REQUEST);
  return readWriteBuffer(ctx, f);
}

function readWriteBuffer(ctx: ApiContext, f: ReturnType<typeof irpFacts>): Buf {
  if (f.inLen === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  if (f.ioType === WdfDeviceIoDirect) {
    if (f.mdl === 0n) return fail(STATUS.BUFFER_TOO_SMALL);
    return { status: STATUS.SUCCESS, buffer: mdlSystemAddress(ctx, f.mdl), length: f.inLen, mdl: f.mdl };
  }
  // WdfDeviceIoNeither: Irp->UserBuffer as it came (FxRequestSystemBuffer::GetBuffer); only the KMDF verifier (FxVerifierIO) refuses a user-mode one.
  if (f.ioType === WdfDeviceIoNeither) return f.user === 0n ? fail(STATUS.BUFFER_TOO_SMALL) : { status: STATUS.SUCCESS, buffer: f.user, length: f.inLen };
  return f.system === 0n ? fail(STATUS.BUFFER_TOO_SMALL) : { status: STATUS.SUCCESS, buffer: f.system, length: f.inLen };
}

/** FxRequest::GetDeviceControlOutputMemoryObject (and the read buffer of IRP_MJ_READ). */
function outputBuffer(ctx: ApiContext, req: WdfObject): Buf {
  const f = irpFacts(ctx, req);
  if (!f.ioctl) {
    if (f.major !== IRP_MJ.READ) return fail(STATUS.INVALID_DEVICE_REQUEST);
    return readWriteBuffer(ctx, f);
  }
  if (f.outLen === 0) return fail(STATUS.BUFFER_TOO_SMALL);
  if (f.method === 1 || f.method === 2) {
    if (f.mdl === 0n) return fail(STATUS.BUFFER_TOO_SMALL);
    return { status: STATUS.SUCCESS, buffer: mdlSystemAddress(ctx, f.mdl), length: f.outLen, mdl: f.mdl };
  }
  if (f.method === 3) {
    if (f.userMode && f.major === IRP_MJ.DEVICE_CONTROL) return fail(STATUS.INVALID_DEVICE_REQUEST);
    return { status: STATUS.SUCCESS, buffer: f.user, length: f.outLen };
  }
  return f.system === 0n ? fail(STATUS.BUFFER_TOO_SMALL) : { status: STATUS.SUCCESS, buffer: f.system, length: f.outLen };
}

/** WdfRequestRetrieveInputBuffer / OutputBuffer (framework.ts keeps the DDI; the rules are here). */
export function retrieveBuffer(ctx: ApiContext, output: boolean): number {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const [min, bufOut, lenOut] = [ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  required(ctx, bufOut, "Buffer");
  putPtr(ctx.mem, bufOut, 0n);
  if (lenOut !== 0n) putPtr(ctx.mem, lenOut, 0n);
  if (!output && irpFacts(ctx, req).major === IRP_MJ.READ) return STATUS.INVALID_DEVICE_REQUEST;
  const b = output ? outputBuffer(ctx, req) : inputBuffer(ctx, req);
  if (b.status !== STATUS.SUCCESS) return b.status;
  if (B(b.length) < min) return STATUS.BUFFER_TOO_SMALL;
  putPtr(ctx.mem, bufOut, b.buffer);
  if (lenOut !== 0n) putPtr(ctx.mem, lenOut, B(b.length));
  return STATUS.SUCCESS;
}

function retrieveMemory(ctx: ApiContext, output: boolean): number {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const out = ctx.arg(2);
  required(ctx, out, "Memory");
  if (!output && irpFacts(ctx, req).major === IRP_MJ.READ) return STATUS.INVALID_DEVICE_REQUEST;
  const b = output ? outputBuffer(ctx, req) : inputBuffer(ctx, req);
  if (b.status !== STATUS.SUCCESS) return b.status;
  const key = output ? "outputMemory" : "inputMemory";
  const known = req[key] !== undefined ? wdfState(ctx.kernel).objects.get(req[key]!) : undefined;
  const mem = known ?? newObject(ctx, "memory", 0n, { buffer: b.buffer, size: B(b.length), parent: req.handle, owner: req.owner });
  req[key] = mem.handle;
  putPtr(ctx.mem, out, mem.handle);
  return STATUS.SUCCESS;
}

function retrieveMdl(ctx: ApiContext, output: boolean): number {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const out = ctx.arg(2);
  required(ctx, out, "Mdl");
  putPtr(ctx.mem, out, 0n);
  const f = irpFacts(ctx, req);
  if (!output && f.major === IRP_MJ.READ) return STATUS.INVALID_DEVICE_REQUEST;
  if (output && !f.ioctl && f.major !== IRP_MJ.READ) return STATUS.INVALID_DEVICE_REQUEST;
  if (f.ioctl && f.method === 3) return STATUS.INVALID_DEVICE_REQUEST;
  if (!f.ioctl && f.ioType === WdfDeviceIoNeither) return STATUS.INVALID_DEVICE_REQUEST;
  let mdl = 0n;
  if ((f.ioctl && output && (f.method === 1 || f.method === 2)) || (!f.ioctl && f.ioType === WdfDeviceIoDirect)) {
    mdl = f.mdl;
    if (mdl === 0n) return STATUS.BUFFER_TOO_SMALL;
  } else {
    // A buffered buffer: the framework builds (once per request and direction) an MDL for it.
    const buffer = f.system;
    const length = f.ioctl ? (output ? f.outLen : f.inLen) : f.inLen;
    if (buffer === 0n || length === 0) return STATUS.BUFFER_TOO_SMALL;
    const mine = (req.mdls ??= []);
    mdl = frameworkMdl(ctx, buffer, length);
    if (mdl === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    mine.push(mdl);
    if (mine.length === 1) {
      const prev = req.dispose;
      req.dispose = (c) => {
        for (const x of req.mdls ?? []) freeFrameworkMdl(c, x);
        req.mdls = [];
        prev?.(c);
      };
    }
  }
  putPtr(ctx.mem, out, mdl);
  return STATUS.SUCCESS;
}

/** WdfRequestRetrieveUnsafeUserInputBuffer / OutputBuffer: METHOD_NEITHER IOCTLs and WdfDeviceIoNeither reads/writes. */
function retrieveUnsafe(ctx: ApiContext, output: boolean): number {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const [min, bufOut, lenOut] = [ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  required(ctx, bufOut, output ? "OutputBuffer" : "InputBuffer");
  putPtr(ctx.mem, bufOut, 0n);
  if (lenOut !== 0n) putPtr(ctx.mem, lenOut, 0n);
  const f = irpFacts(ctx, req);
  if (f.major === IRP_MJ.INTERNAL_DEVICE_CONTROL) return STATUS.INVALID_DEVICE_REQUEST;
  let buffer: bigint;
  let length: number;
  if (f.major === IRP_MJ.DEVICE_CONTROL && f.method === 3) {
    buffer = output ? f.user : getPtr(f.m, f.sl + B(SL["Parameters.DeviceIoControl.Type3InputBuffer"]));
    length = output ? f.outLen : f.inLen;
  } else if (f.major === (output ? IRP_MJ.READ : IRP_MJ.WRITE) && f.ioType === WdfDeviceIoNeither) {
    buffer = f.user;
    length = f.inLen;
  } else return STATUS.INVALID_DEVICE_REQUEST;
  if (B(length) < min) return STATUS.BUFFER_TOO_SMALL;
  putPtr(ctx.mem, bufOut, buffer);
  if (lenOut !== 0n) putPtr(ctx.mem, lenOut, B(length));
  return STATUS.SUCCESS;
}

/**
 * WdfRequestProbeAndLockUserBufferForRead / ForWrite (FxRequest::ProbeAndLockForRead/Write, km):
 * Length 0 → STATUS_INVALID_USER_BUFFER; the user buffer is probed and locked in an MDL
 * (MmProbeAndLockPages(UserMode) inside __try: a kernel address or an unmapped page is the
 * exception's STATUS_ACCESS_VIOLATION) and wrapped in a WDFMEMORY of the request, released with it.
 */
function probeAndLock(ctx: ApiContext, write: boolean): number {
  const req = objectOf(ctx, ctx.arg(1), "request", "Request");
  const [buffer, length, out] = [ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  required(ctx, buffer, "Buffer");
  required(ctx, out, "MemoryObject");
  putPtr(ctx.mem, out, 0n);
  if (ctx.kernel.irql > 0) return STATUS.INVALID_DEVICE_REQUEST; // FxVerifierCheckIrqlLevel(PASSIVE_LEVEL)
  const len = Number(length & 0xffffffffn); // (ULONG) Length
  if (len === 0) return 0xc00000e8; // STATUS_INVALID_USER_BUFFER
  const limit = ptrSize() === 4 ? MM_USER_PROBE_ADDRESS_X86 : MM_USER_PROBE_ADDRESS;
  if (buffer >= limit || buffer + B(len) > limit || !ctx.mem.isMapped(buffer, len)) {
    ctx.warn(`${ctx.api}: ${hex(buffer)} (${len} bytes) is not a valid user buffer: MmProbeAndLockPages raises, the framework returns STATUS_ACCESS_VIOLATION`);
    return STATUS.ACCESS_VIOLATION;
  }
  const mdl = frameworkMdl(ctx, buffer, len);
  if (mdl === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const mem = newObject(ctx, "memory", 0n, { buffer, size: B(len), parent: req.handle, owner: req.owner, readOnly: !write });
  mem.dispose = (c) => freeFrameworkMdl(c, mdl);
  putPtr(ctx.mem, out, mem.handle);
  return STATUS.SUCCESS;
}

/** IFxMemory::_CopyPtrToPtr with the offsets the two copy DDIs pass. */
function copy(ctx: ApiContext, toBuffer: boolean): number {
  const mem = memoryOf(ctx, ctx.arg(1), toBuffer ? "SourceMemory" : "DestinationMemory");
  const [offset, buffer, count] = [ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  required(ctx, buffer, "Buffer");
  if (count === 0n) return STATUS.INVALID_PARAMETER;
  // CopyFromPtr into a read-only WDFMEMORY (a buffer locked for read): the verifier breaks in, STATUS_ACCESS_VIOLATION.
  if (!toBuffer && mem.readOnly) return STATUS.ACCESS_VIOLATION;
  const size = mem.size!;
  if (offset !== 0n && offset >= size) return toBuffer ? STATUS.BUFFER_TOO_SMALL : STATUS.INVALID_BUFFER_SIZE;
  if (count > size - offset) return toBuffer ? STATUS.BUFFER_TOO_SMALL : STATUS.INVALID_BUFFER_SIZE;
  if (count > 0x4000000n) ctx.fault("internal", `${ctx.api}: a copy of ${hex(count)} bytes is beyond what kmdll emulates`);
  const m = ctx.mem;
  if (toBuffer) m.write(buffer, m.read(mem.buffer! + offset, Number(count)));
  else m.write(mem.buffer! + offset, m.read(buffer, Number(count)));
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfMemoryCreate", 7, (ctx) => {
    const [attrs, poolType, tag, size, out, bufOut] = [ctx.arg(1), ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
    ctx.describe([hex(ctx.arg(0)), hex(attrs), String(poolType), hex(tag), hex(size), hex(out), hex(bufOut)]);
    required(ctx, out, "Memory");
    if (size === 0n) return STATUS.INVALID_PARAMETER;
    putPtr(ctx.mem, out, 0n);
    const st = validateAttributes(ctx, attrs, { parentRequired: false });
    if (st !== STATUS.SUCCESS) return st;
    if (size > 0x10000000n) return STATUS.INSUFFICIENT_RESOURCES;
    const buffer = ctx.kernel.kernelPool?.allocate(Number(size), tag || TAG_BUF) ?? 0n;
    if (buffer === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const mem = newMemory(ctx, attrs, buffer, size, { pool: true });
    mem.dispose = (c) => c.kernel.kernelPool?.free(buffer);
    putPtr(ctx.mem, out, mem.handle);
    if (bufOut !== 0n) putPtr(ctx.mem, bufOut, buffer);
    return STATUS.SUCCESS;
  }),
  fx("WdfMemoryCreatePreallocated", 5, (ctx) => {
    const [attrs, buffer, size, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
    required(ctx, buffer, "Buffer");
    required(ctx, out, "Memory");
    putPtr(ctx.mem, out, 0n);
    if (size === 0n) return STATUS.INVALID_PARAMETER;
    const st = validateAttributes(ctx, attrs, { parentRequired: false });
    if (st !== STATUS.SUCCESS) return st;
    putPtr(ctx.mem, out, newMemory(ctx, attrs, buffer, size, { preallocated: true }).handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfMemoryAssignBuffer", 4, (ctx) => {
    const mem = memoryOf(ctx, ctx.arg(1));
    if (!mem.preallocated) wdfViolation(ctx, `WdfMemoryAssignBuffer: ${hex(mem.handle)} is not a WDFMEMORY made by WdfMemoryCreatePreallocated (FX_TYPE_MEMORY_PREALLOCATED)`);
    required(ctx, ctx.arg(2), "Buffer");
    if (ctx.arg(3) === 0n) return STATUS.INVALID_PARAMETER;
    mem.buffer = ctx.arg(2);
    mem.size = ctx.arg(3);
    return STATUS.SUCCESS;
  }),
  fx("WdfMemoryGetBuffer", 3, (ctx) => {
    const mem = memoryOf(ctx, ctx.arg(1));
    if (ctx.arg(2) !== 0n) putPtr(ctx.mem, ctx.arg(2), mem.size!);
    return mem.buffer!;
  }),
  fx("WdfMemoryCopyToBuffer", 5, (ctx) => copy(ctx, true)),
  fx("WdfMemoryCopyFromBuffer", 5, (ctx) => copy(ctx, false)),
  fx("WdfRequestRetrieveInputMemory", 3, (ctx) => retrieveMemory(ctx, false)),
  fx("WdfRequestRetrieveOutputMemory", 3, (ctx) => retrieveMemory(ctx, true)),
  fx("WdfRequestRetrieveInputWdmMdl", 3, (ctx) => retrieveMdl(ctx, false)),
  fx("WdfRequestRetrieveOutputWdmMdl", 3, (ctx) => retrieveMdl(ctx, true)),
  fx("WdfRequestProbeAndLockUserBufferForRead", 5, (ctx) => probeAndLock(ctx, false)),
  fx("WdfRequestProbeAndLockUserBufferForWrite", 5, (ctx) => probeAndLock(ctx, true)),
  fx("WdfRequestRetrieveUnsafeUserInputBuffer", 5, (ctx) => retrieveUnsafe(ctx, false)),
  fx("WdfRequestRetrieveUnsafeUserOutputBuffer", 5, (ctx) => retrieveUnsafe(ctx, true)),
];
