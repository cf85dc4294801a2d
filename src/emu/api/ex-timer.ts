/**
 * Windows 8.1 high-resolution timers: ExAllocateTimer, ExSetTimer, ExCancelTimer, ExDeleteTimer
 * (wdm.h; Microsoft Learn: each routine's page, "ExXxxTimer Routines and EX_TIMER Objects",
 * "Deleting a System-Allocated Timer Object"), on kmdll's deterministic scheduler like KeSetTimerEx
 * (src/emu/sched: the emulated clock jumps to the next due timer).
 *
 * - ExAllocateTimer(Callback, CallbackContext, Attributes) allocates and initialises an EX_TIMER
 *   (opaque to drivers) from nonpaged pool: a synchronization timer, or a notification timer with
 *   EX_TIMER_NOTIFICATION (0x80000000). EX_TIMER_HIGH_RESOLUTION (4) and EX_TIMER_NO_WAKE (8)
 *   together are a bug check (Learn: "the routine bug checks"); NULL when the pool is exhausted.
 *   The object starts with a KTIMER, so it is waitable (KeWaitForSingleObject) like Windows' is.
 * - ExSetTimer(Timer, DueTime, Period, Parameters): DueTime negative = relative, positive =
 *   absolute system time (100 ns); Period (100 ns, 0 = one-shot) re-arms after each expiry. Setting
 *   a pending timer cancels it first; returns TRUE when it was pending (as KeSetTimerEx).
 *   Parameters (EXT_SET_PARAMETERS: Version 0, Reserved 4, NoWakeTolerance 8, as
 *   ExInitializeSetTimerParameters fills it) is optional; a Version other than 0 is a bug check.
 *   A negative Period is a bug check. On expiry the timer is signalled and Callback(Timer,
 *   CallbackContext) runs at DISPATCH_LEVEL (a DPC).
 * - ExCancelTimer(Timer, Parameters): TRUE when the timer was pending (it is then neither signalled
 *   nor called back); Parameters must be NULL (Learn), else a warning.
 * - ExDeleteTimer(Timer, Cancel, Wait, Parameters): Wait without Cancel is a bug check, as is Wait
 *   above APC_LEVEL. Cancel TRUE cancels a pending timer (returns TRUE when it did); Cancel FALSE
 *   returns FALSE and lets a pending one-shot timer expire first (the object goes after its
 *   callback; a periodic one is cancelled, as it never finishes). Parameters
 *   (EXT_DELETE_PARAMETERS: Version 0, DeleteCallback 8/4, DeleteContext 16/8) is read: its
 *   DeleteCallback(DeleteContext), when set, runs once the object is deleted.
 * - A pointer ExAllocateTimer did not return (or a deleted timer) is a bug check 0x3B-style report.
 *
 * kmdll's EX_TIMER: KTIMER 0, KDPC 0x40, Callback 0x80, Context 0x88 (pool block of 0xA0 bytes).
 *
 * ExQueryTimerResolution(MaximumTime, MinimumTime, CurrentTime) (Learn, wdm.h, Windows 8 and
 * later): the range of clock tick lengths the platform supports and the current one, in 100 ns
 * units. kmdll's clock ticks every 15.625 ms (KeQueryTimeIncrement's 156250, which
 * ExSetTimerResolution also answers: the tick is never changed), so maximum and current are
 * 156250; the minimum is a PC's HPET/APIC timer's 0.5 ms (5000). Each output is required.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { APC_LEVEL, TimerNotificationObject, TimerSynchronizationObject, initHeader, setSignal } from "./ke.js";
import { componentState } from "./state.js";
import { DpcObject, KDPC, KTIMER, sched } from "../sched/index.js";
import { dueOf, fireTimers } from "../sched/core.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";

const B = (n: number) => BigInt(n);
const T = { Dpc: 0x40, Callback: 0x80, Context: 0x88, $size: 0xa0 };
const TAG = 0x6d547845; // 'ExTm'
const HIGH_RESOLUTION = 0x4;
const NO_WAKE = 0x8;
const NOTIFICATION = 0x80000000;

interface ExTimer {
  callback: bigint;
  context: bigint;
  /** Delete once the pending expiry has run (ExDeleteTimer with Cancel FALSE). */
  deleteAfterExpiry?: { callback: bigint; context: bigint };
  module: string;
}
const timers = componentState("ex-timers", () => new Map<bigint, ExTimer>());
/** The clock tick (100 ns units), as KeQueryTimeIncrement answers, and the shortest one a PC supports. */
const TICK = 156250;
const MIN_TICK = 5000;

function timerOf(ctx: ApiContext, name: string, t: bigint): ExTimer {
  const e = timers(ctx.kernel).get(t);
  if (!e) return ctx.fault("bugcheck", `${name}(${hex(t)}): not a timer ExAllocateTimer returned (or it was deleted)`, { code: "0x0000003B" });
  return e;
}

function destroy(ctx: ApiContext, t: bigint, del: { callback: bigint; context: bigint } | undefined): void {
  timers(ctx.kernel).delete(t);
  sched(ctx).timers.delete(t);
  ctx.pool.free(t, TAG);
  if (del && del.callback !== 0n) ctx.callGuest(del.callback, [del.context]);
}

/** The DPC every EX_TIMER's KDPC runs: the driver's callback, then a deferred deletion. */
function expiryRoutine(ctx: ApiContext): bigint {
  if (!ctx.kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return ctx.kernel.internalRoutine("ExpTimerDpcRoutine", (c) => {
    const t = c.arg(1); // DeferredContext: the EX_TIMER
    const e = timers(c.kernel).get(t);
    if (!e) return;
    if (e.callback !== 0n) c.callGuest(e.callback, [t, e.context]);
    const after = timers(c.kernel).get(t);
    if (after?.deleteAfterExpiry && !sched(c).timers.has(t)) destroy(c, t, after.deleteAfterExpiry);
  }, 4);
}

export const apis: ApiDefinition[] = [
  nt("ExAllocateTimer", 3, (ctx) => {
    const [cb, context, attrs] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
    ctx.describe([ctx.kernel.where?.(cb) ?? hex(cb), hex(context), hex(attrs)]);
    if ((attrs & HIGH_RESOLUTION) && (attrs & NO_WAKE)) ctx.fault("bugcheck", `ExAllocateTimer: EX_TIMER_HIGH_RESOLUTION and EX_TIMER_NO_WAKE are mutually exclusive (Attributes ${hex(attrs)})`, { code: "0x0000003B" });
    const t = ctx.pool.allocate(T.$size, TAG, 0, true);
    if (t === 0n) return 0n;
    initHeader(ctx, t, attrs & NOTIFICATION ? TimerNotificationObject : TimerSynchronizationObject, LAYOUT.KTIMER.$size, 0);
    const dpc = t + B(T.Dpc);
    ctx.mem.setU8(dpc + B(KDPC.Type), DpcObject);
    writePtr(ctx.mem, dpc + B(KDPC.DeferredRoutine), expiryRoutine(ctx));
    writePtr(ctx.mem, dpc + B(KDPC.DeferredContext), t);
    writePtr(ctx.mem, t + B(T.Callback), cb);
    writePtr(ctx.mem, t + B(T.Context), context);
    timers(ctx.kernel).set(t, { callback: cb, context, module: ctx.caller?.module ?? "?" });
    return t;
  }),
  nt("ExSetTimer", 4, (ctx) => {
    const [t, due, period, params] = [ctx.arg(0), BigInt.asIntN(64, ctx.arg(1)), BigInt.asIntN(64, ctx.arg(2)), ctx.arg(3)];
    ctx.describe([hex(t), String(due), String(period), hex(params)]);
    const e = timerOf(ctx, "ExSetTimer", t);
    if (period < 0n) ctx.fault("bugcheck", `ExSetTimer: negative Period ${period}`, { code: "0x0000003B" });
    if (params !== 0n && ctx.mem.u32(params) !== 0) ctx.fault("bugcheck", `ExSetTimer: EXT_SET_PARAMETERS.Version ${ctx.mem.u32(params)} (ExInitializeSetTimerParameters sets 0)`, { code: "0x0000003B" });
    if (e.deleteAfterExpiry) ctx.fault("bugcheck", `ExSetTimer(${hex(t)}): the timer was deleted (ExDeleteTimer)`, { code: "0x0000003B" });
    const st = sched(ctx);
    const was = st.timers.has(t);
    setSignal(ctx, t, 0);
    const at = dueOf(ctx, due);
    st.timers.set(t, { due: at, period, dpc: t + B(T.Dpc) });
    ctx.mem.setU64(t + B(KTIMER.DueTime), at);
    fireTimers(ctx);
    return was ? 1 : 0;
  }),
  nt("ExCancelTimer", 2, (ctx) => {
    const [t, params] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(t), hex(params)]);
    timerOf(ctx, "ExCancelTimer", t);
    if (params !== 0n) ctx.warn(`ExCancelTimer: Parameters ${hex(params)} (drivers must pass NULL)`);
    return sched(ctx).timers.delete(t) ? 1 : 0;
  }),
  nt("ExDeleteTimer", 4, (ctx) => {
    const [t, cancel, wait, params] = [ctx.arg(0), ctx.u32(1) & 0xff, ctx.u32(2) & 0xff, ctx.arg(3)];
    ctx.describe([hex(t), cancel ? "TRUE" : "FALSE", wait ? "TRUE" : "FALSE", hex(params)]);
    timerOf(ctx, "ExDeleteTimer", t);
    if (wait && !cancel) ctx.fault("bugcheck", "ExDeleteTimer: Wait TRUE requires Cancel TRUE", { code: "0x0000003B" });
    if (wait && ctx.kernel.irql > APC_LEVEL) ctx.fault("bugcheck", `ExDeleteTimer: Wait TRUE at IRQL ${ctx.kernel.irql} (must be <= APC_LEVEL)`, { code: "0x0000000A" });
    // EXT_DELETE_PARAMETERS: Version, Reserved, DeleteCallback, DeleteContext.
    const ptr = BigInt(ptrSize());
    const del = { callback: readPtr(ctx.mem, params + ptr), context: readPtr(ctx.mem, params + 2n * ptr) };
    const st = sched(ctx);
    const pending = st.timers.get(t);
    if (cancel || !pending || pending.period > 0n) {
      const was = st.timers.delete(t);
      destroy(ctx, t, del);
      return cancel && was ? 1 : 0;
    }
    timers(ctx.kernel).get(t)!.deleteAfterExpiry = del;
    return 0;
  }),
  nt("ExQueryTimerResolution", 3, (ctx) => {
    const outs = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe(outs.map(hex));
    const bad = outs.findIndex((o) => o === 0n);
    if (bad >= 0) return ctx.fault("invalid-write", `ExQueryTimerResolution: ${["MaximumTime", "MinimumTime", "CurrentTime"][bad]} is NULL (every output is required)`);
    ctx.mem.setU32(outs[0]!, TICK);
    ctx.mem.setU32(outs[1]!, MIN_TICK);
    ctx.mem.setU32(outs[2]!, TICK);
  }),
];
