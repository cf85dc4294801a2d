/**
 * IoCallDriver and IoCompleteRequest: a request travels down a device stack (the target's
 * dispatch routine runs as a nested guest call) and completes back up it (completion routines,
 * then the I/O manager's own part: buffered copy-back, IO_STATUS_BLOCK, event, freeing the IRP).
 */
import type { GuestMemory } from "../api/types.js";
import type { TraceEvent } from "../../events.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { STATUS, formatStatus, ntSuccess } from "../../nt/status.js";
import { hex } from "../api/util.js";
import {
  IO_TYPE_IRP, IRP_MJ, IRP_MJ_COUNT, IRP_MN_QUERY_INTERFACE, SL_INVOKE_ON_CANCEL, SL_INVOKE_ON_ERROR, SL_INVOKE_ON_SUCCESS,
  SL_PENDING_RETURNED, STATUS_MORE_PROCESSING_REQUIRED, irpName, majorName,
} from "./constants.js";
import { emit, moduleOf, where, type IoEnv } from "./env.js";
import { ioState, type IrpInfo } from "./state.js";
import { deviceLabel } from "./devices.js";
import { freedIrps, releaseIrp } from "./irp.js";
import { trackInterface } from "./interfaces.js";
import { asCallback } from "../verifier/callbacks.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IOSB = LAYOUT.IO_STATUS_BLOCK;

/**
 * IoCallDriver: move to the next stack location, record the device in it, run the driver's
 * dispatch routine for the location's major function (nested guest call); trace an `irp` event.
 */
export function callDriver(env: IoEnv, dev: bigint, irp: bigint): number {
  const m = env.mem;
  const io = ioState(env.kernel);
  if (dev === 0n || !m.isMapped(dev, DEV.$size)) env.fault("invalid-read", `IoCallDriver: device object ${hex(dev)} is not mapped`, { address: dev });
  if (freedIrps(env.kernel).has(irp)) {
    env.kernel.verify?.({
      rule: "irp-freed",
      message: `IoCallDriver(${deviceLabel(env, dev)}, ${hex(irp)}): the IRP was already freed`,
      // 0xC9 P1 0x03: IoCallDriver was passed an IRP whose Type is not IO_TYPE_IRP (freeing clears it).
      bugcheck: { code: "0x000000C9", parameters: ["0x3", hex(irp), "0x0", "0x0"] },
    });
    env.fault("use-after-free", `IoCallDriver(${deviceLabel(env, dev)}): IRP ${hex(irp)} was already freed`, { address: irp });
  }
  const loc = m.u8(irp + B(IRP.CurrentLocation)) - 1;
  if (loc <= 0) env.fault("bugcheck", `IoCallDriver(${deviceLabel(env, dev)}): the IRP has no stack location left (NO_MORE_IRP_STACK_LOCATIONS)`, { code: "0x00000035" });
  m.setU8(irp + B(IRP.CurrentLocation), loc);
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
  putPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), sl);
  putPtr(m, sl + B(SL.DeviceObject), dev);
  const major = m.u8(sl + B(SL.MajorFunction));
  const minor = m.u8(sl + B(SL.MinorFunction));
  const driver = getPtr(m, dev + B(DEV.DriverObject));
  const routine = getPtr(m, driver + B(D.MajorFunction) + B(ptrSize() * (major < IRP_MJ_COUNT ? major : 0)));
  const info = io.irps.get(irp);
  // A query-interface request: remember where the interface lands.
  if (major === IRP_MJ.PNP && minor === IRP_MN_QUERY_INTERFACE && info && !info.interfaceAt) {
    const out = getPtr(m, sl + B(SL["Parameters.QueryInterface.Interface"]));
    const guid = getPtr(m, sl + B(SL["Parameters.QueryInterface.InterfaceType"]));
    info.interfaceAt = { address: out, length: m.u16(sl + B(SL["Parameters.QueryInterface.Size"])), what: `GUID ${guidText(m, guid)}`, provider: dev };
  }
  const ioctl = major === IRP_MJ.DEVICE_CONTROL || major === IRP_MJ.INTERNAL_DEVICE_CONTROL ? m.u32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"])) : undefined;
  const from = info?.from ?? env.from;
  if (major >= IRP_MJ_COUNT) env.fault("bugcheck", `IoCallDriver(${deviceLabel(env, dev)}): major function 0x${major.toString(16)} is out of range`, { code: "0x00000044" });
  const driverModule = moduleOf(env, getPtr(m, driver + B(D.DriverStart))) ?? "?";
  if (!env.kernel.moduleAt?.(routine)) env.fault("invalid-fetch", `IoCallDriver(${deviceLabel(env, dev)}, ${majorName(major)}): the dispatch routine ${hex(routine)} of ${driverModule} is not in a loaded module (was the driver unloaded?)`, { address: routine });
  const wasCompleted = info?.completed ?? false;
  // Named before the call: a remove IRP's dispatch routine deletes the device (and its name).
  const to = deviceLabel(env, dev);
  checkCancelOnCall(env, irp, dev);
  const status = Number(BigInt.asUintN(32, asCallback(env.kernel, { kind: "dispatch", routine, device: dev, irp }, () => env.callGuest(routine, [dev, irp])))) >>> 0;
  if (info) checkDispatchReturn(env, info, irp, sl, status, wasCompleted, `${majorName(major)} dispatch routine ${where(env, routine)}`, routine, dev);
  emit(env, {
    event: "irp",
    major,
    minor,
    ...(ioctl !== undefined ? { ioctl: `0x${ioctl.toString(16).toUpperCase().padStart(8, "0")}` } : {}),
    from,
    to,
    status: formatStatus(status),
    name: irpName(major, minor),
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
  if (status() === STATUS.PENDING) {
    const message = `IoCompleteRequest(${hex(irp)}) with IoStatus.Status = STATUS_PENDING (set the final status before completing)`;
    // 0xC9 P1 0x06: IoCompleteRequest with a status marked pending; P2 the status, P3 the IRP.
    if (env.kernel.verify) env.kernel.verify({ rule: "irp-complete-pending", message, bugcheck: { code: "0x000000C9", parameters: ["0x6", hex(status()), hex(irp), "0x0"] } });
    else env.warn(message);
  }
  // 0xC9 P1 0x07: IoCompleteRequest while the IRP's cancel routine is still set (P2 the routine, P3 the IRP).
  const cancelRoutine = getPtr(m, irp + B(IRP.CancelRoutine));
  if (cancelRoutine !== 0n)
    env.kernel.verify?.({
      rule: "complete-with-cancel-routine",
      message: `IoCompleteRequest(${hex(irp)}) with the cancel routine ${where(env, cancelRoutine)} still set (clear it with IoSetCancelRoutine(Irp, NULL) first)`,
      bugcheck: { code: "0x000000C9", parameters: ["0x7", hex(cancelRoutine), hex(irp), "0x0"] },
    });
  while (loc <= count) {
    const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const control = m.u8(sl + B(SL.Control));
    const routine = getPtr(m, sl + B(SL.CompletionRoutine));
    const context = getPtr(m, sl + B(SL.Context));
    const pending = control & SL_PENDING_RETURNED;
    m.setU8(irp + B(IRP.PendingReturned), pending ? 1 : 0);
    // IoSkipCurrentIrpStackLocation: up one location.
    loc++;
    m.setU8(irp + B(IRP.CurrentLocation), loc);
    putPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), sl + B(SL.$size));
    const ok = ntSuccess(status());
    const cancel = m.u8(irp + B(IRP.Cancel)) !== 0;
    const invoke = routine !== 0n && ((ok && control & SL_INVOKE_ON_SUCCESS) || (!ok && control & SL_INVOKE_ON_ERROR) || (cancel && control & SL_INVOKE_ON_CANCEL));
    // IopClearStackLocation
    m.setU8(sl + B(SL.MinorFunction), 0);
    m.setU8(sl + B(SL.Flags), 0);
    m.setU8(sl + B(SL.Control), 0);
    putPtr(m, sl + B(SL.CompletionRoutine), 0n);
    putPtr(m, sl + B(SL.Context), 0n);
    if (invoke) {
      const upper = loc <= count ? getPtr(m, sl + B(SL.$size) + B(SL.DeviceObject)) : 0n;
      const r = Number(BigInt.asUintN(32, asCallback(env.kernel, { kind: "completion", routine, device: upper, irp }, () => env.callGuest(routine, [upper, irp, context])))) >>> 0;
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
  const information = getPtr(m, irp + B(IRP.IoStatus) + B(IOSB.Information));
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
  if (ntSuccess(st) && info.copyBack && information > BigInt(info.copyBack.length))
    env.kernel.verify?.({
      rule: "irp-information-too-large",
      message: `IRP ${hex(irp)} completed with IoStatus.Information = ${information} for a METHOD_BUFFERED request with a ${info.copyBack.length}-byte output buffer`,
      bugcheck: { code: "0x000000C9" },
    });
  // Cleared like IoFreeIrp does, so a cancel routine set after completion shows (checkDispatchReturn).
  putPtr(m, irp + B(IRP.CancelRoutine), 0n);
  // IopCompleteRequest copies buffered output back unless the status is an error: warnings such as
  // STATUS_BUFFER_OVERFLOW return their partial data too (at most the caller's buffer length).
  if (st >>> 30 !== 3 && info.copyBack && info.copyBack.user !== 0n) {
    const n = Math.min(Number(BigInt.asUintN(32, information)), info.copyBack.length);
    if (n > 0) m.write(info.copyBack.user, m.read(info.copyBack.system, n));
  }
  if (ntSuccess(st) && info.interfaceAt) trackInterface(env, info, info.interfaceAt);
  const iosb = getPtr(m, irp + B(IRP.UserIosb));
  if (iosb !== 0n) {
    m.setU32(iosb + B(IOSB.Status), st);
    putPtr(m, iosb + B(IOSB.Information), information);
  }
  const ev = getPtr(m, irp + B(IRP.UserEvent));
  if (ev !== 0n) m.setU32(ev + B(LAYOUT.DISPATCHER_HEADER.SignalState), 1);
  if (info.kind === "built") releaseIrp(env, irp, info);
}


/**
 * I/O verification when a dispatch routine returns (Driver Verifier's I/O verification, 0xC9):
 * STATUS_PENDING without IoMarkIrpPending (SL_PENDING_RETURNED in its stack location), and an IRP
 * it completed itself returned with a status other than the one it completed with.
 */
function checkDispatchReturn(env: IoEnv, info: IrpInfo, irp: bigint, sl: bigint, status: number, wasCompleted: boolean, what: string, routine: bigint, dev: bigint): void {
  const verify = env.kernel.verify;
  if (!verify) return;
  // WDM driver errors of I/O verification: 0xC9 with P1 the error code, P2 the driver code, P3 the IRP, P4 the device.
  const wdm = (code: number) => ({ code: "0x000000C9", parameters: [hex(code), hex(routine), hex(irp), hex(dev)] });
  if (status === STATUS.PENDING && !info.completed && !info.freed && (env.mem.u8(sl + B(SL.Control)) & SL_PENDING_RETURNED) === 0)
    verify({ rule: "pending-not-marked", message: `${what} returned STATUS_PENDING for IRP ${hex(irp)} without IoMarkIrpPending`, rip: routine, bugcheck: wdm(0x23d) });
  if (!wasCompleted && info.completed && info.result && status !== STATUS.PENDING && status !== info.result.status >>> 0)
    verify({
      rule: "status-mismatch",
      message: `${what} returned ${formatStatus(status)} for IRP ${hex(irp)}, which it completed with ${formatStatus(info.result.status >>> 0)}`,
      rip: routine,
      bugcheck: wdm(0x224),
    });
  // IoSetCancelRoutine is inline (an exchange on Irp->CancelRoutine): a routine set on an IRP already
  // completed shows as a non-NULL field after the dispatch routine returns (completion cleared it).
  if (!wasCompleted && info.completed && env.mem.isMapped(irp + B(IRP.CancelRoutine), ptrSize())) {
    const cr = getPtr(env.mem, irp + B(IRP.CancelRoutine));
    if (cr !== 0n)
      verify({
        rule: "cancel-routine-after-complete",
        message: `${what} set the cancel routine ${where(env, cr)} on IRP ${hex(irp)} after completing it (the IRP belongs to the I/O manager once completed)`,
        rip: routine,
      });
  }
}

/** IoCallDriver with a cancel routine still set in the IRP (I/O verification error 0x203). */
function checkCancelOnCall(env: IoEnv, irp: bigint, dev: bigint): void {
  const cr = getPtr(env.mem, irp + B(IRP.CancelRoutine));
  if (cr === 0n) return;
  env.kernel.verify?.({
    rule: "call-with-cancel-routine",
    message: `IoCallDriver(${deviceLabel(env, dev)}, ${hex(irp)}) with the cancel routine ${where(env, cr)} still set (set it to NULL before passing the IRP down)`,
    bugcheck: { code: "0x000000C9", parameters: ["0x203", hex(cr), hex(irp), hex(dev)] },
  });
}
