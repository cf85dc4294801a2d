/**
 * WDF objects: handles (small kernel-pool blocks: a header, then the context space the
 * WDF_OBJECT_ATTRIBUTES ask for), their attributes and the parent/child tree. Deletion,
 * references and the leak report at unload: lifetime.ts.
 */
import type { ApiContext } from "../api/types.js";
import { componentState } from "../api/state.js";
import { hex } from "../api/util.js";
import { wdfLdrState } from "./ldr.js";
import { getPtr } from "../../nt/arch-layout.js";
import { wdf } from "./layouts.js";
import type { DeviceCaps } from "./devcaps.js";
import type { QueryInterface } from "./qi.js";
import type { PdoIds } from "./pdo.js";

const TAG_OBJ = 0x4f666457; // 'WdfO'
export const HEADER = 0x40; // object header before the context space

export type Kind = "driver" | "deviceInit" | "device" | "queue" | "request" | "cmResList" | "ioTarget" | "fileObject" | "memory" | "timer" | "workItem" | "waitLock" | "spinLock" | "collection" | "key" | "interrupt" | "string" | "childList" | "lookaside" | "dpc";
/** WdfDeviceInitSetFileObjectConfig: the file callbacks and the WDFFILEOBJECTs' attributes. */
export interface FileConfig {
  create: bigint;
  close: bigint;
  cleanup: bigint;
  /** The WDFFILEOBJECTs' attributes, as WdfDeviceInitSetFileObjectConfig read them. */
  attrs: ObjectAttributes;
}
export interface PnpCallbacks {
  d0Entry: bigint;
  d0Exit: bigint;
  prepareHardware: bigint;
  releaseHardware: bigint;
  selfManagedIoInit: bigint;
  selfManagedIoCleanup: bigint;
  selfManagedIoSuspend: bigint;
  selfManagedIoFlush: bigint;
  surpriseRemoval: bigint;
  queryRemove: bigint;
}
export interface WdfObject {
  handle: bigint;
  kind: Kind;
  parent: bigint | null;
  /** WDF_DRIVER_GLOBALS of the driver that created it (0 for framework-internal objects). */
  owner: bigint;
  contextSize: number;
  cleanup: bigint;
  destroy: bigint;
  /** WdfObjectReferenceActual count; an object deleted while > 0 waits for its last dereference. */
  refs: number;
  deletePending?: boolean;
  /** Deletion (fxobjectstatemachine.cpp): DeleteObject was called; disposed (cleanup callbacks run, by its own or its parent's delete); released by its parent or itself (the handle lives on while `refs` > 0, as deletePending). */
  deleted?: boolean;
  disposed?: boolean;
  released?: boolean;
  // kind-specific
  driverObject?: bigint;
  unload?: bigint;
  deviceAdd?: bigint;
  name?: string | null;
  device?: bigint; // DEVICE_OBJECT of a WDFDEVICE
  /** WdfDeviceMiniportCreate: the device object belongs to the port driver (deleting the WDFDEVICE leaves it). */
  miniport?: boolean;
  links?: string[];
  queues?: bigint[];
  events?: { def: bigint; read: bigint; write: bigint; ioctl: bigint; internal: bigint };
  irp?: bigint;
  completed?: boolean;
  /** WdfRequestSend: the status the I/O target completed the request with. */
  sentStatus?: number;
  /** PnP WDFDEVICE_INIT / WDFDEVICE: the PDO, the device below, filter, callbacks, state. */
  pdo?: bigint;
  lower?: bigint;
  filter?: boolean;
  pnp?: PnpCallbacks;
  ioType?: number;
  /** WDFDEVICE_INIT: WdfDeviceInitSetPowerPolicyOwnership (power policy itself is not emulated). */
  powerPolicyOwner?: boolean;
  deviceType?: number;
  /** WDFDEVICE_INIT: WdfDeviceInitSetCharacteristics's value (FILE_DEVICE_SECURE_OPEN is added at create). */
  characteristics?: number;
  exclusive?: boolean;
  started?: boolean;
  interfaces?: string[];
  ioTarget?: bigint;
  /** WDFDEVICE_INIT: WdfDeviceCreate consumed it (its handle may be reused by then). */
  consumed?: boolean;
  /** WDFCMRESLIST: the CM_RESOURCE_LIST it wraps. */
  resList?: bigint;
  /** WDFDEVICE_INIT / WDFDEVICE: the file object configuration. */
  fileConfig?: FileConfig;
  /** WDFFILEOBJECT: the FILE_OBJECT it stands for. */
  wdmFile?: bigint;
  /** WDFMEMORY: the buffer and its size; `pool` when the framework allocated it (WdfMemoryCreate). */
  buffer?: bigint;
  size?: bigint;
  pool?: boolean;
  preallocated?: boolean;
  /** WDFMEMORY of a user buffer locked for read: CopyFromBuffer into it fails. */
  readOnly?: boolean;
  /** WDFREQUEST: the WDFMEMORY objects and the MDLs the framework made for it (freed at completion). */
  inputMemory?: bigint;
  outputMemory?: bigint;
  mdls?: bigint[];
  /** Framework resources of the object released when it is deleted (a timer stops, a buffer is freed), before EvtCleanupCallback. */
  dispose?: (ctx: ApiContext) => void;
  /** WDFQUEUE: purged (WdfIoQueuePurge*) until WdfIoQueueStart: new requests fail with STATUS_INVALID_DEVICE_STATE. */
  purged?: boolean;
  /** WDFWORKITEM: its EvtWorkItem callback (workitem.ts). */
  workFunc?: bigint;
  /** WDFDEVICE_INIT / WDFDEVICE: EvtIoInCallerContext (WdfDeviceInitSetIoInCallerContextCallback). */
  inCallerContext?: bigint;
  /** WDFDEVICE_INIT / WDFDEVICE: EvtDeviceWdmIrpPreprocess per IRP_MJ code and the minor codes it is limited to (none: all). */
  preprocess?: Map<number, { evt: bigint; minors: number[] }>;
  /** Typed contexts (WdfObjectGetTypedContextWorker): the one of the creation attributes, then WdfObjectAllocateContext's. */
  contexts?: TypedContext[];
  /** WDFREQUEST marked cancelable: its EvtRequestCancel (cancel.ts). */
  cancelRoutine?: bigint;
  /** WDFDRIVER: the registry path WdfDriverCreate copied (a NUL-terminated UTF-16 buffer in pool; WdfDriverGetRegistryPath). */
  registryPath?: bigint;
  /** WDFQUEUE: the WDFDEVICE it was created for; its dispatch type (3 = WdfIoQueueDispatchManual). */
  queueDevice?: bigint;
  dispatchType?: number;
  /** WDFDEVICE: WdfDeviceConfigureRequestDispatching, request type (IRP_MJ code) → WDFQUEUE. */
  dispatching?: Map<number, bigint>;
  /** WDFKEY: the kernel key handle it owns (registry.ts). */
  keyHandle?: bigint;
  /** WDFDEVICE_INIT: WdfDeviceInitAssignSDDLString's string (applied by WdfDeviceCreate, as IoCreateDeviceSecure would). */
  sddl?: string;
  /** A control device init's EvtDeviceShutdownNotification and WDF_DEVICE_SHUTDOWN_FLAGS (control.ts). */
  shutdown?: { notification: bigint; flags: number };
  /** WDFDEVICE: WdfDeviceSetPnpCapabilities / WdfDeviceSetPowerCapabilities (devcaps.ts), applied to IRP_MN_QUERY_CAPABILITIES. */
  caps?: DeviceCaps;
  /** WDFDEVICE: WdfDeviceAssignS0IdleSettings accepted with idling enabled (idling itself is not emulated). */
  idleEnabled?: boolean;
  /** WDFDEVICE: WdfDeviceSetStaticStopRemove's count (FALSE +1, TRUE -1, a ULONG). */
  stopCount?: number;
  /** WDFDEVICE_INIT: WdfDeviceInitSetPowerNotPageable / Pageable / Inrush. */
  powerPageable?: boolean;
  inrush?: boolean;
  /** WDFIOTARGET made by WdfIoTargetCreate (iotarget-remote.ts): the device it was opened on (top of its stack) and the file object opened by name; undefined while closed. */
  remote?: boolean;
  targetDevice?: bigint;
  targetFile?: bigint;
  /** WDFDEVICE: interfaces WdfDeviceAddQueryInterface registered (qi.ts). */
  queryInterfaces?: QueryInterface[];
  /** WDFDEVICE (power.ts): WdfDeviceSetDeviceState's WDF_TRI_STATEs, in D0 (EvtDeviceD0Entry succeeded, no D0Exit yet), WdfDeviceStopIdle references. */
  pnpState?: number[];
  inD0?: boolean;
  powerRefs?: number;
  /** WDFDEVICE_INIT from WdfPdoInitAllocate / a framework PDO (pdo.ts): the parent WDFDEVICE, the IDs; a parent's static children. */
  pdoParent?: bigint;
  pdoIds?: PdoIds;
  isPdo?: boolean;
  staticChildren?: bigint[];
  /** WDFREQUEST the driver made with WdfRequestCreate (reqcreate.ts): it deletes it itself. */
  created?: boolean;
  /** WDFQUEUE (manual): requests held for WdfIoQueueRetrieveNextRequest, oldest first (queues.ts). */
  held?: bigint[];
  /** WDFDEVICE_INIT / WDFDEVICE: WdfDeviceInitSetRequestAttributes — the attributes (context, cleanup) of the requests the framework creates for the device. */
  requestAttrs?: ObjectAttributes;
  /** WDFREQUEST moved to another queue with WdfRequestForwardToIoQueue, or sent on to an I/O target (reqsend.ts). */
  forwarded?: boolean;
  /** WDFQUEUE: WdfIoQueueStop until WdfIoQueueStart (requests are held, not delivered). */
  stopped?: boolean;
  /** Runs before the object's cleanup when it is deleted (a work item is flushed: workitem.ts). */
  beforeDelete?: (ctx: ApiContext) => void;
}

/**
 * A context of an object: `type` is the WDF_OBJECT_CONTEXT_TYPE_INFO's UniqueType (the type info
 * itself when UniqueType is NULL), the framework's key for it; `pool` when allocated apart from the
 * object (WdfObjectAllocateContext), with its own cleanup / destroy callbacks.
 */
export interface TypedContext {
  type: bigint;
  address: bigint;
  size: number;
  pool?: boolean;
  cleanup?: bigint;
  destroy?: bigint;
}

/** The key of a context type: WDF_OBJECT_CONTEXT_TYPE_INFO.UniqueType, or the type info itself when NULL (0 for none). */
export function contextKey(ctx: ApiContext, info: bigint): bigint {
  if (info === 0n) return 0n;
  const unique = getPtr(ctx.mem, info + BigInt(wdf("WDF_OBJECT_CONTEXT_TYPE_INFO").UniqueType));
  return unique !== 0n ? unique : info;
}

export const wdfState = componentState("wdf", () => ({ objects: new Map<bigint, WdfObject>(), byDevice: new Map<bigint, bigint>() }));

/** What a WDF_OBJECT_ATTRIBUTES says (the framework reads it when the call is made: it may be on the caller's stack). */
export interface ObjectAttributes {
  contextSize: number;
  cleanup: bigint;
  destroy: bigint;
  parent: bigint | null;
  /** The context's type (contextKey of ContextTypeInfo; 0 when none). */
  contextType?: bigint;
}

export function readAttributes(ctx: ApiContext, attrs: bigint): ObjectAttributes {
  if (attrs === 0n) return { contextSize: 0, cleanup: 0n, destroy: 0n, parent: null };
  const m = ctx.mem;
  const A = wdf("WDF_OBJECT_ATTRIBUTES");
  const at = (f: keyof typeof A) => getPtr(m, attrs + BigInt(A[f]));
  const override = Number(at("ContextSizeOverride"));
  const info = at("ContextTypeInfo");
  const contextSize = override || (info !== 0n ? Number(getPtr(m, info + BigInt(wdf("WDF_OBJECT_CONTEXT_TYPE_INFO").ContextSize))) : 0);
  if (contextSize > 0x100000) ctx.fault("bugcheck", `${ctx.api}: context size ${hex(contextSize)} is not plausible (WDF_OBJECT_ATTRIBUTES at ${hex(attrs)})`, { code: "0x0000010D" });
  return { contextSize, cleanup: at("EvtCleanupCallback"), destroy: at("EvtDestroyCallback"), parent: at("ParentObject") || null, contextType: contextKey(ctx, info) };
}

/** A new object with the attributes at `attrs` (a guest address, read now) or read earlier. */
export function newObject(ctx: ApiContext, kind: Kind, attrs: bigint | ObjectAttributes, extra: Partial<WdfObject> = {}): WdfObject {
  const { contextSize, cleanup, destroy, parent, contextType } = typeof attrs === "bigint" ? readAttributes(ctx, attrs) : attrs;
  const handle = ctx.kernel.kernelPool?.allocate(HEADER + contextSize, TAG_OBJ) ?? 0n;
  if (handle === 0n) ctx.fault("internal", `${ctx.api}: no kernel pool for a WDF object`);
  ctx.mem.write(handle, new Uint8Array(HEADER + contextSize));
  const owner = wdfLdrState(ctx.kernel).bindings.has(ctx.arg(0)) ? ctx.arg(0) : 0n;
  const o: WdfObject = { handle, kind, parent, owner, contextSize, cleanup, destroy, refs: 0, ...extra };
  if (contextSize > 0) o.contexts = [{ type: contextType ?? 0n, address: handle + BigInt(HEADER), size: contextSize }];
  wdfState(ctx.kernel).objects.set(handle, o);
  return o;
}

/** A KMDF verifier bug check: WDF_VIOLATION (0x10D). */
/** FxDeviceBase::_SearchForDevice: the parent chain reaches a WDFDEVICE. */
export function underDevice(ctx: ApiContext, h: bigint): boolean {
  const st = wdfState(ctx.kernel);
  let o = st.objects.get(h);
  for (let i = 0; o && i < 64; i++) {
    if (o.kind === "device") return true;
    o = o.parent === null ? undefined : st.objects.get(o.parent);
  }
  return false;
}

export function wdfViolation(ctx: ApiContext, message: string): never {
  ctx.fault("bugcheck", `${message} (WDF_VIOLATION)`, { code: "0x0000010D" });
  throw new Error("unreachable");
}

/** FxPointerNotNull: a required pointer that is NULL is a WDF_VIOLATION bug check. */
export function required(ctx: ApiContext, p: bigint, what: string): void {
  if (p === 0n) wdfViolation(ctx, `${ctx.api}: ${what} is NULL (WDF_REQUIRED_PARAMETER_IS_NULL)`);
}

/**
 * The checks a Create DDI of an object that needs a parent starts with (WdfDpcCreate, WdfTimerCreate:
 * fxdpcapi.cpp, fxtimerapi.cpp): no ParentObject in the attributes → validateAttributes' status (a
 * number); else the parent object (a bad handle is a WDF_VIOLATION), then Config and the output
 * pointer named `outName` must not be NULL.
 */
export function parentedCreate(ctx: ApiContext, attrs: bigint, config: bigint, out: bigint, outName: string): WdfObject | number {
  const parentAt = attrs + BigInt(wdf("WDF_OBJECT_ATTRIBUTES").ParentObject);
  if (attrs === 0n || getPtr(ctx.mem, parentAt) === 0n) return validateAttributes(ctx, attrs, { parentRequired: true });
  const parent = objectOf(ctx, getPtr(ctx.mem, parentAt), null, "Attributes->ParentObject");
  required(ctx, config, "Config");
  required(ctx, out, outName);
  return parent;
}

/**
 * FxValidateObjectAttributes (src/framework/shared/object/fxvalidatefunctions.cpp): NULL
 * attributes are fine unless a parent is required (STATUS_WDF_PARENT_NOT_SPECIFIED); a wrong Size
 * is STATUS_INFO_LENGTH_MISMATCH; ContextSizeOverride without a type, or an Invalid (0) or unknown
 * execution level / synchronization scope, STATUS_WDF_OBJECT_ATTRIBUTES_INVALID; a scope or level
 * other than InheritFromParent where the object takes none, STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID
 * / STATUS_WDF_EXECUTION_LEVEL_INVALID.
 */
export function validateAttributes(ctx: ApiContext, attrs: bigint, o: { parentRequired: boolean; executionLevel?: boolean; syncScope?: boolean }): number {
  if (attrs === 0n) return o.parentRequired ? STATUS_WDF_PARENT_NOT_SPECIFIED : 0;
  const m = ctx.mem;
  const A = wdf("WDF_OBJECT_ATTRIBUTES");
  if (m.u32(attrs + BigInt(A.Size)) !== A.$size) return 0xc0000004; // STATUS_INFO_LENGTH_MISMATCH
  const info = getPtr(m, attrs + BigInt(A.ContextTypeInfo));
  const override = getPtr(m, attrs + BigInt(A.ContextSizeOverride));
  if (override > 0n && (info === 0n || override < getPtr(m, info + BigInt(wdf("WDF_OBJECT_CONTEXT_TYPE_INFO").ContextSize)))) return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
  if (o.parentRequired && getPtr(m, attrs + BigInt(A.ParentObject)) === 0n) return STATUS_WDF_PARENT_NOT_SPECIFIED;
  const level = m.u32(attrs + BigInt(A.ExecutionLevel));
  const scope = m.u32(attrs + BigInt(A.SynchronizationScope));
  if (level === 0 || level > 3 || scope === 0 || scope > 4) return STATUS_WDF_OBJECT_ATTRIBUTES_INVALID;
  if (!o.syncScope && scope !== 1) return 0xc0200210; // STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID
  if (!o.executionLevel && level !== 1) return 0xc0200211; // STATUS_WDF_EXECUTION_LEVEL_INVALID
  return 0;
}
export const STATUS_WDF_PARENT_NOT_SPECIFIED = 0xc0200212;
export const STATUS_WDF_OBJECT_ATTRIBUTES_INVALID = 0xc0200209;

export function objectOf(ctx: ApiContext, h: bigint, kind: Kind | null, what: string): WdfObject {
  const o = wdfState(ctx.kernel).objects.get(h);
  if (!o || o.deletePending || (kind !== null && o.kind !== kind))
    ctx.fault("bugcheck", `${ctx.api}: ${what} ${hex(h)} is not a ${kind === null ? "live WDF object" : `live WDF ${kind} handle`} (WDF_VIOLATION)`, { code: "0x0000010D" });
  return o;
}

/** The object's memory and its pool contexts go (lifetime.ts decides when). */
export function free(ctx: ApiContext, o: WdfObject): void {
  wdfState(ctx.kernel).objects.delete(o.handle);
  for (const c of o.contexts ?? []) if (c.pool) ctx.kernel.kernelPool?.free(c.address);
  ctx.kernel.kernelPool?.free(o.handle);
}
