/**
 * FltMgr.sys, the Filter Manager, emulated like WDFLDR.SYS: minifilter registration and its
 * lifetime. The emulated machine has no file-system stack, so no volume is ever attached: a
 * started filter gets no instance (InstanceSetupCallback is never called) and no I/O reaches its
 * pre/post-operation callbacks; everything a minifilter registers is a `callback` event.
 *
 *   FltRegisterFilter(Driver, Registration, RetFilter): FLT_REGISTRATION.Version's major version
 *     must be 2 (FLT_REGISTRATION_VERSION_0200..0203) and every FLT_OPERATION_REGISTRATION a valid
 *     major function up to IRP_MJ_OPERATION_END, else STATUS_INVALID_PARAMETER. The filter's
 *     service key needs its instance configuration — Services\<name>\Instances with a
 *     DefaultInstance naming a subkey that has an Altitude, as a minifilter's INF writes it — else
 *     STATUS_OBJECT_NAME_NOT_FOUND ("the filter service key is not found in the registry, or the
 *     filter instance is not registered"). On success the filter holds a reference on the driver
 *     object and, when the registration has a FilterUnloadCallback and does not set
 *     FLTFL_REGISTRATION_DO_NOT_SUPPORT_SERVICE_STOP, DriverObject->DriverUnload becomes the
 *     Filter Manager's own routine (the FLT_FILTER keeps the old one as OldDriverUnload). A service
 *     stop is a mandatory unload (Microsoft Learn, "When the FilterUnloadCallback Routine Is
 *     Called"): FilterUnloadCallback(FLTFL_FILTER_UNLOAD_MANDATORY); FltUnregisterFilter puts the
 *     OldDriverUnload back into the DRIVER_OBJECT (fltmgr.sys's FltUnregisterFilter does, per its
 *     public disassembly), and that routine then runs as the driver's own unload (`fltmc unload`
 *     reaches it the same way, through ZwUnloadDriver; ReactOS keeps OldDriverUnload but its
 *     FltpMiniFilterDriverUnload is an unimplemented __debugbreak(), no evidence either way).
 *     Without a FilterUnloadCallback the minifilter cannot be unloaded (the stop is refused, as on
 *     Windows).
 *   FltStartFiltering(Filter), FltUnregisterFilter(Filter): a filter pointer FltRegisterFilter did
 *     not return, or one already unregistered, is a bug check report (Windows dereferences it).
 *     FltUnregisterFilter waits until the filter's communication server ports are closed: one left
 *     open is a deadlock report.
 *
 * FLT_REGISTRATION and FLT_OPERATION_REGISTRATION (fltkernel.h) are laid out per arch
 * (layouts.ts; on x64 the callbacks start at 8, 8 bytes apart, and an operation registration is
 * 32 bytes; on x86 4 bytes apart and 20 bytes). TransactionNotificationCallback and
 * NormalizeNameComponentExCallback exist from version 0x0202, SectionNotificationCallback from 0x0203.
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { fltLayout } from "./layouts.js";
import { api, hex, readCounted, decodeUtf16 } from "../api/util.js";
import { componentState } from "../api/state.js";
import { registryOf } from "../api/zw.js";
import { addCallback, removeCallbacks } from "../api/notify.js";
import { objectManager, reference, dereference } from "../obmgr/index.js";

export const FLTMGR = "fltmgr.sys";
export const flt = (name: string, argc: number, h: ApiDefinition["handler"]) => api(FLTMGR, name, argc, h);

const B = (n: number) => BigInt(n);
const CALLBACKS: [string, number][] = [
  // [name, minimum registration minor version]
  ["InstanceSetupCallback", 0],
  ["InstanceQueryTeardownCallback", 0],
  ["InstanceTeardownStartCallback", 0],
  ["InstanceTeardownCompleteCallback", 0],
  ["GenerateFileNameCallback", 0],
  ["NormalizeNameComponentCallback", 0],
  ["NormalizeContextCleanupCallback", 0],
  ["TransactionNotificationCallback", 2],
  ["NormalizeNameComponentExCallback", 2],
  ["SectionNotificationCallback", 3],
];
const IRP_MJ_OPERATION_END = 0x80;
const MAX_OPERATIONS = 64;
const FLTFL_REGISTRATION_DO_NOT_SUPPORT_SERVICE_STOP = 0x1;
/** fltkernel.h FLT_FILTER_UNLOAD_FLAGS: the unload cannot be refused (a service stop). */
const FLTFL_FILTER_UNLOAD_MANDATORY = 1n;
const TAG_FILTER = 0x746c4946; // 'FIlt'
const FILTER_OBJECT_SIZE = 0x60;

const IRP_MJ_NAMES = ["CREATE", "CREATE_NAMED_PIPE", "CLOSE", "READ", "WRITE", "QUERY_INFORMATION", "SET_INFORMATION", "QUERY_EA", "SET_EA", "FLUSH_BUFFERS", "QUERY_VOLUME_INFORMATION", "SET_VOLUME_INFORMATION", "DIRECTORY_CONTROL", "FILE_SYSTEM_CONTROL", "DEVICE_CONTROL", "INTERNAL_DEVICE_CONTROL", "SHUTDOWN", "LOCK_CONTROL", "CLEANUP", "CREATE_MAILSLOT", "QUERY_SECURITY", "SET_SECURITY", "POWER", "SYSTEM_CONTROL", "DEVICE_CHANGE", "QUERY_QUOTA", "SET_QUOTA", "PNP"];
/** FltMgr's own operation codes ((UCHAR)-1 .. (UCHAR)-20, fltkernel.h). */
const FLT_MJ_NAMES: Record<number, string> = {
  255: "ACQUIRE_FOR_SECTION_SYNCHRONIZATION", 254: "RELEASE_FOR_SECTION_SYNCHRONIZATION", 253: "ACQUIRE_FOR_MOD_WRITE", 252: "RELEASE_FOR_MOD_WRITE",
  251: "ACQUIRE_FOR_CC_FLUSH", 250: "RELEASE_FOR_CC_FLUSH", 249: "QUERY_OPEN", 243: "FAST_IO_CHECK_IF_POSSIBLE", 242: "NETWORK_QUERY_OPEN",
  241: "MDL_READ", 240: "MDL_READ_COMPLETE", 239: "PREPARE_MDL_WRITE", 238: "MDL_WRITE_COMPLETE", 237: "VOLUME_MOUNT", 236: "VOLUME_DISMOUNT",
};
const majorName = (m: number) => (m < IRP_MJ_NAMES.length ? `IRP_MJ_${IRP_MJ_NAMES[m]}` : FLT_MJ_NAMES[m] ? `IRP_MJ_${FLT_MJ_NAMES[m]}` : null);

export interface Filter {
  address: bigint;
  driver: bigint;
  service: string;
  altitude: string;
  unloadCallback: bigint;
  /** The DriverUnload the driver had set before FltRegisterFilter replaced it. */
  savedUnload: bigint;
  started: boolean;
  unregistered: boolean;
  module: string;
}

export const fltState = componentState("fltmgr", () => ({ filters: new Map<bigint, Filter>(), ports: new Map<bigint, { filter: bigint; name: string; module: string }>(), closedPorts: new Map<bigint, string>() }));

/** The live filter a pointer names, or a bug check report (Windows dereferences a bad one). */
export function filterOf(ctx: ApiContext, p: bigint): Filter {
  const f = fltState(ctx.kernel).filters.get(p);
  if (!f) ctx.fault("bugcheck", `${ctx.api.replace(/^.*!/, "")}(${hex(p)}): not a filter FltRegisterFilter returned`, { code: "0x0000001E" });
  if (f.unregistered) ctx.fault("bugcheck", `${ctx.api.replace(/^.*!/, "")}(${hex(p)}): the filter was unregistered (FltUnregisterFilter) and its memory freed`, { code: "0x0000001E" });
  return f;
}

function serviceName(ctx: ApiContext, driver: bigint): string {
  const ext = getPtr(ctx.mem, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext === 0n) return "";
  const s = readCounted(ctx.mem, ext + B(LAYOUT.DRIVER_EXTENSION.ServiceKeyName));
  return s.buffer === 0n ? "" : decodeUtf16(ctx.mem.read(s.buffer, Math.min(s.length, 512) & ~1));
}

/** The altitude of the default instance, or why the instance configuration is missing. */
function instanceAltitude(kernel: KernelState, service: string): { altitude: string } | { missing: string } {
  const reg = registryOf(kernel);
  const key = `\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\${service}\\Instances`;
  if (!service || service.includes("\\") || !reg.openKey(key)) return { missing: `${key} does not exist` };
  const def = reg.getString(key, "DefaultInstance");
  if (!def) return { missing: `${key} has no DefaultInstance value` };
  const altitude = reg.getString(`${key}\\${def}`, "Altitude");
  if (!altitude) return { missing: `${key}\\${def} has no Altitude value` };
  return { altitude };
}

function registerFilter(ctx: ApiContext): number {
  const [driver, reg, ret] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(driver), hex(reg), hex(ret)]);
  const m = ctx.mem;
  const REG = fltLayout("FLT_REGISTRATION");
  const OP = fltLayout("FLT_OPERATION_REGISTRATION");
  if (driver === 0n || m.u16(driver + B(LAYOUT.DRIVER_OBJECT.Type)) !== 4) ctx.fault("bugcheck", `FltRegisterFilter: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
  const version = m.u16(reg + B(REG.Version!));
  const flags = m.u32(reg + B(REG.Flags!));
  if (version >> 8 !== 2 || (version & 0xff) > 3) {
    ctx.warn(`FltRegisterFilter: FLT_REGISTRATION.Version is ${hex(version)}; the Filter Manager accepts FLT_REGISTRATION_VERSION 0x0200..0x0203`);
    return STATUS.INVALID_PARAMETER;
  }
  const ops: { major: number; name: string; pre: bigint; post: bigint }[] = [];
  const opArray = getPtr(m, reg + B(REG.OperationRegistration!));
  for (let i = 0; opArray !== 0n; i++) {
    if (i >= MAX_OPERATIONS) {
      ctx.warn(`FltRegisterFilter: no IRP_MJ_OPERATION_END within ${MAX_OPERATIONS} operation registrations`);
      return STATUS.INVALID_PARAMETER;
    }
    const at = opArray + B(i * OP.$size!);
    const major = m.u8(at + B(OP.MajorFunction!));
    if (major === IRP_MJ_OPERATION_END) break;
    const name = majorName(major);
    if (name === null) {
      ctx.warn(`FltRegisterFilter: operation registration ${i} names major function ${hex(major)}, which is not an IRP_MJ_* code`);
      return STATUS.INVALID_PARAMETER;
    }
    ops.push({ major, name, pre: getPtr(m, at + B(OP.PreOperation!)), post: getPtr(m, at + B(OP.PostOperation!)) });
  }
  const service = serviceName(ctx, driver);
  const inst = instanceAltitude(ctx.kernel, service);
  if ("missing" in inst) {
    ctx.warn(`FltRegisterFilter: the filter's instance configuration is missing (${inst.missing}); a minifilter's INF writes it — give it with --registry`);
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }
  const filter = ctx.kernel.kernelPool?.allocate(FILTER_OBJECT_SIZE, TAG_FILTER) ?? 0n;
  if (filter === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  const unloadCallback = getPtr(m, reg + B(REG.FilterUnloadCallback!));
  const savedUnload = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload));
  const f: Filter = { address: filter, driver, service, altitude: inst.altitude, unloadCallback, savedUnload, started: false, unregistered: false, module: ctx.caller?.module ?? "?" };
  fltState(ctx.kernel).filters.set(filter, f);
  if (objectManager(ctx.kernel).objects.has(driver)) reference(ctx, driver, "FltRegisterFilter");
  putPtr(m, ret, filter);
  const key = filterKey(filter);
  for (const op of ops) {
    if (op.pre !== 0n) addCallback(ctx, `minifilter pre ${op.name}`, op.pre, 0n, key, inst.altitude);
    if (op.post !== 0n) addCallback(ctx, `minifilter post ${op.name}`, op.post, 0n, key, inst.altitude);
  }
  if (unloadCallback !== 0n) addCallback(ctx, "minifilter FilterUnloadCallback", unloadCallback, 0n, key, inst.altitude);
  for (const [name, minor] of CALLBACKS) {
    if ((version & 0xff) < minor) continue;
    const r = getPtr(m, reg + B(REG[name]!));
    if (r !== 0n) addCallback(ctx, `minifilter ${name}`, r, 0n, key, inst.altitude);
  }
  if (unloadCallback !== 0n && !(flags & FLTFL_REGISTRATION_DO_NOT_SUPPORT_SERVICE_STOP))
    putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), miniFilterDriverUnload(ctx.kernel));
  return STATUS.SUCCESS;
}

/** Callback registrations of one filter share this handle (removed together at FltUnregisterFilter). */
const filterKey = (filter: bigint) => filter | 1n;

/**
 * The Filter Manager's DriverUnload for a minifilter (FltpMiniFilterDriverUnload): the filter's
 * FilterUnloadCallback(FLTFL_FILTER_UNLOAD_MANDATORY), then the DriverUnload FltUnregisterFilter
 * put back, if the driver had set one before FltRegisterFilter.
 */
function miniFilterDriverUnload(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine("FltpMiniFilterDriverUnload", (ctx) => {
    const driver = ctx.arg(0);
    const mine = [...fltState(ctx.kernel).filters.values()].filter((f) => f.driver === driver && !f.unregistered);
    for (const f of mine) {
      if (f.unloadCallback === 0n) continue;
      // A service stop is a mandatory unload (Microsoft Learn, "When the FilterUnloadCallback
      // Routine Is Called"): the callback's status cannot keep the filter loaded.
      ctx.callGuest(f.unloadCallback, [FLTFL_FILTER_UNLOAD_MANDATORY]);
      if (!f.unregistered) ctx.warn(`the FilterUnloadCallback of ${f.module} returned without calling FltUnregisterFilter: the filter stays registered and its callbacks point into an unloaded image`);
    }
    // FltUnregisterFilter put back the DriverUnload the driver had set before FltRegisterFilter;
    // it runs next, as the driver's own unload routine.
    const own = getPtr(ctx.mem, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload));
    if (own !== 0n && mine.some((f) => f.unregistered && f.savedUnload === own)) ctx.callGuest(own, [driver]);
  }, 1);
}

function unregisterFilter(ctx: ApiContext): void {
  const p = ctx.arg(0);
  ctx.describe([hex(p)]);
  const f = filterOf(ctx, p);
  const open = [...fltState(ctx.kernel).ports.entries()].filter(([, port]) => port.filter === p);
  if (open.length)
    ctx.fault("deadlock", `FltUnregisterFilter(${hex(p)}): communication server port ${open.map(([, x]) => x.name).join(", ")} is still open — FltUnregisterFilter waits for it forever (close it with FltCloseCommunicationPort first)`, { selfDeadlock: true });
  f.unregistered = true;
  // The DriverUnload the driver had set before FltRegisterFilter is its unload routine again.
  if (f.savedUnload !== 0n) putPtr(ctx.mem, f.driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), f.savedUnload);
  removeCallbacks(ctx, (r) => r.handle === filterKey(p));
  if (objectManager(ctx.kernel).objects.has(f.driver)) dereference(ctx, f.driver, "FltUnregisterFilter");
  ctx.kernel.kernelPool?.free(p);
}

export const apis: ApiDefinition[] = [
  flt("FltRegisterFilter", 3, registerFilter),
  flt("FltStartFiltering", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    filterOf(ctx, ctx.arg(0)).started = true;
    return STATUS.SUCCESS;
  }),
  flt("FltUnregisterFilter", 1, (ctx) => void unregisterFilter(ctx)),
];
