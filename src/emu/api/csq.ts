/**
 * The device IO timer (IoInitializeTimer / IoStartTimer / IoStopTimer), IRP cancellation
 * (IoCancelIrp) and the cancel-safe IRP queue (IoCsqInitialize(Ex), IoCsqInsertIrp(Ex),
 * IoCsqRemoveIrp, IoCsqRemoveNextIrp), as Microsoft Learn documents them.
 *
 * IO timer: IoInitializeTimer gives the device an IO_TIMER (DEVICE_OBJECT.Timer); once started,
 * its routine runs once per second of the emulated clock at DISPATCH_LEVEL with the device and
 * the context, until IoStopTimer or IoDeleteDevice. kmdll's IO_TIMER holds a KTIMER and a KDPC
 * (the DPC routine is the kernel's internal IopTimerDispatch, as on Windows, where the IO timer
 * list is driven by a DPC): the scheduler fires it like any periodic timer.
 *
 * IO_CSQ (wdm.h): Type (ULONG), then seven pointers CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp,
 * CsqAcquireLock, CsqReleaseLock, CsqCompleteCanceledIrp, ReservePointer — x64 offsets 0, 8..56,
 * x86 0, 4..28. IO_CSQ_IRP_CONTEXT: Type, Irp, Csq (x64 0/8/16, x86 0/4/8). Types:
 * IO_TYPE_CSQ_IRP_CONTEXT 1, IO_TYPE_CSQ 2, IO_TYPE_CSQ_EX 3. The queue keeps the IO_CSQ (or the
 * IRP's context) in Irp->Tail.Overlay.DriverContext[3] and sets its own cancel routine
 * (IopCsqCancelRoutine) on a queued IRP.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL, TimerNotificationObject, initHeader, irqlName, lower, raise } from "./ke.js";
import { cancelLock } from "./locks.js";
import { asCallback } from "../verifier/callbacks.js";
import { DpcObject, KDPC, sched, setTimer } from "../sched/index.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IO_TYPE_CSQ_IRP_CONTEXT = 1;
const IO_TYPE_CSQ = 2;
const IO_TYPE_CSQ_EX = 3;
const SL_PENDING_RETURNED = 0x01;
const TAG_IO_TIMER = 0x6d695449; // 'ITim'
/** One second of the emulated clock, in 100 ns units: the IO timer's period. */
const IO_TIMER_PERIOD_MS = 1000;

// ---- IO timer -------------------------------------------------------------------------------

/** kmdll's IO_TIMER: Type 0 (IO_TYPE_TIMER 9), TimerFlag 2, routine, context, device, then a KDPC and a KTIMER. */
const IOT = { Type: 0, TimerFlag: 2, Routine: 8, Context: 16, Device: 24, Dpc: 0x40, Timer: 0x80, $size: 0xc0 };
const IO_TYPE_TIMER = 9;

function ioTimerDispatch(ctx: ApiContext): bigint {
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return ctx.kernel.internalRoutine("IopTimerDispatch", (c) => {
    const t = c.arg(1); // DeferredContext: the IO_TIMER
    if (c.mem.u16(t + B(IOT.TimerFlag)) === 0) return;
    c.callGuest(readPtr(c.mem, t + B(IOT.Routine)), [readPtr(c.mem, t + B(IOT.Device)), readPtr(c.mem, t + B(IOT.Context))]);
  }, 4);
}

function deviceTimer(ctx: ApiContext, dev: bigint, api: string): bigint {
  if (dev === 0n || ctx.mem.u16(dev + B(LAYOUT.DEVICE_OBJECT.Type)) !== 3)
    ctx.fault("bugcheck", `${api}(${hex(dev)}): not a DEVICE_OBJECT`, { code: "0x0000001E" });
  const t = readPtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.Timer));
  // Windows dereferences DeviceObject->Timer: a device without IoInitializeTimer faults there.
  if (t === 0n) ctx.fault("bugcheck", `${api}(${hex(dev)}): the device has no IO timer (IoInitializeTimer was not called)`, { code: "0x0000001E" });
  return t;
}

/** Stop and free a device's IO timer (IoDeleteDevice). */
export function deleteDeviceTimer(ctx: ApiContext, dev: bigint): void {
  if (dev === 0n || !ctx.mem.isMapped(dev + B(LAYOUT.DEVICE_OBJECT.Timer), ptrSize())) return;
  const t = readPtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.Timer));
  if (t === 0n) return;
  sched(ctx).timers.delete(t + B(IOT.Timer));
  sched(ctx).dpcQueue = sched(ctx).dpcQueue.filter((d) => d !== t + B(IOT.Dpc));
  writePtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.Timer), 0n);
  ctx.kernel.kernelPool?.free(t);
}

// ---- cancel and the cancel-safe queue ---------------------------------------------------------

const CSQ = () => {
  const p = ptrSize();
  return { Type: 0, Insert: p, Remove: 2 * p, Peek: 3 * p, Acquire: 4 * p, Release: 5 * p, Complete: 6 * p, Reserve: 7 * p, $size: 8 * p };
};
const CTX = () => ({ Type: 0, Irp: ptrSize(), Csq: 2 * ptrSize() });
/** Irp->Tail.Overlay.DriverContext[3]: the pointer just before Tail.Overlay.Thread. */
const driverContext3 = (irp: bigint) => irp + B(IRP["Tail.Overlay.Thread"]) - B(ptrSize());

const exchangeCancel = (ctx: ApiContext, irp: bigint, v: bigint): bigint => {
  const old = readPtr(ctx.mem, irp + B(IRP.CancelRoutine));
  writePtr(ctx.mem, irp + B(IRP.CancelRoutine), v);
  return old;
};

function routine(ctx: ApiContext, csq: bigint, field: keyof ReturnType<typeof CSQ>): bigint {
  return readPtr(ctx.mem, csq + B(CSQ()[field]));
}

/** CsqAcquireLock(Csq, &Irql): the KIRQL lives in a kernel pool byte until CsqReleaseLock. */
function acquire(ctx: ApiContext, csq: bigint): bigint {
  const cell = ctx.kernel.kernelPool?.allocate(8, 0x71734349 /* 'ICsq' */) ?? 0n;
  if (cell === 0n) ctx.fault("bugcheck", "IoCsq: out of kernel pool", {});
  const r = routine(ctx, csq, "Acquire");
  asCallback(ctx.kernel, { kind: "lock", routine: r }, () => ctx.callGuest(r, [csq, cell]));
  return cell;
}
function release(ctx: ApiContext, csq: bigint, cell: bigint): void {
  const irql = ctx.mem.u8(cell);
  ctx.kernel.kernelPool?.free(cell);
  const r = routine(ctx, csq, "Release");
  asCallback(ctx.kernel, { kind: "lock", routine: r }, () => ctx.callGuest(r, [csq, BigInt(irql)]));
}

function checkCsq(ctx: ApiContext, csq: bigint, api: string): void {
  const t = csq === 0n ? -1 : ctx.mem.u32(csq);
  if (t !== IO_TYPE_CSQ && t !== IO_TYPE_CSQ_EX) ctx.fault("bugcheck", `${api}(${hex(csq)}): not an IO_CSQ initialized by IoCsqInitialize(Ex) (type ${t})`, { code: "0x0000001E" });
}

/** The queue's cancel routine: take the IRP off the queue and hand it to CsqCompleteCanceledIrp. */
function csqCancelRoutine(ctx: ApiContext): bigint {
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return ctx.kernel.internalRoutine("IopCsqCancelRoutine", (c) => {
    const irp = c.arg(1);
    // A cancel routine is called with the cancel spin lock held: release it first.
    cancelLock(c).held = false;
    lower(c, c.mem.u8(irp + B(IRP.CancelIrql)), "IoReleaseCancelSpinLock");
    let csq = readPtr(c.mem, driverContext3(irp));
    if (csq !== 0n && c.mem.u32(csq) === IO_TYPE_CSQ_IRP_CONTEXT) {
      const context = csq;
      csq = readPtr(c.mem, context + B(CTX().Csq));
      writePtr(c.mem, context + B(CTX().Irp), 0n);
    }
    const cell = acquire(c, csq);
    c.callGuest(routine(c, csq, "Remove"), [csq, irp]);
    writePtr(c.mem, driverContext3(irp), 0n);
    release(c, csq, cell);
    c.callGuest(routine(c, csq, "Complete"), [csq, irp]);
  }, 2);
}

function insert(ctx: ApiContext, api: string, csq: bigint, irp: bigint, context: bigint, insertContext: bigint): number {
  checkCsq(ctx, csq, api);
  const cell = acquire(ctx, csq);
  if (ctx.mem.u32(csq) === IO_TYPE_CSQ_EX) {
    const st = Number(BigInt.asUintN(32, ctx.callGuest(routine(ctx, csq, "Insert"), [csq, irp, insertContext])));
    if (st & 0x80000000) {
      release(ctx, csq, cell);
      return st;
    }
  } else ctx.callGuest(routine(ctx, csq, "Insert"), [csq, irp]);
  if (context !== 0n) {
    ctx.mem.setU32(context + B(CTX().Type), IO_TYPE_CSQ_IRP_CONTEXT);
    writePtr(ctx.mem, context + B(CTX().Irp), irp);
    writePtr(ctx.mem, context + B(CTX().Csq), csq);
    writePtr(ctx.mem, driverContext3(irp), context);
  } else writePtr(ctx.mem, driverContext3(irp), csq);
  // IoMarkIrpPending.
  const sl = readPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  if (ctx.mem.isMapped(sl + B(SL.Control), 1)) ctx.mem.setU8(sl + B(SL.Control), ctx.mem.u8(sl + B(SL.Control)) | SL_PENDING_RETURNED);
  exchangeCancel(ctx, irp, csqCancelRoutine(ctx));
  if (ctx.mem.u8(irp + B(IRP.Cancel)) !== 0 && exchangeCancel(ctx, irp, 0n) !== 0n) {
    // Cancelled before it was queued, and the cancel routine did not run: complete it as cancelled here.
    ctx.callGuest(routine(ctx, csq, "Remove"), [csq, irp]);
    if (context !== 0n) writePtr(ctx.mem, context + B(CTX().Irp), 0n);
    writePtr(ctx.mem, driverContext3(irp), 0n);
    release(ctx, csq, cell);
    ctx.callGuest(routine(ctx, csq, "Complete"), [csq, irp]);
    return STATUS.SUCCESS;
  }
  release(ctx, csq, cell);
  return STATUS.SUCCESS;
}

/** Take `irp` off the queue (the caller holds the lock); false when a cancel is already under way. */
function takeOff(ctx: ApiContext, csq: bigint, irp: bigint): boolean {
  if (exchangeCancel(ctx, irp, 0n) === 0n) return false;
  ctx.callGuest(routine(ctx, csq, "Remove"), [csq, irp]);
  const c = readPtr(ctx.mem, driverContext3(irp));
  if (c !== 0n && c !== csq && ctx.mem.u32(c) === IO_TYPE_CSQ_IRP_CONTEXT) writePtr(ctx.mem, c + B(CTX().Irp), 0n);
  writePtr(ctx.mem, driverContext3(irp), 0n);
  return true;
}

const initialize = (name: "IoCsqInitialize" | "IoCsqInitializeEx") =>
  nt(name, 7, (ctx) => {
    const csq = ctx.arg(0);
    const L = CSQ();
    ctx.describe([hex(csq), ...[1, 2, 3, 4, 5, 6].map((i) => ctx.kernel.where?.(ctx.arg(i)) ?? hex(ctx.arg(i)))]);
    ctx.mem.setU32(csq + B(L.Type), name === "IoCsqInitialize" ? IO_TYPE_CSQ : IO_TYPE_CSQ_EX);
    const fields = [L.Insert, L.Remove, L.Peek, L.Acquire, L.Release, L.Complete];
    fields.forEach((off, i) => writePtr(ctx.mem, csq + B(off), ctx.arg(i + 1)));
    writePtr(ctx.mem, csq + B(L.Reserve), 0n);
    return STATUS.SUCCESS;
  });

export const apis: ApiDefinition[] = [
  nt("IoInitializeTimer", 3, (ctx) => {
    const dev = ctx.arg(0);
    ctx.describe([hex(dev), ctx.kernel.where?.(ctx.arg(1)) ?? hex(ctx.arg(1)), hex(ctx.arg(2))]);
    if (ctx.kernel.irql !== PASSIVE_LEVEL) ctx.fault("bugcheck", `IoInitializeTimer at ${irqlName(ctx.kernel.irql)} (must be PASSIVE_LEVEL)`, { code: "0x0000000A" });
    if (dev === 0n || ctx.mem.u16(dev + B(LAYOUT.DEVICE_OBJECT.Type)) !== 3) ctx.fault("bugcheck", `IoInitializeTimer(${hex(dev)}): not a DEVICE_OBJECT`, { code: "0x0000001E" });
    // A second call for the same device re-initializes its timer (routine and context), stopped.
    let t = readPtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.Timer));
    if (t === 0n) {
      t = ctx.kernel.kernelPool?.allocate(IOT.$size, TAG_IO_TIMER) ?? 0n;
      if (t === 0n) return STATUS.INSUFFICIENT_RESOURCES;
      ctx.mem.write(t, new Uint8Array(IOT.$size));
    } else sched(ctx).timers.delete(t + B(IOT.Timer));
    ctx.mem.setU16(t + B(IOT.Type), IO_TYPE_TIMER);
    ctx.mem.setU16(t + B(IOT.TimerFlag), 0);
    writePtr(ctx.mem, t + B(IOT.Routine), ctx.arg(1));
    writePtr(ctx.mem, t + B(IOT.Context), ctx.arg(2));
    writePtr(ctx.mem, t + B(IOT.Device), dev);
    const dpc = t + B(IOT.Dpc);
    ctx.mem.setU8(dpc + B(KDPC.Type), DpcObject);
    ctx.mem.setU8(dpc + B(KDPC.Importance), 1);
    writePtr(ctx.mem, dpc + B(KDPC.DeferredRoutine), ioTimerDispatch(ctx));
    writePtr(ctx.mem, dpc + B(KDPC.DeferredContext), t);
    initHeader(ctx, t + B(IOT.Timer), TimerNotificationObject, LAYOUT.KTIMER.$size, 0);
    writePtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.Timer), t);
    return STATUS.SUCCESS;
  }),
  nt("IoStartTimer", 1, (ctx) => {
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `IoStartTimer at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    const t = deviceTimer(ctx, ctx.arg(0), "IoStartTimer");
    if (ctx.mem.u16(t + B(IOT.TimerFlag)) !== 0) return; // already running
    ctx.mem.setU16(t + B(IOT.TimerFlag), 1);
    setTimer(ctx, t + B(IOT.Timer), -BigInt(IO_TIMER_PERIOD_MS) * 10000n, IO_TIMER_PERIOD_MS, t + B(IOT.Dpc));
  }),
  nt("IoStopTimer", 1, (ctx) => {
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `IoStopTimer at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    const t = deviceTimer(ctx, ctx.arg(0), "IoStopTimer");
    ctx.mem.setU16(t + B(IOT.TimerFlag), 0);
    sched(ctx).timers.delete(t + B(IOT.Timer));
  }),
  nt("IoCancelIrp", 1, (ctx) => {
    const irp = ctx.arg(0);
    if (irp === 0n || ctx.mem.u16(irp + B(IRP.Type)) !== 6) ctx.fault("bugcheck", `IoCancelIrp(${hex(irp)}): not an IRP`, { code: "0x0000001E" });
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `IoCancelIrp at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    const c = cancelLock(ctx);
    if (c.held) ctx.fault("deadlock", "IoCancelIrp: the cancel spin lock is already held by the caller", { selfDeadlock: true });
    const old = raise(ctx, DISPATCH_LEVEL, "IoCancelIrp");
    c.held = true;
    ctx.mem.setU8(irp + B(IRP.Cancel), 1);
    const r = exchangeCancel(ctx, irp, 0n);
    if (r === 0n) {
      c.held = false;
      lower(ctx, old, "IoCancelIrp");
      return 0;
    }
    ctx.mem.setU8(irp + B(IRP.CancelIrql), old);
    const sl = readPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
    const dev = ctx.mem.isMapped(sl + B(SL.DeviceObject), ptrSize()) ? readPtr(ctx.mem, sl + B(SL.DeviceObject)) : 0n;
    asCallback(ctx.kernel, { kind: "cancel", routine: r, irp, device: dev }, () => ctx.callGuest(r, [dev, irp]));
    return 1;
  }),
  initialize("IoCsqInitialize"),
  initialize("IoCsqInitializeEx"),
  nt("IoCsqInsertIrp", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    insert(ctx, "IoCsqInsertIrp", ctx.arg(0), ctx.arg(1), ctx.arg(2), 0n);
  }),
  nt("IoCsqInsertIrpEx", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return insert(ctx, "IoCsqInsertIrpEx", ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3));
  }),
  nt("IoCsqRemoveIrp", 2, (ctx) => {
    const csq = ctx.arg(0);
    const context = ctx.arg(1);
    ctx.describe([hex(csq), hex(context)]);
    checkCsq(ctx, csq, "IoCsqRemoveIrp");
    if (context === 0n || ctx.mem.u32(context) !== IO_TYPE_CSQ_IRP_CONTEXT)
      ctx.fault("bugcheck", `IoCsqRemoveIrp(${hex(csq)}, ${hex(context)}): not an IO_CSQ_IRP_CONTEXT filled by IoCsqInsertIrp`, { code: "0x0000001E" });
    const cell = acquire(ctx, csq);
    let irp = readPtr(ctx.mem, context + B(CTX().Irp));
    if (irp !== 0n && !takeOff(ctx, csq, irp)) irp = 0n;
    release(ctx, csq, cell);
    return irp;
  }),
  nt("IoCsqRemoveNextIrp", 2, (ctx) => {
    const csq = ctx.arg(0);
    ctx.describe([hex(csq), hex(ctx.arg(1))]);
    checkCsq(ctx, csq, "IoCsqRemoveNextIrp");
    const cell = acquire(ctx, csq);
    let irp = ctx.callGuest(routine(ctx, csq, "Peek"), [csq, 0n, ctx.arg(1)]);
    // IRPs whose cancel is under way stay for their cancel routine: peek past them.
    for (let n = 0; irp !== 0n && n < 100000 && !takeOff(ctx, csq, irp); n++) irp = ctx.callGuest(routine(ctx, csq, "Peek"), [csq, irp, ctx.arg(1)]);
    release(ctx, csq, cell);
    return irp;
  }),
];
