/**
 * Notify routines and callbacks: process/thread/image notify routines, object manager callbacks
 * (ObRegisterCallbacks), registry callbacks (CmRegisterCallback(Ex)), callback objects
 * (ExCreateCallback/ExRegisterCallback/ExNotifyCallback), shutdown, bug check, NMI, PnP and
 * power-setting notifications. Each registration and removal is a `callback` trace event naming
 * the routine; `callbacksOf` lists what a module left registered (Windows calls such a routine
 * after the driver unloaded: a crash waiting to happen).
 *
 * Status codes and limits follow the Microsoft Learn pages of each routine: duplicate or missing
 * routines → STATUS_INVALID_PARAMETER / STATUS_PROCEDURE_NOT_FOUND; the Ex process notify routine
 * and ObRegisterCallbacks need an image linked with /INTEGRITYCHECK (STATUS_ACCESS_DENIED).
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { reference, registerObject } from "./ob.js";
import { holderOf } from "../obmgr/index.js";

const B = (n: number) => BigInt(n);
const STATUS_PROCEDURE_NOT_FOUND = 0xc000007a;
const STATUS_FLT_INSTANCE_ALTITUDE_COLLISION = 0xc01c0011;
const MAX_NOTIFY = 64;
const OB_FLT_REGISTRATION_VERSION = 0x100;

export interface Registration {
  kind: string;
  routine: bigint;
  context: bigint;
  module: string;
  /** Cookie / handle the driver got back (0 when the routine itself is the key). */
  handle: bigint;
  altitude?: string;
  /** What the registration is for (IoRegisterPlugPlayNotification: category and class GUID). */
  data?: unknown;
}
interface NotifyState {
  regs: Registration[];
  nextCookie: bigint;
  /** Callback objects (ExCreateCallback): address → name and whether several callbacks are allowed. */
  callbackObjects: Map<bigint, { name: string; multiple: boolean }>;
}
/** Callback objects Windows creates at boot (Learn: ExCreateCallback, "Using a System-Defined Callback Object"). */
const SYSTEM_CALLBACKS = ["\\callback\\setsystemtime", "\\callback\\powerstate", "\\callback\\processoradd"];
const notifyState = (kernel: KernelState) => kernel.state<NotifyState>("notify", () => ({ regs: [], nextCookie: 0x1000n, callbackObjects: new Map() }));

/** Registrations whose routine lies in `module` (for the end-of-run report). */
export function callbacksOf(kernel: KernelState, module: string): Registration[] {
  return notifyState(kernel).regs.filter((r) => r.module.toLowerCase() === module.toLowerCase());
}

function routineName(ctx: ApiContext, r: bigint): string {
  return ctx.kernel.where?.(r) ?? hex(r);
}
function event(ctx: ApiContext, action: "register" | "unregister" | "invoke", r: Registration): void {
  ctx.kernel.emit?.({ event: "callback", module: ctx.caller?.module ?? "?", action, kind: r.kind, routine: routineName(ctx, r.routine), ...(r.altitude ? { altitude: r.altitude } : {}) });
}

function add(ctx: ApiContext, kind: string, routine: bigint, context = 0n, handle = 0n, altitude?: string): Registration {
  const r: Registration = { kind, routine, context, module: ctx.kernel.moduleAt?.(routine) ?? ctx.caller?.module ?? "?", handle, ...(altitude ? { altitude } : {}) };
  notifyState(ctx.kernel).regs.push(r);
  event(ctx, "register", r);
  return r;
}
function removeWhere(ctx: ApiContext, pred: (r: Registration) => boolean): Registration | null {
  const st = notifyState(ctx.kernel);
  const i = st.regs.findIndex(pred);
  if (i < 0) return null;
  const [r] = st.regs.splice(i, 1);
  event(ctx, "unregister", r!);
  return r!;
}
/** For other components that register callbacks (the Filter Manager): a `callback` register event. */
export function addCallback(ctx: ApiContext, kind: string, routine: bigint, context: bigint, handle: bigint, altitude?: string): Registration {
  return add(ctx, kind, routine, context, handle, altitude);
}
/** Remove every registration `pred` selects (one `unregister` event each); how many. */
export function removeCallbacks(ctx: ApiContext, pred: (r: Registration) => boolean): number {
  let n = 0;
  while (removeWhere(ctx, pred)) n++;
  return n;
}
/** For other components registering callbacks here (the PnP manager's notifications): one list, one `callback` event stream, one left-registered report. */
export function registerCallback(ctx: ApiContext, kind: string, routine: bigint, context: bigint, handle: bigint, data?: unknown): Registration {
  const r = add(ctx, kind, routine, context, handle);
  if (data !== undefined) r.data = data;
  return r;
}
export function unregisterCallback(ctx: ApiContext, pred: (r: Registration) => boolean): Registration | null {
  return removeWhere(ctx, pred);
}
export function registrations(kernel: KernelState, kind: string): Registration[] {
  return notifyState(kernel).regs.filter((r) => r.kind === kind);
}
/** A new registration handle (pool block) as the other notify routines use. */
export function newCallbackHandle(ctx: ApiContext): bigint {
  return newHandle(ctx);
}

const count = (ctx: ApiContext, kind: string) => notifyState(ctx.kernel).regs.filter((r) => r.kind === kind).length;

/**
 * IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY (0x80) of the module containing `address`, read from its
 * mapped headers. Without it the routine returns STATUS_ACCESS_DENIED, as Windows does; the warning
 * says why (`refusal: "integrity-check"`: kmdll triage counts a DriverEntry failing after it as a
 * refusal Windows makes too).
 */
function forceIntegrity(ctx: ApiContext, address: bigint): boolean {
  const mods = ctx.kernel.loadedModules?.() ?? [];
  const m = mods.find((x) => address >= x.base && address < x.base + BigInt(x.size));
  const pe = m && ctx.mem.isMapped(m.base, 0x40) ? m.base + B(ctx.mem.u32(m.base + 0x3cn)) : null;
  if (pe !== null && ctx.mem.isMapped(pe, 0x60) && (ctx.mem.u16(pe + 0x5en) & 0x80) !== 0) return true;
  ctx.warn(`the callback routine ${hex(address)} is not in an image linked with /INTEGRITYCHECK (IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY): STATUS_ACCESS_DENIED, as on Windows`, { refusal: "integrity-check" });
  return false;
}

function notifyPair(kind: string, setName: string, removeName: string | null, argc: number, checkIntegrity = false): ApiDefinition[] {
  const out: ApiDefinition[] = [];
  out.push(
    nt(setName, argc, (ctx) => {
      const routine = ctx.arg(0);
      const remove = removeName === null && argc >= 2 ? (ctx.u32(1) & 0xff) !== 0 : false;
      ctx.describe([routineName(ctx, routine), ...(removeName === null && argc >= 2 ? [remove ? "TRUE" : "FALSE"] : [])]);
      if (remove) return removeWhere(ctx, (r) => r.kind === kind && r.routine === routine) ? STATUS.SUCCESS : STATUS.INVALID_PARAMETER;
      if (routine === 0n) return STATUS.INVALID_PARAMETER;
      if (checkIntegrity && !forceIntegrity(ctx, routine)) return STATUS.ACCESS_DENIED;
      if (notifyState(ctx.kernel).regs.some((r) => r.kind === kind && r.routine === routine)) return STATUS.INVALID_PARAMETER;
      if (count(ctx, kind) >= MAX_NOTIFY) return STATUS.INSUFFICIENT_RESOURCES;
      add(ctx, kind, routine);
      return STATUS.SUCCESS;
    }),
  );
  if (removeName)
    out.push(
      nt(removeName, 1, (ctx) => {
        ctx.describe([routineName(ctx, ctx.arg(0))]);
        return removeWhere(ctx, (r) => r.kind === kind && r.routine === ctx.arg(0)) ? STATUS.SUCCESS : STATUS_PROCEDURE_NOT_FOUND;
      }),
    );
  return out;
}

/** A registration handle: a small kernel pool block, so drivers can treat it as an opaque pointer. */
function newHandle(ctx: ApiContext): bigint {
  const st = notifyState(ctx.kernel);
  const h = ctx.kernel.kernelPool?.allocate(16, 0x6b6c6243 /* 'Cblk' */) ?? 0n;
  if (h !== 0n) return h;
  st.nextCookie += 0x10n;
  return st.nextCookie;
}

export const apis: ApiDefinition[] = [
  ...notifyPair("process", "PsSetCreateProcessNotifyRoutine", null, 2),
  ...notifyPair("process-ex", "PsSetCreateProcessNotifyRoutineEx", null, 2, true),
  ...notifyPair("thread", "PsSetCreateThreadNotifyRoutine", "PsRemoveCreateThreadNotifyRoutine", 1),
  ...notifyPair("image", "PsSetLoadImageNotifyRoutine", "PsRemoveLoadImageNotifyRoutine", 1),
  nt("ObGetFilterVersion", 0, () => OB_FLT_REGISTRATION_VERSION),
  nt("ObRegisterCallbacks", 2, (ctx) => {
    const reg = ctx.arg(0);
    const out = ctx.arg(1);
    const version = ctx.mem.u16(reg);
    const n = ctx.mem.u16(reg + 2n);
    // OB_CALLBACK_REGISTRATION (wdm.h): Version, OperationRegistrationCount, Altitude (UNICODE_STRING
    // at pointer alignment), RegistrationContext, OperationRegistration: x64 8/24/32, x86 4/12/16.
    const P = B(ptrSize());
    const us = B(LAYOUT.UNICODE_STRING.$size);
    const altitude = unicodeText(ctx.mem, reg + P) ?? "";
    const context = readPtr(ctx.mem, reg + P + us);
    const ops = readPtr(ctx.mem, reg + 2n * P + us);
    ctx.describe([`{Version ${hex(version)}, ${n} operation(s), Altitude ${q(altitude)}}`, hex(out)]);
    if (version !== OB_FLT_REGISTRATION_VERSION || n === 0 || ops === 0n || altitude === "") return STATUS.INVALID_PARAMETER;
    const routines: bigint[] = [];
    for (let i = 0; i < n; i++) {
      // OB_OPERATION_REGISTRATION: ObjectType (POBJECT_TYPE *), Operations (ULONG), PreOperation, PostOperation.
      const o = ops + B(i * 4) * P;
      const typePtr = readPtr(ctx.mem, o);
      const operations = ctx.mem.u32(o + P);
      const pre = readPtr(ctx.mem, o + 2n * P);
      const post = readPtr(ctx.mem, o + 3n * P);
      if (typePtr === 0n || operations === 0 || (operations & ~3) !== 0 || (pre === 0n && post === 0n)) return STATUS.INVALID_PARAMETER;
      routines.push(pre !== 0n ? pre : post);
    }
    if (!routines.every((r) => forceIntegrity(ctx, r))) return STATUS.ACCESS_DENIED;
    if (notifyState(ctx.kernel).regs.some((r) => r.kind === "object" && r.altitude === altitude)) return STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
    const h = newHandle(ctx);
    for (const r of routines) add(ctx, "object", r, context, h, altitude);
    writePtr(ctx.mem, out, h);
    return STATUS.SUCCESS;
  }),
  nt("ObUnRegisterCallbacks", 1, (ctx) => {
    const h = ctx.arg(0);
    let any = false;
    while (removeWhere(ctx, (r) => r.kind === "object" && r.handle === h)) any = true;
    if (!any) ctx.fault("bugcheck", `ObUnRegisterCallbacks(${hex(h)}): not a registration handle`, { code: "0x0000000A" });
    ctx.kernel.kernelPool?.free(h);
  }),
  nt("CmRegisterCallback", 3, (ctx) => {
    const fn = ctx.arg(0);
    ctx.describe([routineName(ctx, fn), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    if (fn === 0n || ctx.arg(2) === 0n) return STATUS.INVALID_PARAMETER;
    const cookie = (notifyState(ctx.kernel).nextCookie += 1n);
    add(ctx, "registry", fn, ctx.arg(1), cookie);
    writePtr(ctx.mem, ctx.arg(2), cookie);
    return STATUS.SUCCESS;
  }),
  nt("CmRegisterCallbackEx", 6, (ctx) => {
    const fn = ctx.arg(0);
    const altitude = unicodeText(ctx.mem, ctx.arg(1)) ?? "";
    ctx.describe([routineName(ctx, fn), q(altitude), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    if (fn === 0n || ctx.arg(4) === 0n || altitude === "") return STATUS.INVALID_PARAMETER;
    if (notifyState(ctx.kernel).regs.some((r) => r.kind === "registry" && r.altitude === altitude)) return STATUS_FLT_INSTANCE_ALTITUDE_COLLISION;
    const cookie = (notifyState(ctx.kernel).nextCookie += 1n);
    add(ctx, "registry", fn, ctx.arg(3), cookie, altitude);
    writePtr(ctx.mem, ctx.arg(4), cookie);
    return STATUS.SUCCESS;
  }),
  nt("CmUnRegisterCallback", 1, (ctx) => (removeWhere(ctx, (r) => r.kind === "registry" && r.handle === ctx.arg(0)) ? STATUS.SUCCESS : STATUS.INVALID_PARAMETER)),
  // ---- callback objects
  nt("ExCreateCallback", 4, (ctx) => {
    const out = ctx.arg(0);
    const oa = ctx.arg(1);
    const create = (ctx.u32(2) & 0xff) !== 0;
    const namePtr = oa === 0n ? 0n : readPtr(ctx.mem, oa + B(LAYOUT.OBJECT_ATTRIBUTES.ObjectName));
    const name = namePtr === 0n ? null : unicodeText(ctx.mem, namePtr);
    ctx.describe([hex(out), q(name), create ? "TRUE" : "FALSE", ctx.u32(3) & 0xff ? "TRUE" : "FALSE"]);
    // Learn (ExCreateCallback): unnamed callback objects are not permitted — STATUS_UNSUCCESSFUL.
    if (!name) return STATUS.UNSUCCESSFUL;
    const st = notifyState(ctx.kernel);
    // The object comes back referenced (ObDereferenceObject releases it); callback objects stay
    // for the whole run here (the list below keeps them), so they are permanent objects.
    const opened = (obj: bigint) => (reference(ctx, obj, "ExCreateCallback", holderOf(ctx)), writePtr(ctx.mem, out, obj), STATUS.SUCCESS);
    for (const [obj, c] of st.callbackObjects) if (c.name.toLowerCase() === name.toLowerCase()) return opened(obj);
    // The system's own callback objects exist from boot (Learn, "Using a System-Defined Callback
    // Object"): opened with Create FALSE too; they take several registrations.
    const system = SYSTEM_CALLBACKS.includes(name.toLowerCase());
    if (!create && !system) return STATUS.OBJECT_NAME_NOT_FOUND;
    const obj = ctx.kernel.kernelPool?.allocate(0x40, 0x6b626c43 /* 'Clbk' */) ?? 0n;
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    st.callbackObjects.set(obj, { name, multiple: system || (ctx.u32(3) & 0xff) !== 0 });
    registerObject(ctx.kernel, obj, { type: "Callback", name, permanent: true, pointerCount: 0 });
    return opened(obj);
  }),
  nt("ExRegisterCallback", 3, (ctx) => {
    const obj = ctx.arg(0);
    const c = notifyState(ctx.kernel).callbackObjects.get(obj);
    ctx.describe([hex(obj), routineName(ctx, ctx.arg(1)), hex(ctx.arg(2))]);
    if (!c) return ctx.fault("bugcheck", `ExRegisterCallback(${hex(obj)}): not a callback object`, { code: "0x0000000A" });
    if (!c.multiple && notifyState(ctx.kernel).regs.some((r) => r.kind === `callback:${hex(obj)}`)) return 0n;
    const h = newHandle(ctx);
    add(ctx, `callback:${hex(obj)}`, ctx.arg(1), ctx.arg(2), h);
    return h;
  }),
  nt("ExUnregisterCallback", 1, (ctx) => {
    if (!removeWhere(ctx, (r) => r.kind.startsWith("callback:") && r.handle === ctx.arg(0)))
      ctx.fault("bugcheck", `ExUnregisterCallback(${hex(ctx.arg(0))}): not a registration handle`, { code: "0x0000000A" });
    ctx.kernel.kernelPool?.free(ctx.arg(0));
  }),
  nt("ExNotifyCallback", 3, (ctx) => {
    const kind = `callback:${hex(ctx.arg(0))}`;
    for (const r of notifyState(ctx.kernel).regs.filter((x) => x.kind === kind)) {
      event(ctx, "invoke", r);
      ctx.callGuest(r.routine, [r.context, ctx.arg(1), ctx.arg(2)]);
    }
  }),
  // ---- shutdown, bug check, NMI
  ...(["IoRegisterShutdownNotification", "IoRegisterLastChanceShutdownNotification"] as const).map((name) =>
    nt(name, 1, (ctx) => {
      const dev = ctx.arg(0);
      if (dev === 0n) return STATUS.INVALID_PARAMETER;
      add(ctx, name === "IoRegisterShutdownNotification" ? "shutdown" : "last-chance-shutdown", readPtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.DriverObject)), 0n, dev);
      return STATUS.SUCCESS;
    }),
  ),
  nt("IoUnregisterShutdownNotification", 1, (ctx) => {
    while (removeWhere(ctx, (r) => (r.kind === "shutdown" || r.kind === "last-chance-shutdown") && r.handle === ctx.arg(0)));
  }),
  nt("KeRegisterBugCheckCallback", 5, (ctx) => {
    const rec = ctx.arg(0);
    if (notifyState(ctx.kernel).regs.some((r) => r.kind === "bugcheck" && r.handle === rec)) return 0;
    add(ctx, "bugcheck", ctx.arg(1), ctx.arg(2), rec);
    return 1;
  }),
  nt("KeDeregisterBugCheckCallback", 1, (ctx) => (removeWhere(ctx, (r) => r.kind === "bugcheck" && r.handle === ctx.arg(0)) ? 1 : 0)),
  nt("KeRegisterBugCheckReasonCallback", 4, (ctx) => {
    const rec = ctx.arg(0);
    if (notifyState(ctx.kernel).regs.some((r) => r.kind === "bugcheck-reason" && r.handle === rec)) return 0;
    add(ctx, "bugcheck-reason", ctx.arg(1), BigInt(ctx.u32(2)), rec);
    return 1;
  }),
  nt("KeDeregisterBugCheckReasonCallback", 1, (ctx) => (removeWhere(ctx, (r) => r.kind === "bugcheck-reason" && r.handle === ctx.arg(0)) ? 1 : 0)),
  nt("KeRegisterNmiCallback", 2, (ctx) => {
    if (ctx.arg(0) === 0n) return 0n;
    const h = newHandle(ctx);
    add(ctx, "nmi", ctx.arg(0), ctx.arg(1), h);
    return h;
  }),
  nt("KeDeregisterNmiCallback", 1, (ctx) => {
    if (!removeWhere(ctx, (r) => r.kind === "nmi" && r.handle === ctx.arg(0))) return STATUS.INVALID_HANDLE;
    ctx.kernel.kernelPool?.free(ctx.arg(0));
    return STATUS.SUCCESS;
  }),
  // ---- power settings, PnP notifications, system state
  nt("PoRegisterPowerSettingCallback", 5, (ctx) => {
    const cb = ctx.arg(2);
    if (cb === 0n || ctx.arg(1) === 0n || ctx.arg(4) === 0n) return STATUS.INVALID_PARAMETER;
    const h = newHandle(ctx);
    add(ctx, "power-setting", cb, ctx.arg(3), h);
    writePtr(ctx.mem, ctx.arg(4), h);
    return STATUS.SUCCESS;
  }),
  nt("PoUnregisterPowerSettingCallback", 1, (ctx) => {
    if (!removeWhere(ctx, (r) => r.kind === "power-setting" && r.handle === ctx.arg(0))) return STATUS.INVALID_PARAMETER;
    ctx.kernel.kernelPool?.free(ctx.arg(0));
    return STATUS.SUCCESS;
  }),
  // IoRegisterPlugPlayNotification / IoUnregisterPlugPlayNotification(Ex): src/emu/pnp/notify.ts (they deliver).
];

// PsSetCreateThreadNotifyRoutineEx(NotifyType, NotifyInformation) (Learn, Windows 10 1709):
// PsCreateThreadNotifyNonSystem (0) or PsCreateThreadNotifySubsystems (1), the routine as
// NotifyInformation; the same registrations PsRemoveCreateThreadNotifyRoutine removes.
export const threadNotifyEx: ApiDefinition = nt("PsSetCreateThreadNotifyRoutineEx", 2, (ctx) => {
  const type = ctx.u32(0);
  const routine = ctx.arg(1);
  ctx.describe([type === 0 ? "PsCreateThreadNotifyNonSystem" : type === 1 ? "PsCreateThreadNotifySubsystems" : String(type), routineName(ctx, routine)]);
  if (type > 1 || routine === 0n) return STATUS.INVALID_PARAMETER;
  if (notifyState(ctx.kernel).regs.some((r) => r.kind === "thread" && r.routine === routine)) return STATUS.INVALID_PARAMETER;
  if (count(ctx, "thread") >= MAX_NOTIFY) return STATUS.INSUFFICIENT_RESOURCES;
  add(ctx, "thread", routine);
  return STATUS.SUCCESS;
});

// PsSetCreateProcessNotifyRoutineEx2(NotifyType, NotifyInformation, Remove) (Learn, Windows 10
// 1703): PsCreateProcessNotifySubsystems (0) only; the routine is a PCREATE_PROCESS_NOTIFY_ROUTINE_EX
// and, as for PsSetCreateProcessNotifyRoutineEx, its image must be linked with /INTEGRITYCHECK.
export const processNotifyEx2: ApiDefinition = nt("PsSetCreateProcessNotifyRoutineEx2", 3, (ctx) => {
  const type = ctx.u32(0);
  const routine = ctx.arg(1);
  const remove = (ctx.u32(2) & 0xff) !== 0;
  ctx.describe([type === 0 ? "PsCreateProcessNotifySubsystems" : String(type), routineName(ctx, routine), remove ? "TRUE" : "FALSE"]);
  if (type !== 0) return STATUS.INVALID_PARAMETER;
  if (remove) return removeWhere(ctx, (r) => r.kind === "process-ex" && r.routine === routine) ? STATUS.SUCCESS : STATUS.INVALID_PARAMETER;
  if (routine === 0n) return STATUS.INVALID_PARAMETER;
  if (!forceIntegrity(ctx, routine)) return STATUS.ACCESS_DENIED;
  if (notifyState(ctx.kernel).regs.some((r) => r.kind === "process-ex" && r.routine === routine)) return STATUS.INVALID_PARAMETER;
  if (count(ctx, "process-ex") >= MAX_NOTIFY) return STATUS.INSUFFICIENT_RESOURCES;
  add(ctx, "process-ex", routine);
  return STATUS.SUCCESS;
});

/**
 * A process exited (ZwTerminateProcess, procctl.ts): every process notify routine is called as
 * Windows calls them at process deletion — PCREATE_PROCESS_NOTIFY_ROUTINE(ParentId, ProcessId,
 * Create = FALSE), PCREATE_PROCESS_NOTIFY_ROUTINE_EX(Process, ProcessId, CreateInfo = NULL) —
 * each an `invoke` callback event.
 */
export function notifyProcessExit(ctx: ApiContext, process: bigint, pid: number, parent: number): void {
  for (const r of registrations(ctx.kernel, "process")) {
    event(ctx, "invoke", r);
    ctx.callGuest(r.routine, [B(parent), B(pid), 0n]);
  }
  for (const r of registrations(ctx.kernel, "process-ex")) {
    event(ctx, "invoke", r);
    ctx.callGuest(r.routine, [process, B(pid), 0n]);
  }
}
