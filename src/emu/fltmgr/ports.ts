/**
 * Filter Manager services besides registration (Microsoft Learn, fltkernel.h pages):
 *   - communication server ports: FltCreateCommunicationPort names a port in the object namespace
 *     (ConnectNotifyCallback and DisconnectNotifyCallback are required, MaxConnections > 0, a name
 *     in use: STATUS_OBJECT_NAME_COLLISION); its callbacks are `callback` events;
 *     FltCloseCommunicationPort of a closed port (or a non-port) is a warning, as ZwClose of a bad
 *     kernel handle is on Windows (see closePort). No user-mode
 *     client ever connects in the emulation (there is no FilterConnectCommunicationPort), so
 *     FltSendMessage to a NULL client port returns STATUS_PORT_DISCONNECTED and FltCloseClientPort
 *     of a NULL one does nothing; any other port pointer is a bug check report;
 *   - FltBuildDefaultSecurityDescriptor: an absolute SECURITY_DESCRIPTOR in pool whose DACL grants
 *     DesiredAccess to LocalSystem (S-1-5-18) and Administrators (S-1-5-32-544), freed by
 *     FltFreeSecurityDescriptor (the pool allocator reports foreign pointers and leaks);
 *   - push locks (FltInitializePushLock, FltAcquirePushLockExclusive/Shared, FltReleasePushLock,
 *     FltDeletePushLock) over the executive's EX_PUSH_LOCK;
 *   - FltParseFileName: the final component, the extension and the stream of a name, as
 *     UNICODE_STRINGs pointing into the caller's buffer; FltGetRoutineAddress.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { fltOff } from "./layouts.js";
import { hex, readCounted, decodeUtf16, unicodeText, describeUnicode } from "../api/util.js";
import { addCallback, removeCallbacks } from "../api/notify.js";
import { objectManager, registerObject } from "../obmgr/index.js";
import { pushAcquire, pushRelease } from "../api/locks.js";
import { FLTMGR, filterOf, flt, fltState } from "./filter.js";

const B = (n: number) => BigInt(n);
const OA = LAYOUT.OBJECT_ATTRIBUTES;
const STATUS_PORT_DISCONNECTED = 0xc0000037;
const TAG_PORT = 0x74506c46; // 'FlPt'
const TAG_SD = 0x53746c46; // 'FltS'
const OBJ_KERNEL_HANDLE = 0x200;

function createPort(ctx: ApiContext): number {
  const [filter, pPort, oa, cookie, connect, disconnect, message] = [0, 1, 2, 3, 4, 5, 6].map((i) => ctx.arg(i)) as bigint[];
  const maxConnections = ctx.i32(7);
  const f = filterOf(ctx, filter!);
  const namePtr = oa === 0n ? 0n : getPtr(ctx.mem, oa! + B(OA.ObjectName));
  ctx.describe([hex(filter!), hex(pPort!), namePtr === 0n ? "NULL" : describeUnicode(ctx, namePtr), hex(cookie!), hex(connect!), hex(disconnect!), hex(message!), String(maxConnections)]);
  if (oa === 0n || namePtr === 0n || connect === 0n || disconnect === 0n || maxConnections <= 0) return STATUS.INVALID_PARAMETER;
  const name = unicodeText(ctx.mem, namePtr);
  if (!name || !name.startsWith("\\")) return STATUS.OBJECT_NAME_INVALID;
  if (!(ctx.mem.u32(oa! + B(OA.Attributes)) & OBJ_KERNEL_HANDLE))
    ctx.warn(`FltCreateCommunicationPort(${JSON.stringify(name)}): ObjectAttributes without OBJ_KERNEL_HANDLE (the documentation requires it)`);
  const upper = name.toUpperCase();
  for (const o of objectManager(ctx.kernel).objects.values()) if (o.name?.toUpperCase() === upper) return STATUS.OBJECT_NAME_COLLISION;
  const port = ctx.kernel.kernelPool?.allocate(0x40, TAG_PORT) ?? 0n;
  if (port === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  fltState(ctx.kernel).closedPorts.delete(port);
  registerObject(ctx.kernel, port, { type: "FilterConnectionPort", name });
  fltState(ctx.kernel).ports.set(port, { filter: filter!, name, module: f.module });
  putPtr(ctx.mem, pPort!, port);
  const key = port | 1n;
  addCallback(ctx, "minifilter port ConnectNotifyCallback", connect!, cookie!, key);
  addCallback(ctx, "minifilter port DisconnectNotifyCallback", disconnect!, cookie!, key);
  if (message !== 0n) addCallback(ctx, "minifilter port MessageNotifyCallback", message!, cookie!, key);
  return STATUS.SUCCESS;
}

/**
 * FltCloseCommunicationPort is a ZwClose of the server port's kernel handle (ReactOS
 * drivers/filters/fltmgr/Messaging.c: FltCreateCommunicationPort returns the handle ObInsertObject
 * made, FltCloseCommunicationPort calls ZwClose on it). So a port closed twice, or a value that
 * never was a port, is ZwClose of an invalid kernel handle: STATUS_INVALID_HANDLE, which this VOID
 * routine drops. NtClose bugchecks INVALID_KERNEL_HANDLE (0x93) for that only when a kernel
 * debugger is attached and the current process has a PEB, or bad-handle detection is on — never
 * in the System process where DriverUnload and FilterUnloadCallback run. The real hazard on
 * Windows is a handle value reused in between (the second close then closes someone else's
 * handle), so it is a warning, as kmdll's ZwClose reports a bad handle, not a crash.
 */
function closePort(ctx: ApiContext): void {
  const port = ctx.arg(0);
  ctx.describe([hex(port)]);
  const st = fltState(ctx.kernel);
  if (!st.ports.has(port)) {
    const was = st.closedPorts.get(port);
    ctx.warn(
      was !== undefined
        ? `FltCloseCommunicationPort(${hex(port)}): the server port ${was} was already closed — on Windows this is ZwClose of a closed kernel handle: STATUS_INVALID_HANDLE, dropped (no bug check in the System process; a handle value reused in between would be closed instead)`
        : `FltCloseCommunicationPort(${hex(port)}): not a server port FltCreateCommunicationPort returned — on Windows this is ZwClose of an invalid kernel handle: STATUS_INVALID_HANDLE, dropped`,
    );
    return;
  }
  st.closedPorts.set(port, st.ports.get(port)!.name);
  st.ports.delete(port);
  objectManager(ctx.kernel).objects.delete(port);
  removeCallbacks(ctx, (r) => r.handle === (port | 1n));
  ctx.kernel.kernelPool?.free(port);
}

/** *ClientPort: NULL (no client ever connects here), else a bug check report. */
function clientPort(ctx: ApiContext, pClient: bigint): bigint {
  const c = getPtr(ctx.mem, pClient);
  if (c !== 0n) ctx.fault("bugcheck", `${ctx.api.replace(/^.*!/, "")}: ${hex(c)} is not a client port (no user-mode client connected to any communication port)`, { code: "0x0000001E" });
  return c;
}

/** Absolute SECURITY_DESCRIPTOR + DACL with ACCESS_ALLOWED_ACEs for S-1-5-18 and S-1-5-32-544. */
function defaultSecurityDescriptor(ctx: ApiContext): number {
  const [pSd] = [ctx.arg(0)];
  const access = ctx.u32(1);
  ctx.describe([hex(pSd), hex(access)]);
  // SIDs: Revision 1, SubAuthorityCount, IdentifierAuthority (6 bytes, big-endian: 5 = NT), SubAuthority[] (LE).
  const sidBytes = [Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]), Uint8Array.from([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0])];
  const aces = sidBytes.map((sid) => {
    const a = new Uint8Array(8 + sid.length);
    const dv = new DataView(a.buffer);
    dv.setUint8(0, 0); // ACCESS_ALLOWED_ACE_TYPE
    dv.setUint16(2, a.length, true);
    dv.setUint32(4, access, true);
    a.set(sid, 8);
    return a;
  });
  const aclSize = 8 + aces.reduce((n, a) => n + a.length, 0);
  const sdSize = fltOff("SECURITY_DESCRIPTOR", "$size");
  const total = sdSize + aclSize;
  const sd = ctx.pool.allocate(total, TAG_SD, 1, true);
  if (sd === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  dv.setUint8(fltOff("SECURITY_DESCRIPTOR", "Revision"), 1); // SECURITY_DESCRIPTOR_REVISION
  dv.setUint16(fltOff("SECURITY_DESCRIPTOR", "Control"), 0x4, true); // SE_DACL_PRESENT
  // The DACL follows the descriptor: ACL { AclRevision, Sbz1, AclSize, AceCount, Sbz2 }, then the ACEs.
  const dacl = fltOff("SECURITY_DESCRIPTOR", "Dacl");
  if (ptrSize() === 8) dv.setBigUint64(dacl, sd + B(sdSize), true);
  else dv.setUint32(dacl, Number(sd) + sdSize, true);
  dv.setUint8(sdSize, 2); // ACL_REVISION
  dv.setUint16(sdSize + 2, aclSize, true);
  dv.setUint16(sdSize + 4, aces.length, true);
  let off = sdSize + 8;
  for (const a of aces) {
    buf.set(a, off);
    off += a.length;
  }
  ctx.mem.write(sd, buf);
  putPtr(ctx.mem, pSd, sd);
  return STATUS.SUCCESS;
}

/** FltParseFileName: final component, extension (without the dot) and stream (with its colon). */
function parseFileName(ctx: ApiContext): number {
  const [name, pExt, pStream, pFinal] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([describeUnicode(ctx, name), hex(pExt), hex(pStream), hex(pFinal)]);
  const s = readCounted(ctx.mem, name);
  const text = s.buffer === 0n ? "" : decodeUtf16(ctx.mem.read(s.buffer, s.length & ~1));
  const set = (out: bigint, start: number, end: number) => {
    if (out === 0n) return;
    const U = LAYOUT.UNICODE_STRING;
    const len = Math.max(0, end - start) * 2;
    ctx.mem.setU16(out + B(U.Length), len);
    ctx.mem.setU16(out + B(U.MaximumLength), len);
    putPtr(ctx.mem, out + B(U.Buffer), len === 0 ? 0n : s.buffer + B(start * 2));
  };
  const finalStart = text.lastIndexOf("\\") + 1;
  const colon = text.indexOf(":", finalStart);
  const nameEnd = colon < 0 ? text.length : colon;
  const dot = text.lastIndexOf(".", nameEnd - 1);
  set(pFinal, finalStart, text.length);
  set(pStream, colon < 0 ? text.length : colon, text.length);
  set(pExt, dot >= finalStart ? dot + 1 : nameEnd, dot >= finalStart ? nameEnd : nameEnd);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  flt("FltCreateCommunicationPort", 8, createPort),
  flt("FltCloseCommunicationPort", 1, (ctx) => void closePort(ctx)),
  flt("FltCloseClientPort", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    filterOf(ctx, ctx.arg(0));
    clientPort(ctx, ctx.arg(1));
    putPtr(ctx.mem, ctx.arg(1), 0n);
  }),
  flt("FltSendMessage", 7, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), String(ctx.u32(3)), hex(ctx.arg(4)), hex(ctx.arg(5)), hex(ctx.arg(6))]);
    filterOf(ctx, ctx.arg(0));
    clientPort(ctx, ctx.arg(1));
    return STATUS_PORT_DISCONNECTED;
  }),
  flt("FltBuildDefaultSecurityDescriptor", 2, defaultSecurityDescriptor),
  flt("FltFreeSecurityDescriptor", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    ctx.pool.free(ctx.arg(0), TAG_SD);
  }),
  flt("FltInitializePushLock", 1, (ctx) => void putPtr(ctx.mem, ctx.arg(0), 0n)),
  flt("FltAcquirePushLockExclusive", 1, (ctx) => void pushAcquire(ctx, "FltAcquirePushLockExclusive", false)),
  flt("FltAcquirePushLockShared", 1, (ctx) => void pushAcquire(ctx, "FltAcquirePushLockShared", true)),
  flt("FltReleasePushLock", 1, (ctx) => pushRelease(ctx, "FltReleasePushLock", null)),
  flt("FltDeletePushLock", 1, (ctx) => {
    if (getPtr(ctx.mem, ctx.arg(0)) !== 0n) ctx.warn(`FltDeletePushLock(${hex(ctx.arg(0))}): the push lock is still held`);
  }),
  flt("FltParseFileName", 4, parseFileName),
  flt("FltGetRoutineAddress", 1, (ctx) => {
    const name = ctx.mem.cstring(ctx.arg(0), 256);
    ctx.describe([JSON.stringify(name)]);
    return ctx.kernel.moduleExport?.(FLTMGR, name) ?? 0n;
  }),
];
