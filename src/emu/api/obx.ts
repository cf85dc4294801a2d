/**
 * The object manager beyond references: opening objects by name (ObOpenObjectByName), objects
 * drivers create (ObCreateObject / ObInsertObject), directory and symbolic link objects drivers
 * create (ZwCreateDirectoryObject, ZwCreateSymbolicLinkObject), temporary names
 * (ZwMakeTemporaryObject), handle queries and flags (ZwQueryObject, ZwSetInformationObject,
 * ObSetHandleAttributes, ObIsKernelHandle, NtClose) and object security (ObGetObjectSecurity /
 * ObReleaseObjectSecurity). Names resolve in the namespace objdir.ts serves (devices, links,
 * \Driver, directories) plus the names made here (obmgr/namespace.ts).
 *
 * Semantics from Microsoft Learn (the routines' pages; ZwQueryObject's PUBLIC_OBJECT_BASIC_INFORMATION
 * and PUBLIC_OBJECT_TYPE_INFORMATION; OBJECT_HANDLE_FLAG_INFORMATION) and the status codes the NT
 * object manager returns (ReactOS ntoskrnl/ob: ObpLookupObjectName, NtQueryObject,
 * NtSetInformationObject): no name → STATUS_OBJECT_NAME_INVALID; a relative name without a root
 * → STATUS_OBJECT_PATH_SYNTAX_BAD; a missing leaf → STATUS_OBJECT_NAME_NOT_FOUND, a missing parent
 * directory → STATUS_OBJECT_PATH_NOT_FOUND; an existing name on create → STATUS_OBJECT_NAME_COLLISION;
 * a bad handle → STATUS_INVALID_HANDLE; a wrong type → STATUS_OBJECT_TYPE_MISMATCH.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { encodeUtf16, hex, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { closeHandle, dereference, insertHandle, lookupHandle, objectManager, reference, registerObject, typeNameOf, type HandleEntry } from "./ob.js";
import { holderOf, noteHeld } from "../obmgr/index.js";
import { noteDropped } from "../obmgr/holders.js";
import { MAX_NAMES, handlesOnName, nameHandleClosed, namespaceOf } from "../obmgr/namespace.js";
import { canonical, ioState } from "../iomgr/index.js";
import { DIRECTORIES, deviceByName, directoryName, driverByName, linkTarget, oaName } from "./objdir.js";
import { registryOf } from "./zw.js";
import { securityOf } from "./security.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { volumeFileName } from "./file-object.js";

const B = (n: number) => BigInt(n);
const OA = LAYOUT.OBJECT_ATTRIBUTES;
const OBJ_INHERIT = 0x2;
const OBJ_PERMANENT = 0x10;
const OBJ_KERNEL_HANDLE = 0x200;
const TAG_OBJECT = 0x6a624f4b; // 'KObj'
const TAG_SECURITY = 0x63655353; // 'SSec'
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;
/** An object body ObCreateObject hands out is at most this large (kmdll's bound: pool is bounded too). */
const MAX_BODY = 1 << 20;

/** What an object name resolves to: an object body, or a handle-only namespace object. */
type Resolved = { type: string; object?: bigint; data?: Record<string, unknown> } | number;

/** Whether a directory exists: the system's, or one a driver created. */
function directoryExists(ctx: ApiContext, dir: string): boolean {
  return dir === "" || dir === "\\" || DIRECTORIES.includes(dir) || namespaceOf(ctx.kernel).named.get(dir)?.type === "Directory";
}

/** NAME_NOT_FOUND when the parent directory exists, PATH_NOT_FOUND when it does not. */
function missing(ctx: ApiContext, name: string): number {
  const c = directoryName(name);
  const parent = c.slice(0, c.lastIndexOf("\\"));
  return directoryExists(ctx, directoryName(parent || "\\")) ? STATUS.OBJECT_NAME_NOT_FOUND : STATUS.OBJECT_PATH_NOT_FOUND;
}

/** An object name → the object, as ObpLookupObjectName walks the namespace (symbolic links followed). */
function resolveName(ctx: ApiContext, name: string, openLink: boolean): Resolved {
  const c = directoryName(name);
  const made = namespaceOf(ctx.kernel).named.get(c);
  if (made) return made.type === "Directory" ? { type: "Directory", data: { dir: c, nsName: c, name: made.name } } : { type: made.type, object: made.object!, data: { nsName: c } };
  if (DIRECTORIES.includes(c)) return { type: "Directory", data: { dir: c, nsName: c, name } };
  if (c.startsWith("\\DRIVER\\") || c.startsWith("\\FILESYSTEM\\")) {
    const d = driverByName(ctx, name);
    return d === null ? missing(ctx, name) : { type: "Driver", object: d };
  }
  if (c.startsWith("\\REGISTRY\\") || c === "\\REGISTRY") {
    const key = registryOf(ctx.kernel).openKey(name);
    return key ? { type: "Key", data: { key } } : STATUS.OBJECT_NAME_NOT_FOUND;
  }
  const target = linkTarget(ctx, c);
  if (target !== undefined && openLink) return { type: "SymbolicLink", data: { target, nsName: c, name } };
  const dev = deviceByName(ctx, c);
  if (dev !== null) return { type: "Device", object: dev };
  if (target !== undefined) return resolveName(ctx, target, false);
  return missing(ctx, name);
}

/** Insert a handle for a resolved object (references its body; a namespace name gets its close hook). */
function handleFor(ctx: ApiContext, r: Exclude<Resolved, number>, access: number, attributes: number): bigint {
  const kernel = ctx.kernel;
  const nsName = r.data?.["nsName"] as string | undefined;
  const entry: HandleEntry = { type: r.type, access, kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0, inherit: (attributes & OBJ_INHERIT) !== 0 };
  if (r.object !== undefined) entry.object = r.object;
  if (r.data) entry.data = r.data;
  if (nsName) entry.onClose = () => nameHandleClosed(kernel, nsName, (n) => ioState(kernel).links.delete(n));
  return insertHandle(kernel, entry);
}

/** The name an open handle's object has ("" when unnamed). */
function handleName(ctx: ApiContext, e: HandleEntry): string {
  const d = e.data as Record<string, unknown> | undefined;
  if (e.type === "File" && d && Array.isArray(d["parts"])) return VOLUME_DEVICE + volumeFileName(d["parts"] as string[]);
  if (e.type === "Key" && d?.["key"]) return (d["key"] as { path: string }).path;
  if (d && typeof d["name"] === "string") return directoryName(d["name"] as string) === d["nsName"] ? (d["name"] as string).replace(/^\\\?\?\\/, "\\GLOBAL??\\") : (d["name"] as string);
  if (e.object !== undefined) {
    const o = objectManager(ctx.kernel).objects.get(e.object);
    if (o?.name?.startsWith("\\")) return o.name;
  }
  return "";
}

/** A handle, or a pseudo-handle (NtCurrentProcess() -1, NtCurrentThread() -2). */
function entryOf(ctx: ApiContext, handle: bigint): HandleEntry | undefined {
  const h = BigInt.asIntN(8 * ptrSize(), handle);
  if (h === -1n && ctx.kernel.currentProcess) return { type: "Process", object: ctx.kernel.currentProcess, access: 0x1fffff, kernelHandle: true };
  if (h === -2n && ctx.kernel.currentThread) return { type: "Thread", object: ctx.kernel.currentThread, access: 0x1fffff, kernelHandle: true };
  return lookupHandle(ctx.kernel, handle);
}

/** UNICODE_STRING + characters (NUL-terminated when non-empty), the strings at `at` + header. */
function stringInfo(at: bigint, header: number, s: string): Uint8Array {
  const chars = encodeUtf16(s);
  const img = new Uint8Array(header + (s ? chars.length + 2 : 0));
  const dv = new DataView(img.buffer);
  dv.setUint16(0, chars.length, true);
  dv.setUint16(2, s ? chars.length + 2 : 0, true);
  if (s) {
    if (ptrSize() === 8) dv.setBigUint64(8, at + B(header), true);
    else dv.setUint32(4, Number(at + B(header)), true);
    img.set(chars, header);
  }
  return img;
}

/** ZwQueryObject's answer for one class: [image, fixed size the buffer must hold], or a status. */
function objectInfo(ctx: ApiContext, e: HandleEntry, cls: number, buf: bigint): Uint8Array | number {
  const us = LAYOUT.UNICODE_STRING.$size;
  switch (cls) {
    case 0: {
      // PUBLIC_OBJECT_BASIC_INFORMATION: Attributes, GrantedAccess, HandleCount, PointerCount, Reserved[10].
      const img = new Uint8Array(56);
      const dv = new DataView(img.buffer);
      const o = e.object !== undefined ? objectManager(ctx.kernel).objects.get(e.object) : undefined;
      const nsName = (e.data as { nsName?: string } | undefined)?.nsName;
      const handles = e.object !== undefined ? [...objectManager(ctx.kernel).handles.values()].filter((x) => x.object === e.object).length : nsName ? handlesOnName(ctx.kernel, nsName) : 1;
      dv.setUint32(0, (e.protectFromClose ? 1 : 0) | (e.inherit ? OBJ_INHERIT : 0), true);
      dv.setUint32(4, e.access >>> 0, true);
      dv.setUint32(8, Math.max(handles, 1), true);
      dv.setUint32(12, o ? o.pointerCount : Math.max(handles, 1), true);
      return img;
    }
    case 1:
      // OBJECT_NAME_INFORMATION (as ObQueryNameString).
      return stringInfo(buf, us, handleName(ctx, e));
    case 2: {
      // PUBLIC_OBJECT_TYPE_INFORMATION: UNICODE_STRING TypeName, ULONG Reserved[22], then the characters.
      return stringInfo(buf, us + 88, e.type);
    }
    case 4:
      // OBJECT_HANDLE_FLAG_INFORMATION: BOOLEAN Inherit, BOOLEAN ProtectFromClose.
      return Uint8Array.of(e.inherit ? 1 : 0, e.protectFromClose ? 1 : 0);
    default:
      return STATUS.INVALID_INFO_CLASS;
  }
}

function setHandleFlags(ctx: ApiContext, handle: bigint, flags: bigint): number {
  const e = lookupHandle(ctx.kernel, handle);
  if (!e) return STATUS.INVALID_HANDLE;
  const [inherit, protect] = [ctx.mem.u8(flags) !== 0, ctx.mem.u8(flags + 1n) !== 0];
  e.inherit = inherit;
  e.protectFromClose = protect;
  return STATUS.SUCCESS;
}

/**
 * The default security descriptor of an object nobody set one on (self-relative): owner
 * BUILTIN\Administrators (S-1-5-32-544), group SYSTEM (S-1-5-18), a DACL granting GENERIC_ALL to
 * SYSTEM and Administrators — what Windows gives objects in the kernel's namespace.
 */
function defaultSecurity(): Uint8Array {
  const sys = [1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0];
  const admins = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
  const ace = (sid: number[]) => [0, 0, 8 + sid.length, 0, 0, 0, 0, 0x10, ...sid];
  const acl = [...ace(sys), ...ace(admins)];
  const dacl = [2, 0, 8 + acl.length, 0, 2, 0, 0, 0, ...acl];
  const hdr = [1, 0, 0x04, 0x80, 20, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 48, 0, 0, 0];
  return Uint8Array.from([...hdr, ...admins, ...sys, ...dacl]);
}

/** ObCreateObject's objects: registered with the creator's name and attributes, until ObInsertObject. */
interface Created {
  name: string | null;
  attributes: number;
  inserted: boolean;
}
const createdObjects = (ctx: ApiContext) => ctx.kernel.state("ob.created", () => new Map<bigint, Created>());

export const apis: ApiDefinition[] = [
  nt("ObOpenObjectByName", 7, (ctx) => {
    const [oa, type, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(6)];
    const { name, attributes, status } = oaName(ctx, oa);
    ctx.describe([q(name), hex(type), ctx.u32(2) & 0xff ? "UserMode" : "KernelMode", hex(ctx.arg(3)), hex(ctx.u32(4)), hex(ctx.arg(5)), hex(out)]);
    if (oa === 0n) return STATUS.INVALID_PARAMETER;
    if (status !== undefined) return status;
    if (name === null || name === "") return STATUS.OBJECT_NAME_INVALID;
    if (!name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    const want = type === 0n ? null : typeNameOf(ctx, type);
    const r = resolveName(ctx, name, want === "SymbolicLink" || (attributes & 0x100) !== 0 /* OBJ_OPENLINK */);
    if (typeof r === "number") return r;
    if (want !== null && want !== r.type) return STATUS.OBJECT_TYPE_MISMATCH;
    // The access a handle gets: DesiredAccess, or the AccessState's when one is passed (opaque here).
    writePtr(ctx.mem, out, handleFor(ctx, r, ctx.u32(4), attributes));
    return STATUS.SUCCESS;
  }),
  nt("ObCreateObject", 9, (ctx) => {
    const [type, oa] = [ctx.arg(1), ctx.arg(2)];
    const size = ctx.u32(5);
    const out = ctx.arg(8);
    const { name, attributes, status } = oaName(ctx, oa);
    ctx.describe([ctx.u32(0) & 0xff ? "UserMode" : "KernelMode", hex(type), q(name), hex(size), hex(out)]);
    if (type === 0n) ctx.fault("invalid-read", "ObCreateObject(ObjectType NULL): the object type is read", { address: "0x0" });
    readPtr(ctx.mem, type); // a wild ObjectType faults as Windows would
    if (status !== undefined) return status;
    if (name !== null && name !== "" && !name.startsWith("\\") && readPtr(ctx.mem, oa + B(OA.RootDirectory)) === 0n) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    if (size === 0 || size > MAX_BODY) return STATUS.INSUFFICIENT_RESOURCES;
    const body = ctx.kernel.kernelPool?.allocate(size, TAG_OBJECT) ?? 0n;
    if (body === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(body, new Uint8Array(size));
    const typeName = typeNameOf(ctx, type) ?? "Object";
    const created = createdObjects(ctx);
    registerObject(ctx.kernel, body, { type: typeName, ...(name ? { name } : {}), onDelete: () => (created.delete(body), ctx.kernel.kernelPool?.free(body)) });
    created.set(body, { name: name || null, attributes, inserted: false });
    // The object comes back with one reference, the creator's (ObCreateObject is undocumented;
    // ReactOS ntoskrnl/ob/oblife.c, ObpAllocateObject: PointerCount 1): a driver that never
    // inserts it drops it with ObDereferenceObject (the IrpCreateFile idiom's failure path).
    const holder = holderOf(ctx);
    if (holder) noteHeld(ctx, body, holder, "ObCreateObject");
    writePtr(ctx.mem, out, body);
    return STATUS.SUCCESS;
  }),
  nt("ObInsertObject", 6, (ctx) => {
    const [obj, , , , newObj, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5)];
    const access = ctx.u32(2);
    const bias = ctx.u32(3);
    ctx.describe([hex(obj), hex(ctx.arg(1)), hex(access), String(bias), hex(newObj), hex(out)]);
    const c = createdObjects(ctx).get(obj);
    const o = objectManager(ctx.kernel).objects.get(obj);
    if (!c || !o) return ctx.fault("bugcheck", `ObInsertObject(${hex(obj)}): not an object ObCreateObject made (BAD_OBJECT_HEADER)`, { code: "0x00000189" });
    if (c.inserted) return ctx.fault("bugcheck", `ObInsertObject(${hex(obj)}): the object is already inserted`, { code: "0x00000189" });
    c.inserted = true;
    const kernel = ctx.kernel;
    let nsName: string | undefined;
    if (c.name) {
      nsName = directoryName(c.name);
      const parent = nsName.slice(0, nsName.lastIndexOf("\\")) || "\\";
      // On failure ObInsertObject dereferences the object (Microsoft Learn): the creator's reference goes.
      const fail = (st: number) => (dereference(ctx, obj, "ObInsertObject", holderOf(ctx)), st);
      if (!directoryExists(ctx, parent)) return fail(STATUS.OBJECT_PATH_NOT_FOUND);
      if (typeof resolveName(ctx, c.name, true) !== "number") return fail(STATUS.OBJECT_NAME_COLLISION);
      if (namespaceOf(kernel).named.size >= MAX_NAMES) return fail(STATUS.INSUFFICIENT_RESOURCES);
      namespaceOf(kernel).named.set(nsName, { type: o.type, object: obj, name: c.name });
      if (!(c.attributes & OBJ_PERMANENT)) namespaceOf(kernel).temporary.add(nsName);
    }
    for (let i = 0; i < bias; i++) reference(ctx, obj, "ObInsertObject");
    if (newObj !== 0n) {
      reference(ctx, obj, "ObInsertObject", holderOf(ctx));
      writePtr(ctx.mem, newObj, obj);
    }
    if (out === 0n) return STATUS.SUCCESS; // the creator's reference stays the caller's
    const entry: HandleEntry = { type: o.type, object: obj, access, kernelHandle: (c.attributes & OBJ_KERNEL_HANDLE) !== 0, inherit: (c.attributes & OBJ_INHERIT) !== 0 };
    if (nsName) {
      const n = nsName;
      entry.data = { nsName: n };
      entry.onClose = () => nameHandleClosed(kernel, n);
    }
    writePtr(ctx.mem, out, insertHandle(kernel, entry));
    // The handle takes over the reference ObCreateObject returned.
    o.pointerCount--;
    const creator = holderOf(ctx);
    if (creator) noteDropped(kernel, obj, creator);
    return STATUS.SUCCESS;
  }),
  nt("ZwCreateDirectoryObject", 3, (ctx) => {
    const [out, oa] = [ctx.arg(0), ctx.arg(2)];
    const { name, attributes, status } = oaName(ctx, oa);
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name)]);
    if (oa === 0n) return STATUS.INVALID_PARAMETER;
    if (status !== undefined) return status;
    const kernel = ctx.kernel;
    if (name === null || name === "") {
      // An unnamed directory: a handle only.
      writePtr(ctx.mem, out, insertHandle(kernel, { type: "Directory", data: { dir: "" }, access: ctx.u32(1), kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0 }));
      return STATUS.SUCCESS;
    }
    if (!name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    const dir = directoryName(name);
    const parent = dir.slice(0, dir.lastIndexOf("\\")) || "\\";
    if (!directoryExists(ctx, parent)) return STATUS.OBJECT_PATH_NOT_FOUND;
    if (typeof resolveName(ctx, name, true) !== "number") return STATUS.OBJECT_NAME_COLLISION;
    const ns = namespaceOf(kernel);
    if (ns.named.size >= MAX_NAMES) return STATUS.INSUFFICIENT_RESOURCES;
    ns.named.set(dir, { type: "Directory", name });
    if (!(attributes & OBJ_PERMANENT)) ns.temporary.add(dir);
    writePtr(ctx.mem, out, handleFor(ctx, { type: "Directory", data: { dir, nsName: dir, name } }, ctx.u32(1), attributes));
    return STATUS.SUCCESS;
  }),
  nt("ZwCreateSymbolicLinkObject", 4, (ctx) => {
    const [out, oa, targetPtr] = [ctx.arg(0), ctx.arg(2), ctx.arg(3)];
    const { name, attributes, status } = oaName(ctx, oa);
    const target = targetPtr === 0n ? null : unicodeText(ctx.mem, targetPtr);
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name), q(target)]);
    if (oa === 0n || target === null) return STATUS.INVALID_PARAMETER;
    if (status !== undefined) return status;
    if (name === null || name === "") return STATUS.OBJECT_NAME_INVALID;
    if (!name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    const c = canonical(name);
    const parent = directoryName(c.slice(0, c.lastIndexOf("\\")) || "\\");
    if (!directoryExists(ctx, parent)) return STATUS.OBJECT_PATH_NOT_FOUND;
    if (typeof resolveName(ctx, name, true) !== "number") return STATUS.OBJECT_NAME_COLLISION;
    if (ioState(ctx.kernel).links.size >= MAX_NAMES) return STATUS.INSUFFICIENT_RESOURCES;
    ioState(ctx.kernel).links.set(c, target);
    const ns = namespaceOf(ctx.kernel);
    if (attributes & OBJ_PERMANENT) ns.temporary.delete(c);
    else ns.temporary.add(c);
    writePtr(ctx.mem, out, handleFor(ctx, { type: "SymbolicLink", data: { target, nsName: c, name } }, ctx.u32(1), attributes));
    return STATUS.SUCCESS;
  }),
  nt("ZwMakeTemporaryObject", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    const e = lookupHandle(ctx.kernel, ctx.arg(0));
    if (!e) return STATUS.INVALID_HANDLE;
    const nsName = (e.data as { nsName?: string } | undefined)?.nsName;
    // The name goes when the last handle closes (the caller still holds this one).
    if (nsName) namespaceOf(ctx.kernel).temporary.add(nsName);
    return STATUS.SUCCESS;
  }),
  nt("ZwQueryObject", 5, (ctx) => {
    const [handle, buf, ret] = [ctx.arg(0), ctx.arg(2), ctx.arg(4)];
    const cls = ctx.u32(1);
    const length = ctx.u32(3);
    ctx.describe([hex(handle), ["ObjectBasicInformation", "ObjectNameInformation", "ObjectTypeInformation", "3", "ObjectHandleFlagInformation"][cls] ?? String(cls), hex(buf), String(length), hex(ret)]);
    const e = entryOf(ctx, handle);
    if (!e) return STATUS.INVALID_HANDLE;
    const img = objectInfo(ctx, e, cls, buf);
    if (typeof img === "number") return img;
    if (ret !== 0n) ctx.mem.setU32(ret, img.length);
    if (length < img.length) return STATUS_INFO_LENGTH_MISMATCH;
    ctx.mem.write(buf, img);
    return STATUS.SUCCESS;
  }),
  nt("ZwSetInformationObject", 4, (ctx) => {
    const [handle, buf] = [ctx.arg(0), ctx.arg(2)];
    const cls = ctx.u32(1);
    const length = ctx.u32(3);
    ctx.describe([hex(handle), String(cls), hex(buf), String(length)]);
    // Only ObjectHandleFlagInformation (4) can be set (NtSetInformationObject).
    if (cls !== 4) return STATUS.INVALID_INFO_CLASS;
    if (length !== 2) return STATUS_INFO_LENGTH_MISMATCH;
    return setHandleFlags(ctx, handle, buf);
  }),
  nt("ObSetHandleAttributes", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), ctx.u32(2) & 0xff ? "UserMode" : "KernelMode"]);
    return setHandleFlags(ctx, ctx.arg(0), ctx.arg(1));
  }),
  // ObIsKernelHandle(Handle): a handle of the kernel handle table (the high bit set), not a pseudo-handle.
  nt("ObIsKernelHandle", 1, (ctx) => {
    const h = BigInt.asIntN(8 * ptrSize(), ctx.arg(0));
    return h < 0n && h !== -1n && h !== -2n && (BigInt.asUintN(32, h) & 0x80000000n) !== 0n ? 1 : 0;
  }),
  nt("NtClose", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return closeHandle(ctx, ctx.arg(0));
  }),
  nt("ObGetObjectSecurity", 3, (ctx) => {
    const [obj, out, allocated] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(obj), hex(out), hex(allocated)]);
    const known = objectManager(ctx.kernel).objects.has(obj) || obj === ctx.kernel.currentProcess || obj === ctx.kernel.currentThread;
    if (!known) {
      if (!ctx.mem.isMapped(obj, 1)) ctx.fault("invalid-read", `ObGetObjectSecurity(${hex(obj)}): the object header is read`, { address: hex(obj) });
      ctx.fault("bugcheck", `ObGetObjectSecurity(${hex(obj)}): not an object (BAD_OBJECT_HEADER)`, { code: "0x00000189" });
    }
    const img = securityOf(ctx).get(obj) ?? defaultSecurity();
    const sd = ctx.kernel.kernelPool?.allocate(img.length, TAG_SECURITY) ?? 0n;
    if (sd === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.write(sd, img);
    writePtr(ctx.mem, out, sd);
    ctx.mem.setU8(allocated, 1);
    return STATUS.SUCCESS;
  }),
  nt("ObReleaseObjectSecurity", 2, (ctx) => {
    const [sd, allocated] = [ctx.arg(0), ctx.u32(1) & 0xff];
    ctx.describe([hex(sd), allocated ? "TRUE" : "FALSE"]);
    if (sd !== 0n && allocated) ctx.kernel.kernelPool?.free(sd);
  }),
];
