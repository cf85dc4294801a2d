/**
 * The I/O manager: driver, device and file objects, the \Device object namespace and symbolic
 * links, IRPs with their stack locations (laid out exactly as wdm.h, so the header-inlined
 * IoGetCurrentIrpStackLocation / IoGetNextIrpStackLocation / IoSetCompletionRoutine /
 * IoSkipCurrentIrpStackLocation work on them), IoCallDriver (the target's dispatch routine runs as
 * a nested guest call), IoCompleteRequest with completion routines, device stacks, and the
 * interface tracker of dynamic linking (SPEC §8): interfaces returned by IRP_MN_QUERY_INTERFACE
 * or by an internal IOCTL are counted through their InterfaceReference/InterfaceDereference.
 *
 * Every offset comes from src/nt/layouts.ts (generated from the DDK headers).
 * The routines work on an `IoEnv` so the executor can send IRPs "from user mode" (the `ioctl`
 * step of `kmdll sim`) with the same code the handlers use.
 */
import type { ApiContext, ApiDefinition, GuestMemory, KernelState } from "./types.js";
import type { FaultKind, TraceEvent } from "../../events.js";
import { L64 } from "../../nt/layouts.js";
import { STATUS, formatStatus, ntSuccess } from "../../nt/status.js";
import { currentProcess } from "./ps.js";
import { objectManager, reference, dereference, registerObject } from "./ob.js";
import { describeUnicode, hex, nt, unicodeText, upcaseChar } from "./util.js";

const B = (n: number) => BigInt(n);
const D = L64.DRIVER_OBJECT;
const DEV = L64.DEVICE_OBJECT;
const DX = L64.DEVOBJ_EXTENSION;
const IRP = L64.IRP;
const SL = L64.IO_STACK_LOCATION;
const IOSB = L64.IO_STATUS_BLOCK;
const FO = L64.FILE_OBJECT;
const MDL = L64.MDL;
const INTF = L64.INTERFACE;

// ---- wdm.h constants
export const IRP_MJ = {
  CREATE: 0x00, CLOSE: 0x02, READ: 0x03, WRITE: 0x04, DEVICE_CONTROL: 0x0e, INTERNAL_DEVICE_CONTROL: 0x0f, CLEANUP: 0x12, PNP: 0x1b,
} as const;
export const IRP_MJ_COUNT = 28;
const IRP_MJ_NAMES = ["IRP_MJ_CREATE", "IRP_MJ_CREATE_NAMED_PIPE", "IRP_MJ_CLOSE", "IRP_MJ_READ", "IRP_MJ_WRITE", "IRP_MJ_QUERY_INFORMATION", "IRP_MJ_SET_INFORMATION", "IRP_MJ_QUERY_EA", "IRP_MJ_SET_EA", "IRP_MJ_FLUSH_BUFFERS", "IRP_MJ_QUERY_VOLUME_INFORMATION", "IRP_MJ_SET_VOLUME_INFORMATION", "IRP_MJ_DIRECTORY_CONTROL", "IRP_MJ_FILE_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CONTROL", "IRP_MJ_INTERNAL_DEVICE_CONTROL", "IRP_MJ_SHUTDOWN", "IRP_MJ_LOCK_CONTROL", "IRP_MJ_CLEANUP", "IRP_MJ_CREATE_MAILSLOT", "IRP_MJ_QUERY_SECURITY", "IRP_MJ_SET_SECURITY", "IRP_MJ_POWER", "IRP_MJ_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CHANGE", "IRP_MJ_QUERY_QUOTA", "IRP_MJ_SET_QUOTA", "IRP_MJ_PNP"];
export const majorName = (m: number): string => IRP_MJ_NAMES[m] ?? `IRP_MJ_0x${m.toString(16)}`;
export const IRP_MN_QUERY_INTERFACE = 0x08;
const IO_TYPE_DEVICE = 3;
const IO_TYPE_FILE = 5;
const IO_TYPE_IRP = 6;
const IO_TYPE_DEVICE_OBJECT_EXTENSION = 13;
export const DO_BUFFERED_IO = 0x4;
const DO_EXCLUSIVE = 0x8;
export const DO_DIRECT_IO = 0x10;
const DO_DEVICE_HAS_NAME = 0x40;
export const DO_DEVICE_INITIALIZING = 0x80;
const IRP_BUFFERED_IO = 0x10;
const IRP_DEALLOCATE_BUFFER = 0x20;
const IRP_INPUT_OPERATION = 0x40;
const SL_PENDING_RETURNED = 0x01;
const SL_INVOKE_ON_CANCEL = 0x20;
const SL_INVOKE_ON_SUCCESS = 0x40;
const SL_INVOKE_ON_ERROR = 0x80;
const MDL_MAPPED_TO_SYSTEM_VA = 0x1;
const MDL_SOURCE_IS_NONPAGED_POOL = 0x4;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
const STATUS_NO_SUCH_DEVICE = 0xc000000e;
const KernelMode = 0;
export const UserMode = 1;
const TAG_DEVICE = 0x20766544; // 'Dev '
const TAG_FILE = 0x656c6946; // 'File'
const TAG_IRP = 0x20707249; // 'Irp '
const TAG_BUF = 0x20667542; // 'Buf '
const TAG_MDL = 0x206c644d; // 'Mdl '

/** CTL_CODE(t,f,m,a) = t<<16 | a<<14 | f<<2 | m. */
export const ioctlMethod = (code: number): number => code & 3;
const METHOD_NAMES = ["METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT", "METHOD_NEITHER"];

/** What the I/O routines need: guest memory, the kernel state, guest calls, warnings, faults. */
export interface IoEnv {
  mem: GuestMemory;
  kernel: KernelState;
  /** Module sending the request ("ifclient.sys"), or "user" for user-mode requests. */
  from: string;
  callGuest(address: bigint, args: bigint[]): bigint;
  warn(message: string, extra?: Record<string, unknown>): void;
  fault(kind: FaultKind, message: string, extra?: Record<string, unknown>): never;
}

export function envOf(ctx: ApiContext): IoEnv {
  return {
    mem: ctx.mem,
    kernel: ctx.kernel,
    from: ctx.caller?.module ?? "ntoskrnl.exe",
    callGuest: (a, args) => ctx.callGuest(a, args),
    warn: (m, e) => ctx.warn(m, e),
    fault: (k, m, e) => ctx.fault(k, m, e),
  };
}

// ---------------------------------------------------------------- state

export interface DeviceInfo {
  address: bigint;
  name: string | null;
  driver: bigint;
  /** The device this one is attached on top of (IoAttachDeviceToDeviceStack). */
  attachedTo: bigint | null;
  deleted: boolean;
}

export interface IrpInfo {
  /** "built": IoBuildDeviceIoControlRequest / IoBuildSynchronousFsdRequest (freed on completion); "allocated": IoAllocateIrp; "user": the ioctl step. */
  kind: "built" | "allocated" | "user";
  /** Who sent it (module name or "user"). */
  from: string;
  /** METHOD_BUFFERED copy-back (system buffer → user buffer) on completion. */
  copyBack?: { system: bigint; user: bigint; length: number };
  systemBuffer?: bigint;
  mdl?: bigint;
  /** Interface-returning request: where the interface lands and what to call it. */
  interfaceAt?: { address: bigint; length: number; what: string; provider: bigint };
  completed: boolean;
  /** Filled when the IRP completes. */
  result?: { status: number; information: bigint };
  freed: boolean;
}

export interface InterfaceInfo {
  key: string;
  /** "GUID {6a1f...}" or "IOCTL 0x80002003". */
  what: string;
  provider: string;
  holder: string;
  context: bigint;
  reference: bigint;
  dereference: bigint;
  count: number;
  references: number;
  dereferences: number;
}

export interface IoState {
  devices: Map<bigint, DeviceInfo>;
  /** Upper-case object name → device. */
  names: Map<string, bigint>;
  /** Upper-case symbolic link name → target name (as given). */
  links: Map<string, string>;
  irps: Map<bigint, IrpInfo>;
  interfaces: Map<string, InterfaceInfo>;
  /** Wrapper thunk address → [interface key, action]. */
  wrappers: Map<string, bigint>;
}

export function ioState(kernel: KernelState): IoState {
  return kernel.state("io", () => ({ devices: new Map(), names: new Map(), links: new Map(), irps: new Map(), interfaces: new Map(), wrappers: new Map() }));
}

function emit(env: IoEnv, e: TraceEvent): void {
  env.kernel.emit?.(e);
}
function where(env: IoEnv, a: bigint): string {
  return env.kernel.where?.(a) ?? hex(a);
}
function moduleOf(env: IoEnv, a: bigint): string | null {
  return env.kernel.moduleAt?.(a) ?? null;
}

function kalloc(env: IoEnv, size: number, tag: number): bigint {
  const p = env.kernel.kernelPool;
  if (!p) env.fault("internal", "the emulator core provides no kernel pool (KernelState.kernelPool)");
  const a = p.allocate(size, tag);
  if (a === 0n) env.fault("internal", `kernel pool exhausted allocating ${size} bytes`);
  return a;
}
function kfree(env: IoEnv, a: bigint): void {
  env.kernel.kernelPool?.free(a);
}

// ---------------------------------------------------------------- names

/** Canonical object name: upper case, `\??\` and `\DosDevices\` as `\GLOBAL??\`. */
function canonical(name: string): string {
  let s = "";
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(upcaseChar(name.charCodeAt(i)));
  if (s.startsWith("\\??\\")) s = "\\GLOBAL??\\" + s.slice(4);
  else if (s.startsWith("\\DOSDEVICES\\")) s = "\\GLOBAL??\\" + s.slice(12);
  return s;
}

/** The device an object name refers to (following symbolic links), or null. */
export function lookupDevice(kernel: KernelState, name: string): bigint | null {
  const io = ioState(kernel);
  let n = canonical(name);
  for (let hops = 0; hops < 8; hops++) {
    const d = io.names.get(n);
    if (d !== undefined) return d;
    const t = io.links.get(n);
    if (t === undefined) return null;
    n = canonical(t);
  }
  return null;
}

/** "\Device\IfProvider", or "funcdrv.sys (unnamed device)". */
export function deviceLabel(env: { kernel: KernelState; mem: GuestMemory }, dev: bigint): string {
  const info = ioState(env.kernel).devices.get(dev);
  if (info?.name) return info.name;
  const drv = info ? info.driver : safeU64(env.mem, dev + B(DEV.DriverObject));
  const start = drv ? safeU64(env.mem, drv + B(D.DriverStart)) : 0n;
  const mod = start ? env.kernel.moduleAt?.(start) : null;
  return `${mod ?? "?"} (unnamed device)`;
}

function safeU64(mem: GuestMemory, a: bigint): bigint {
  try {
    return mem.u64(a);
  } catch {
    return 0n;
  }
}

// ---------------------------------------------------------------- devices

/** The highest device attached on top of `dev` (IoGetAttachedDevice). */
export function attachedTop(mem: GuestMemory, dev: bigint): bigint {
  let d = dev;
  for (let i = 0; i < 64; i++) {
    const up = mem.u64(d + B(DEV.AttachedDevice));
    if (up === 0n) return d;
    d = up;
  }
  return d;
}

export function createDevice(env: IoEnv, driver: bigint, extSize: number, name: string | null, type: number, characteristics: number, exclusive: boolean): { status: number; device: bigint } {
  const io = ioState(env.kernel);
  if (name !== null) {
    if (!name.startsWith("\\")) return { status: STATUS.OBJECT_PATH_SYNTAX_BAD, device: 0n };
    const c = canonical(name);
    if (io.names.has(c) || io.links.has(c)) return { status: STATUS.OBJECT_NAME_COLLISION, device: 0n };
  }
  const extOff = (DEV.$size + 15) & ~15;
  const dxOff = (extOff + extSize + 15) & ~15;
  const total = dxOff + DX.$size;
  const dev = kalloc(env, total, TAG_DEVICE);
  const m = env.mem;
  m.setU16(dev + B(DEV.Type), IO_TYPE_DEVICE);
  m.setU16(dev + B(DEV.Size), (DEV.$size + extSize) & 0xffff);
  m.setU32(dev + B(DEV.ReferenceCount), 0);
  m.setU64(dev + B(DEV.DriverObject), driver);
  m.setU64(dev + B(DEV.NextDevice), m.u64(driver + B(D.DeviceObject)));
  m.setU64(driver + B(D.DeviceObject), dev);
  m.setU32(dev + B(DEV.Flags), DO_DEVICE_INITIALIZING | (exclusive ? DO_EXCLUSIVE : 0) | (name !== null ? DO_DEVICE_HAS_NAME : 0));
  m.setU32(dev + B(DEV.Characteristics), characteristics);
  m.setU64(dev + B(DEV.DeviceExtension), extSize > 0 ? dev + B(extOff) : 0n);
  m.setU32(dev + B(DEV.DeviceType), type);
  m.setU8(dev + B(DEV.StackSize), 1);
  const dx = dev + B(dxOff);
  m.setU16(dx + B(DX.Type), IO_TYPE_DEVICE_OBJECT_EXTENSION);
  m.setU16(dx + B(DX.Size), DX.$size);
  m.setU64(dx + B(DX.DeviceObject), dev);
  m.setU64(dev + B(DEV.DeviceObjectExtension), dx);
  io.devices.set(dev, { address: dev, name, driver, attachedTo: null, deleted: false });
  if (name !== null) io.names.set(canonical(name), dev);
  registerObject(env.kernel, dev, {
    type: "Device",
    ...(name !== null ? { name } : {}),
    onDelete: () => {
      io.devices.delete(dev);
      kfree(env, dev);
    },
  });
  return { status: STATUS.SUCCESS, device: dev };
}

function deleteDevice(ctx: ApiContext, dev: bigint): void {
  const env = envOf(ctx);
  const io = ioState(ctx.kernel);
  const info = io.devices.get(dev);
  if (!info || info.deleted) return ctx.fault("bugcheck", `IoDeleteDevice(${hex(dev)}): not a device object kmdll created (or deleted twice)`, { code: "0x00000018" });
  const m = ctx.mem;
  if (m.u64(dev + B(DEV.AttachedDevice)) !== 0n)
    ctx.warn(`IoDeleteDevice(${deviceLabel(env, dev)}): ${deviceLabel(env, m.u64(dev + B(DEV.AttachedDevice)))} is still attached on top of it (IoDetachDevice first)`);
  // Unlink from the driver's device list.
  let link = info.driver + B(D.DeviceObject);
  for (let i = 0; i < 4096; i++) {
    const cur = m.u64(link);
    if (cur === 0n) break;
    if (cur === dev) {
      m.setU64(link, m.u64(dev + B(DEV.NextDevice)));
      break;
    }
    link = cur + B(DEV.NextDevice);
  }
  if (info.name !== null) io.names.delete(canonical(info.name));
  if (info.attachedTo !== null) {
    m.setU64(info.attachedTo + B(DEV.AttachedDevice), 0n);
    info.attachedTo = null;
  }
  info.deleted = true;
  dereference(ctx, dev, "IoDeleteDevice");
}

/** After DriverEntry succeeds, the I/O manager clears DO_DEVICE_INITIALIZING on the devices it created. */
export function driverEntryDone(mem: GuestMemory, driver: bigint): void {
  for (const d of devicesOf(mem, driver)) mem.setU32(d + B(DEV.Flags), mem.u32(d + B(DEV.Flags)) & ~DO_DEVICE_INITIALIZING);
}

/** Devices still in a driver object's list (for the unload warning). */
export function devicesOf(mem: GuestMemory, driver: bigint): bigint[] {
  const out: bigint[] = [];
  let d = mem.u64(driver + B(D.DeviceObject));
  while (d !== 0n && out.length < 4096) {
    out.push(d);
    d = mem.u64(d + B(DEV.NextDevice));
  }
  return out;
}

// ---------------------------------------------------------------- IRPs

function stackAt(irp: bigint, index: number): bigint {
  return irp + B(IRP.$size) + B(index * SL.$size);
}

/** IoInitializeIrp: an IRP of `stackSize` locations at `irp` (zeroed), current location one past the last. */
function initIrp(mem: GuestMemory, irp: bigint, stackSize: number, kernel: KernelState): void {
  const size = IRP.$size + stackSize * SL.$size;
  mem.write(irp, new Uint8Array(size));
  mem.setU16(irp + B(IRP.Type), IO_TYPE_IRP);
  mem.setU16(irp + B(IRP.Size), size & 0xffff);
  mem.setU8(irp + B(IRP.StackCount), stackSize);
  mem.setU8(irp + B(IRP.CurrentLocation), stackSize + 1);
  mem.setU64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), stackAt(irp, stackSize));
  mem.setU64(irp + B(IRP.ThreadListEntry), irp + B(IRP.ThreadListEntry));
  mem.setU64(irp + B(IRP.ThreadListEntry) + 8n, irp + B(IRP.ThreadListEntry));
  mem.setU64(irp + B(IRP["Tail.Overlay.Thread"]), kernel.currentThread ?? 0n);
}

export function allocateIrp(env: IoEnv, stackSize: number, kind: IrpInfo["kind"]): bigint {
  if (stackSize < 1 || stackSize > 64) env.fault("bugcheck", `IoAllocateIrp: stack size ${stackSize} is out of range`, { code: "0x00000035" });
  const irp = kalloc(env, IRP.$size + stackSize * SL.$size, TAG_IRP);
  initIrp(env.mem, irp, stackSize, env.kernel);
  ioState(env.kernel).irps.set(irp, { kind, from: env.from, completed: false, freed: false });
  return irp;
}

function releaseIrp(env: IoEnv, irp: bigint, info: IrpInfo): void {
  if (info.systemBuffer) kfree(env, info.systemBuffer);
  if (info.mdl) kfree(env, info.mdl);
  info.systemBuffer = undefined;
  info.mdl = undefined;
  info.freed = true;
  ioState(env.kernel).irps.delete(irp);
  // A later IoCompleteRequest/IoFreeIrp of the same pointer then fails the IRP type check.
  env.mem.setU16(irp + B(IRP.Type), 0);
  kfree(env, irp);
}

/** The next stack location (IoGetNextIrpStackLocation). */
export function nextStack(mem: GuestMemory, irp: bigint): bigint {
  return mem.u64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
}

function makeMdl(env: IoEnv, buffer: bigint, length: number): bigint {
  const mdl = kalloc(env, MDL.$size, TAG_MDL);
  const m = env.mem;
  m.setU16(mdl + B(MDL.Size), MDL.$size);
  m.setU16(mdl + B(MDL.MdlFlags), MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL);
  m.setU64(mdl + B(MDL.Process), 0n);
  m.setU64(mdl + B(MDL.MappedSystemVa), buffer);
  m.setU64(mdl + B(MDL.StartVa), buffer & ~0xfffn);
  m.setU32(mdl + B(MDL.ByteCount), length);
  m.setU32(mdl + B(MDL.ByteOffset), Number(buffer & 0xfffn));
  return mdl;
}

export interface IoctlRequest {
  code: number;
  device: bigint;
  input: bigint;
  inputLength: number;
  output: bigint;
  outputLength: number;
  internal: boolean;
  event: bigint;
  iosb: bigint;
  requestorMode: number;
  fileObject?: bigint;
}

/** IoBuildDeviceIoControlRequest: the IRP with the buffers of the IOCTL's transfer method. */
export function buildIoctlIrp(env: IoEnv, r: IoctlRequest, kind: IrpInfo["kind"]): bigint {
  const m = env.mem;
  const stackSize = m.u8(r.device + B(DEV.StackSize)) || 1;
  const irp = allocateIrp(env, stackSize, kind);
  const info = ioState(env.kernel).irps.get(irp)!;
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), r.internal ? IRP_MJ.INTERNAL_DEVICE_CONTROL : IRP_MJ.DEVICE_CONTROL);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"]), r.code >>> 0);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"]), r.inputLength);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]), r.outputLength);
  if (r.fileObject) m.setU64(sl + B(SL.FileObject), r.fileObject);
  const method = ioctlMethod(r.code);
  if (method === 0) {
    const len = Math.max(r.inputLength, r.outputLength);
    if (len > 0) {
      const sys = kalloc(env, len, TAG_BUF);
      if (r.inputLength > 0 && r.input !== 0n) m.write(sys, m.read(r.input, r.inputLength));
      m.setU64(irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      info.systemBuffer = sys;
      let flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
      if (r.outputLength > 0 && r.output !== 0n) {
        flags |= IRP_INPUT_OPERATION;
        info.copyBack = { system: sys, user: r.output, length: r.outputLength };
      }
      m.setU32(irp + B(IRP.Flags), flags);
    }
    m.setU64(irp + B(IRP.UserBuffer), r.output);
  } else if (method === 1 || method === 2) {
    if (r.inputLength > 0 && r.input !== 0n) {
      const sys = kalloc(env, r.inputLength, TAG_BUF);
      m.write(sys, m.read(r.input, r.inputLength));
      m.setU64(irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      m.setU32(irp + B(IRP.Flags), IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER);
      info.systemBuffer = sys;
    }
    if (r.outputLength > 0 && r.output !== 0n) {
      const mdl = makeMdl(env, r.output, r.outputLength);
      m.setU64(irp + B(IRP.MdlAddress), mdl);
      info.mdl = mdl;
    }
    m.setU64(irp + B(IRP.UserBuffer), r.output);
  } else {
    m.setU64(sl + B(SL["Parameters.DeviceIoControl.Type3InputBuffer"]), r.input);
    m.setU64(irp + B(IRP.UserBuffer), r.output);
  }
  m.setU8(irp + B(IRP.RequestorMode), r.requestorMode);
  m.setU64(irp + B(IRP.UserIosb), r.iosb);
  m.setU64(irp + B(IRP.UserEvent), r.event);
  if (r.internal && r.outputLength >= INTF.$size && r.output !== 0n) {
    // Candidate interface: checked when the IRP completes successfully.
    info.interfaceAt = { address: r.output, length: r.outputLength, what: `IOCTL 0x${(r.code >>> 0).toString(16).toUpperCase().padStart(8, "0")}`, provider: r.device };
  }
  return irp;
}

/**
 * IoCallDriver: move to the next stack location, record the device in it, run the driver's
 * dispatch routine for the location's major function (nested guest call); trace an `irp` event.
 */
export function callDriver(env: IoEnv, dev: bigint, irp: bigint): number {
  const m = env.mem;
  const io = ioState(env.kernel);
  if (dev === 0n || !m.isMapped(dev, DEV.$size)) env.fault("invalid-read", `IoCallDriver: device object ${hex(dev)} is not mapped`, { address: dev });
  const loc = m.u8(irp + B(IRP.CurrentLocation)) - 1;
  if (loc <= 0) env.fault("bugcheck", `IoCallDriver(${deviceLabel(env, dev)}): the IRP has no stack location left (NO_MORE_IRP_STACK_LOCATIONS)`, { code: "0x00000035" });
  m.setU8(irp + B(IRP.CurrentLocation), loc);
  const sl = m.u64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
  m.setU64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), sl);
  m.setU64(sl + B(SL.DeviceObject), dev);
  const major = m.u8(sl + B(SL.MajorFunction));
  const minor = m.u8(sl + B(SL.MinorFunction));
  const driver = m.u64(dev + B(DEV.DriverObject));
  const routine = m.u64(driver + B(D.MajorFunction) + B(8 * (major < IRP_MJ_COUNT ? major : 0)));
  const info = io.irps.get(irp);
  // A query-interface request: remember where the interface lands.
  if (major === IRP_MJ.PNP && minor === IRP_MN_QUERY_INTERFACE && info && !info.interfaceAt) {
    const out = m.u64(sl + B(SL["Parameters.QueryInterface.Interface"]));
    const guid = m.u64(sl + B(SL["Parameters.QueryInterface.InterfaceType"]));
    info.interfaceAt = { address: out, length: m.u16(sl + B(SL["Parameters.QueryInterface.Size"])), what: `GUID ${guidText(m, guid)}`, provider: dev };
  }
  const ioctl = major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL ? m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])) : undefined;
  const from = info?.from ?? env.from;
  if (major >= IRP_MJ_COUNT) env.fault("bugcheck", `IoCallDriver(${deviceLabel(env, dev)}): major function 0x${major.toString(16)} is out of range`, { code: "0x00000044" });
  const driverModule = moduleOf(env, m.u64(driver + B(D.DriverStart))) ?? "?";
  if (!env.kernel.moduleAt?.(routine)) env.fault("invalid-fetch", `IoCallDriver(${deviceLabel(env, dev)}, ${majorName(major)}): the dispatch routine ${hex(routine)} of ${driverModule} is not in a loaded module (was the driver unloaded?)`, { address: routine });
  const status = Number(BigInt.asUintN(32, env.callGuest(routine, [dev, irp]))) >>> 0;
  emit(env, {
    event: "irp",
    major,
    minor,
    ...(ioctl !== undefined ? { ioctl: `0x${ioctl.toString(16).toUpperCase().padStart(8, "0")}` } : {}),
    from,
    to: deviceLabel(env, dev),
    status: formatStatus(status),
    name: majorName(major) + (major === IRP_MJ.PNP && minor === IRP_MN_QUERY_INTERFACE ? "/IRP_MN_QUERY_INTERFACE" : ""),
    driver: driverModule,
    dispatch: where(env, routine),
  } as TraceEvent);
  return status;
}

function guidText(mem: GuestMemory, g: bigint): string {
  if (g === 0n || !mem.isMapped(g, 16)) return "(none)";
  const b = mem.read(g, 16);
  const h = (i: number, n: number, le: boolean) => {
    const s = Array.from(b.slice(i, i + n));
    return (le ? s.reverse() : s).map((x) => x.toString(16).padStart(2, "0")).join("");
  };
  return `{${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}}`;
}

/**
 * IoCompleteRequest: walk the stack locations up from the current one, calling the completion
 * routine stored in each (as IoSetCompletionRoutine left it) when its condition holds;
 * STATUS_MORE_PROCESSING_REQUIRED stops the walk (the routine owns the IRP). Then the I/O manager's
 * part: copy buffered output back, fill the caller's IO_STATUS_BLOCK, signal its event, free the IRP.
 */
export function completeRequest(env: IoEnv, irp: bigint): void {
  const m = env.mem;
  const io = ioState(env.kernel);
  const info = io.irps.get(irp);
  const count = m.u8(irp + B(IRP.StackCount));
  let loc = m.u8(irp + B(IRP.CurrentLocation));
  // IopfCompleteRequest's own check (WRK): a location past the end or not an IRP at all.
  if (info?.completed || loc > count + 1 || m.u16(irp + B(IRP.Type)) !== IO_TYPE_IRP)
    env.fault("bugcheck", `IoCompleteRequest(${hex(irp)}): ${info?.completed ? "the IRP was already completed" : "not an IRP in progress"} (MULTIPLE_IRP_COMPLETE_REQUESTS)`, { code: "0x00000044" });
  const status = () => m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
  // Only an ASSERT in checked builds of Windows: a warning here.
  if (status() === STATUS.PENDING) env.warn(`IoCompleteRequest(${hex(irp)}) with IoStatus.Status = STATUS_PENDING (set the final status before completing)`);
  while (loc <= count) {
    const sl = m.u64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const control = m.u8(sl + B(SL.Control));
    const routine = m.u64(sl + B(SL.CompletionRoutine));
    const context = m.u64(sl + B(SL.Context));
    const pending = control & SL_PENDING_RETURNED;
    m.setU8(irp + B(IRP.PendingReturned), pending ? 1 : 0);
    // IoSkipCurrentIrpStackLocation: up one location.
    loc++;
    m.setU8(irp + B(IRP.CurrentLocation), loc);
    m.setU64(irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), sl + B(SL.$size));
    const ok = ntSuccess(status());
    const cancel = m.u8(irp + B(IRP.Cancel)) !== 0;
    const invoke = routine !== 0n && ((ok && control & SL_INVOKE_ON_SUCCESS) || (!ok && control & SL_INVOKE_ON_ERROR) || (cancel && control & SL_INVOKE_ON_CANCEL));
    // IopClearStackLocation
    m.setU8(sl + B(SL.MinorFunction), 0);
    m.setU8(sl + B(SL.Flags), 0);
    m.setU8(sl + B(SL.Control), 0);
    m.setU64(sl + B(SL.CompletionRoutine), 0n);
    m.setU64(sl + B(SL.Context), 0n);
    if (invoke) {
      const upper = loc <= count ? m.u64(sl + B(SL.$size) + B(SL.DeviceObject)) : 0n;
      const r = Number(BigInt.asUintN(32, env.callGuest(routine, [upper, irp, context]))) >>> 0;
      if (r === STATUS_MORE_PROCESSING_REQUIRED) return;
    } else if (loc <= count && pending) {
      const up = sl + B(SL.$size);
      m.setU8(up + B(SL.Control), m.u8(up + B(SL.Control)) | SL_PENDING_RETURNED);
    }
  }
  finishIrp(env, irp);
}

/** The I/O manager's completion of an IRP it built: output copy-back, IO_STATUS_BLOCK, event, free. */
function finishIrp(env: IoEnv, irp: bigint): void {
  const m = env.mem;
  const io = ioState(env.kernel);
  const info = io.irps.get(irp);
  const st = m.u32(irp + B(IRP.IoStatus) + B(IOSB.Status));
  const information = m.u64(irp + B(IRP.IoStatus) + B(IOSB.Information));
  if (!info || info.kind === "allocated") {
    // An IRP the driver allocated itself must be reclaimed by its completion routine
    // (STATUS_MORE_PROCESSING_REQUIRED + IoFreeIrp); Windows would queue an APC to a thread it does not have.
    if (info) {
      info.completed = true;
      info.result = { status: st, information };
      env.warn(`IoCompleteRequest(${hex(irp)}): an IRP from IoAllocateIrp finished its completion without a routine returning STATUS_MORE_PROCESSING_REQUIRED; free it with IoFreeIrp in a completion routine`);
    }
    return;
  }
  info.completed = true;
  info.result = { status: st, information };
  if (ntSuccess(st) && info.copyBack && info.copyBack.user !== 0n) {
    const n = Math.min(Number(BigInt.asUintN(32, information)), info.copyBack.length);
    if (n > 0) m.write(info.copyBack.user, m.read(info.copyBack.system, n));
  }
  if (ntSuccess(st) && info.interfaceAt) trackInterface(env, info, info.interfaceAt);
  const iosb = m.u64(irp + B(IRP.UserIosb));
  if (iosb !== 0n) {
    m.setU32(iosb + B(IOSB.Status), st);
    m.setU64(iosb + B(IOSB.Information), information);
  }
  const ev = m.u64(irp + B(IRP.UserEvent));
  if (ev !== 0n) m.setU32(ev + B(L64.DISPATCHER_HEADER.SignalState), 1);
  if (info.kind === "built") releaseIrp(env, irp, info);
}

// ---------------------------------------------------------------- interfaces

function inDriverImage(env: IoEnv, a: bigint): string | null {
  const mod = moduleOf(env, a);
  return mod && mod !== "ntoskrnl.exe" && mod !== "hal.dll" ? mod : null;
}

/**
 * A query-interface IRP or an internal IOCTL completed successfully with an INTERFACE-headed
 * structure: the exporter has called InterfaceReference once (the documented contract), so the
 * count starts at 1; the Reference/Dereference pointers are replaced by kernel thunks that count
 * and forward, so the requester's later calls are seen.
 */
function trackInterface(env: IoEnv, info: IrpInfo, at: NonNullable<IrpInfo["interfaceAt"]>): void {
  const m = env.mem;
  const a = at.address;
  if (a === 0n || !m.isMapped(a, INTF.$size)) return;
  const size = m.u16(a + B(INTF.Size));
  const ref = m.u64(a + B(INTF.InterfaceReference));
  const deref = m.u64(a + B(INTF.InterfaceDereference));
  const context = m.u64(a + B(INTF.Context));
  const provider = inDriverImage(env, ref);
  if (size < INTF.$size || ref === 0n || deref === 0n || !provider || !inDriverImage(env, deref)) return;
  const io = ioState(env.kernel);
  const key = `${hex(ref)}/${hex(deref)}/${hex(context)}`;
  let it = io.interfaces.get(key);
  if (!it) {
    it = { key, what: at.what, provider, holder: info.from, context, reference: ref, dereference: deref, count: 0, references: 0, dereferences: 0 };
    io.interfaces.set(key, it);
  }
  it.count++;
  it.references++;
  emit(env, { event: "interface", action: "reference", count: it.count, module: provider, interface: it.what, provider, holder: it.holder, by: "exporter (before completing the request)", routine: where(env, ref), context: hex(context) });
  const refThunk = wrapper(env, "reference", ref);
  const derefThunk = wrapper(env, "dereference", deref);
  if (refThunk !== null) m.setU64(a + B(INTF.InterfaceReference), refThunk);
  if (derefThunk !== null) m.setU64(a + B(INTF.InterfaceDereference), derefThunk);
}

/** A kernel thunk standing for an interface's Reference/Dereference routine: counts, then calls it. */
function wrapper(env: IoEnv, action: "reference" | "dereference", target: bigint): bigint | null {
  const reg = env.kernel.internalRoutine;
  if (!reg) return null;
  const io = ioState(env.kernel);
  const name = `Interface${action === "reference" ? "Reference" : "Dereference"}@${hex(target)}`;
  const existing = io.wrappers.get(name);
  if (existing !== undefined) return existing;
  const routineName = `Interface${action === "reference" ? "Reference" : "Dereference"} (${where(env, target)})`;
  const addr = reg(name, (ctx) => {
    const context = ctx.arg(0);
    const s = ioState(ctx.kernel);
    const it = [...s.interfaces.values()].find((x) => (action === "reference" ? x.reference : x.dereference) === target && x.context === context) ??
      [...s.interfaces.values()].find((x) => (action === "reference" ? x.reference : x.dereference) === target);
    if (!ctx.kernel.moduleAt?.(target)) ctx.fault("invalid-fetch", `${routineName}: ${it?.provider ?? "the provider"} is no longer loaded; calling through the interface jumps to unmapped memory`, { address: target });
    if (it) {
      if (action === "reference") {
        it.count++;
        it.references++;
      } else {
        it.count--;
        it.dereferences++;
      }
      ctx.kernel.emit?.({ event: "interface", action, count: it.count, module: ctx.caller?.module ?? "?", interface: it.what, provider: it.provider, holder: it.holder, routine: ctx.kernel.where?.(target) ?? hex(target), context: hex(context) });
      if (it.count < 0) ctx.warn(`InterfaceDereference of ${it.what} (${it.provider}) below zero: more dereferences than references`);
    }
    return ctx.callGuest(target, [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)]);
  });
  io.wrappers.set(name, addr);
  return addr;
}

/** Interfaces whose references were not all dereferenced: one `leak` event each (end of a simulation). */
export function interfaceLeaks(kernel: KernelState): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const it of ioState(kernel).interfaces.values()) {
    if (it.count <= 0) continue;
    out.push({
      event: "leak",
      kind: "interface",
      module: it.holder,
      interface: it.what,
      provider: it.provider,
      count: it.count,
      references: it.references,
      dereferences: it.dereferences,
      message: `${it.count} reference(s) to the ${it.what} interface of ${it.provider} never dereferenced (${it.references} reference(s), ${it.dereferences} dereference(s); obtained by ${it.holder})`,
    });
  }
  return out;
}

// ---------------------------------------------------------------- file objects

/**
 * Open a device like ZwCreateFile + ObReferenceObjectByHandle: a FILE_OBJECT on it (referencing
 * it), IRP_MJ_CREATE sent to the top of its stack. Returns the status and the referenced file.
 */
export function openDevice(env: IoEnv, dev: bigint, requestorMode: number): { status: number; file: bigint; top: bigint } {
  const m = env.mem;
  const top = attachedTop(m, dev);
  // IopCheckDeviceAndDriver: a device still initializing cannot be opened. The I/O manager clears
  // the flag for devices created in DriverEntry; others must clear it themselves.
  if (m.u32(dev + B(DEV.Flags)) & DO_DEVICE_INITIALIZING) return { status: STATUS_NO_SUCH_DEVICE, file: 0n, top };
  const file = kalloc(env, FO.$size, TAG_FILE);
  m.setU16(file + B(FO.Type), IO_TYPE_FILE);
  m.setU16(file + B(FO.Size), FO.$size);
  m.setU64(file + B(FO.DeviceObject), dev);
  m.setU8(file + B(FO.ReadAccess), 1);
  m.setU8(file + B(FO.WriteAccess), 1);
  reference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
  // DEVICE_OBJECT.ReferenceCount counts open file objects (IopReferenceDeviceObject).
  m.setU32(dev + B(DEV.ReferenceCount), m.u32(dev + B(DEV.ReferenceCount)) + 1);
  const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "built");
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CREATE);
  m.setU64(sl + B(SL.FileObject), file);
  m.setU8(irp + B(IRP.RequestorMode), requestorMode);
  m.setU64(irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
  const status = callDriver(env, top, irp);
  const info = ioState(env.kernel).irps.get(irp);
  if (info && !info.completed) env.warn(`IRP_MJ_CREATE on ${deviceLabel(env, top)} returned ${formatStatus(status)} without completing the IRP`);
  if (!ntSuccess(status)) {
    m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
    dereference(ctxLess(env), dev, "IoGetDeviceObjectPointer");
    kfree(env, file);
    return { status, file: 0n, top };
  }
  registerObject(env.kernel, file, {
    type: "File",
    name: deviceLabel(env, dev),
    onDelete: (ctx) => closeFile(ctx ? envOf(ctx) : env, file, dev),
  });
  return { status, file, top };
}

/** Last reference to a file object gone: IRP_MJ_CLOSE to the device's stack, then release the device. */
function closeFile(env: IoEnv, file: bigint, dev: bigint): void {
  const m = env.mem;
  const info = ioState(env.kernel).devices.get(dev);
  const top = info && !info.deleted ? attachedTop(m, dev) : dev;
  const driver = m.u64(top + B(DEV.DriverObject));
  const routine = m.u64(driver + B(D.MajorFunction) + B(8 * IRP_MJ.CLOSE));
  if (env.kernel.moduleAt?.(routine)) {
    const irp = allocateIrp(env, m.u8(top + B(DEV.StackSize)) || 1, "built");
    const sl = nextStack(m, irp);
    m.setU8(sl + B(SL.MajorFunction), IRP_MJ.CLOSE);
    m.setU64(sl + B(SL.FileObject), file);
    m.setU64(irp + B(IRP["Tail.Overlay.OriginalFileObject"]), file);
    callDriver(env, top, irp);
  }
  kfree(env, file);
  m.setU32(dev + B(DEV.ReferenceCount), Math.max(0, m.u32(dev + B(DEV.ReferenceCount)) - 1));
  dereference(ctxLess(env), dev, "ObfDereferenceObject(FILE_OBJECT)");
}

/** The object manager routines take an ApiContext; they only use kernel, warn and fault. */
export function ctxLess(env: IoEnv): ApiContext {
  return {
    api: "ntoskrnl.exe!IoManager",
    arg: () => 0n,
    u32: () => 0,
    i32: () => 0,
    mem: env.mem,
    pool: { allocate: () => 0n, free: () => {} },
    caller: { module: env.from, rva: 0 },
    callGuest: env.callGuest,
    describe: () => {},
    dbgPrint: () => {},
    warn: env.warn,
    fault: env.fault,
    kernel: env.kernel,
  };
}

// ---------------------------------------------------------------- handlers

function ioctlDescribe(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, "0")} (${METHOD_NAMES[code & 3]})`;
}

export const apis: ApiDefinition[] = [
  nt("IoGetCurrentProcess", 0, (ctx) => currentProcess(ctx)),
  nt("IoIs32bitProcess", 1, () => 0),
  nt("IoCreateDevice", 7, (ctx) => {
    const driver = ctx.arg(0);
    const name = ctx.arg(2) === 0n ? null : unicodeText(ctx.mem, ctx.arg(2));
    ctx.describe([hex(driver), String(ctx.u32(1)), describeUnicode(ctx, ctx.arg(2)), hex(ctx.u32(3)), hex(ctx.u32(4)), ctx.u32(5) & 0xff ? "TRUE" : "FALSE", hex(ctx.arg(6))]);
    if (driver === 0n || ctx.mem.u16(driver + B(D.Type)) !== 4) ctx.fault("bugcheck", `IoCreateDevice: ${hex(driver)} is not a DRIVER_OBJECT`, { code: "0x0000001E" });
    const r = createDevice(envOf(ctx), driver, ctx.u32(1), name, ctx.u32(3), ctx.u32(4), (ctx.u32(5) & 0xff) !== 0);
    ctx.mem.setU64(ctx.arg(6), r.device);
    return r.status;
  }),
  nt("IoDeleteDevice", 1, (ctx) => {
    ctx.describe([deviceLabel(ctx, ctx.arg(0))]);
    deleteDevice(ctx, ctx.arg(0));
  }),
  nt("IoCreateSymbolicLink", 2, (ctx) => {
    const link = unicodeText(ctx.mem, ctx.arg(0));
    const target = unicodeText(ctx.mem, ctx.arg(1));
    ctx.describe([describeUnicode(ctx, ctx.arg(0)), describeUnicode(ctx, ctx.arg(1))]);
    if (link === null || target === null) return STATUS.INVALID_PARAMETER;
    const io = ioState(ctx.kernel);
    const c = canonical(link);
    if (io.links.has(c) || io.names.has(c)) return STATUS.OBJECT_NAME_COLLISION;
    io.links.set(c, target);
    return STATUS.SUCCESS;
  }),
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
    const dev = lookupDevice(ctx.kernel, name);
    if (dev === null) return STATUS.OBJECT_NAME_NOT_FOUND;
    const r = openDevice(envOf(ctx), dev, KernelMode);
    if (!ntSuccess(r.status)) return r.status;
    ctx.mem.setU64(ctx.arg(2), r.file);
    ctx.mem.setU64(ctx.arg(3), r.top);
    return STATUS.SUCCESS;
  }),
  nt("IoGetAttachedDevice", 1, (ctx) => attachedTop(ctx.mem, ctx.arg(0))),
  nt("IoGetAttachedDeviceReference", 1, (ctx) => {
    const top = attachedTop(ctx.mem, ctx.arg(0));
    reference(ctx, top, "IoGetAttachedDeviceReference");
    return top;
  }),
  nt("IoAttachDeviceToDeviceStack", 2, (ctx) => {
    const src = ctx.arg(0);
    const target = ctx.arg(1);
    ctx.describe([deviceLabel(ctx, src), deviceLabel(ctx, target)]);
    const io = ioState(ctx.kernel);
    const tinfo = io.devices.get(target);
    if (!tinfo || tinfo.deleted) return 0n;
    const top = attachedTop(ctx.mem, target);
    const m = ctx.mem;
    m.setU64(top + B(DEV.AttachedDevice), src);
    m.setU8(src + B(DEV.StackSize), (m.u8(top + B(DEV.StackSize)) + 1) & 0xff);
    m.setU32(src + B(DEV.AlignmentRequirement), Math.max(m.u32(src + B(DEV.AlignmentRequirement)), m.u32(top + B(DEV.AlignmentRequirement))));
    const sinfo = io.devices.get(src);
    if (sinfo) sinfo.attachedTo = top;
    return top;
  }),
  nt("IoDetachDevice", 1, (ctx) => {
    const target = ctx.arg(0);
    ctx.describe([deviceLabel(ctx, target)]);
    const m = ctx.mem;
    const up = m.u64(target + B(DEV.AttachedDevice));
    if (up === 0n) {
      ctx.warn(`IoDetachDevice(${deviceLabel(ctx, target)}): no device is attached to it`);
      return;
    }
    m.setU64(target + B(DEV.AttachedDevice), 0n);
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
  nt("IoGetRelatedDeviceObject", 1, (ctx) => attachedTop(ctx.mem, ctx.mem.u64(ctx.arg(0) + B(FO.DeviceObject)))),
];

/** IoBuildSynchronousFsdRequest / IoBuildAsynchronousFsdRequest. */
function buildFsd(ctx: ApiContext, major: number, dev: bigint, buffer: bigint, length: number, offset: bigint, event: bigint, iosb: bigint): bigint {
  ctx.describe([majorName(major), deviceLabel(ctx, dev), hex(buffer), String(length), hex(offset), hex(event), hex(iosb)]);
  const env = envOf(ctx);
  const m = ctx.mem;
  const irp = allocateIrp(env, m.u8(dev + B(DEV.StackSize)) || 1, "built");
  const info = ioState(ctx.kernel).irps.get(irp)!;
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), major);
  if (major === IRP_MJ.READ || major === IRP_MJ.WRITE) {
    m.setU32(sl + B(SL["Parameters.Read.Length"]), length);
    m.setU64(sl + B(SL["Parameters.Read.ByteOffset"]), offset !== 0n ? m.u64(offset) : 0n);
    const flags = m.u32(dev + B(DEV.Flags));
    if (flags & DO_BUFFERED_IO && length > 0) {
      const sys = kalloc(env, length, TAG_BUF);
      if (major === IRP_MJ.WRITE) m.write(sys, m.read(buffer, length));
      else info.copyBack = { system: sys, user: buffer, length };
      info.systemBuffer = sys;
      m.setU64(irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      m.setU32(irp + B(IRP.Flags), IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (major === IRP_MJ.READ ? IRP_INPUT_OPERATION : 0));
    } else if (flags & DO_DIRECT_IO && length > 0) {
      info.mdl = makeMdl(env, buffer, length);
      m.setU64(irp + B(IRP.MdlAddress), info.mdl);
    }
    m.setU64(irp + B(IRP.UserBuffer), buffer);
  }
  m.setU64(irp + B(IRP.UserIosb), iosb);
  m.setU64(irp + B(IRP.UserEvent), event);
  return irp;
}

/** Objects of the I/O manager still alive (for tests and end-of-run reports). */
export function ioSummary(kernel: KernelState): { devices: string[]; links: string[]; irps: number } {
  const io = ioState(kernel);
  void objectManager;
  return { devices: [...io.devices.values()].filter((d) => !d.deleted).map((d) => d.name ?? "(unnamed)"), links: [...io.links.keys()], irps: io.irps.size };
}
