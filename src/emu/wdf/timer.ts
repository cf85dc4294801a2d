/**
 * WDFTIMER (wdftimer.h of microsoft/Windows-Driver-Frameworks src/publicinc/wdf/kmdf/1.33; behaviour
 * from src/framework/shared/core/fxtimerapi.cpp and fxtimer.cpp). WdfTimerCreate checks, in the
 * framework's order: the attributes name a parent (STATUS_WDF_PARENT_NOT_SPECIFIED), Config and
 * Timer are not NULL (WDF_VIOLATION), Config->Size is one of the 1.7 / 1.11 / current sizes
 * (STATUS_INFO_LENGTH_MISMATCH), Period ≤ MAXLONG (STATUS_INVALID_PARAMETER), a high-resolution
 * timer has no tolerable delay, the attributes (synchronization scope must be inherited), a
 * periodic timer is not a passive-level one (STATUS_NOT_SUPPORTED), and the parent is a WDFDEVICE
 * or below one (FxDeviceBase::_SearchForDevice: STATUS_INVALID_DEVICE_REQUEST).
 *
 * The timer is a KTIMER + KDPC on the deterministic scheduler (src/emu/sched): WdfTimerStart
 * (KeSetTimerEx with the configured period) returns TRUE when the timer was already queued; when
 * the emulated clock passes the due time the DPC (wdf01000!FxTimerDpc) calls EvtTimerFunc(Timer) at
 * DISPATCH_LEVEL — or, for WdfExecutionLevelPassive, from a work item at PASSIVE_LEVEL. WdfTimerStop
 * (KeCancelTimer) returns TRUE when it was queued; Wait = TRUE also runs a DPC already queued
 * (KeFlushQueuedDpcs) and is refused (FALSE) above PASSIVE_LEVEL or from the timer's own callback.
 * Deleting the timer (or its parent) stops it.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex, writePtr } from "../api/util.js";
import { DpcObject, KDPC, drainDpcs, sched, setTimer } from "../sched/index.js";
import { PASSIVE_LEVEL, initHeader } from "../api/ke.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, parentedCreate, readAttributes, validateAttributes, wdfState, type WdfObject, underDevice } from "./objects.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const TAG_TIMER = 0x54666457; // 'WdfT'
const TimerNotificationObject = 8;
const WdfExecutionLevelPassive = 2;
const MAXLONG = 0x7fffffff;
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

interface TimerState {
  ktimer: bigint;
  kdpc: bigint;
  evt: bigint;
  period: number;
  passive: boolean;
  /** The callback is running (WdfTimerStop with Wait from inside it is refused). */
  inCallback: boolean;
}
const timers = new WeakMap<WdfObject, TimerState>();

function timerOf(ctx: ApiContext): { o: WdfObject; t: TimerState } {
  const o = objectOf(ctx, ctx.arg(1), "timer", "Timer");
  return { o, t: timers.get(o)! };
}

function runCallback(ctx: ApiContext, o: WdfObject, t: TimerState): void {
  t.inCallback = true;
  try {
    ctx.callGuest(t.evt, [o.handle]);
  } finally {
    t.inCallback = false;
  }
}

export const apis: ApiDefinition[] = [
  // The framework's DPC routine of every WDFTIMER: DeferredContext is the timer's handle.
  fx("FxTimerDpc", 4, (ctx) => {
    const o = wdfState(ctx.kernel).objects.get(ctx.arg(1));
    const t = o && !o.deletePending ? timers.get(o) : undefined;
    if (!o || !t) return;
    if (t.passive) {
      // WdfExecutionLevelPassive: the framework queues a work item that calls EvtTimerFunc at PASSIVE_LEVEL.
      sched(ctx).work.push({ kind: "ex", item: 0n, routine: ctx.kernel.moduleExport?.(WDF01000, "FxTimerWorkItem") ?? 0n, args: [o.handle], module: WDF01000 });
      return;
    }
    runCallback(ctx, o, t);
  }),
  fx("FxTimerWorkItem", 1, (ctx) => {
    const o = wdfState(ctx.kernel).objects.get(ctx.arg(0));
    const t = o && !o.deletePending ? timers.get(o) : undefined;
    if (o && t) runCallback(ctx, o, t);
  }),
  fx("WdfTimerCreate", 4, (ctx) => {
    const [config, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(config), hex(attrs), hex(out)]);
    const m = ctx.mem;
    const A = wdf("WDF_OBJECT_ATTRIBUTES");
    const parent = parentedCreate(ctx, attrs, config, out, "Timer");
    if (typeof parent === "number") return parent;
    const C = wdf("WDF_TIMER_CONFIG");
    const size = m.u32(config + B(C.Size));
    const sizes = [C.$size, wdf("WDF_TIMER_CONFIG_V1_7").$size, wdf("WDF_TIMER_CONFIG_V1_11").$size];
    if (!sizes.includes(size)) {
      ctx.warn(`WdfTimerCreate: WDF_TIMER_CONFIG.Size is ${size}, not the size of the KMDF 1.7, 1.11 or current structure for this arch: STATUS_INFO_LENGTH_MISMATCH`);
      return STATUS.INFO_LENGTH_MISMATCH;
    }
    const period = m.u32(config + B(C.Period));
    if (period > MAXLONG) return STATUS.INVALID_PARAMETER;
    if (size > wdf("WDF_TIMER_CONFIG_V1_11").$size && m.u32(config + B(C.TolerableDelay)) > 0 && m.u8(config + B(C.UseHighResolutionTimer)) !== 0) return STATUS.INVALID_PARAMETER;
    const st = validateAttributes(ctx, attrs, { parentRequired: true, executionLevel: true });
    if (st !== 0) return st;
    const passive = m.u32(attrs + B(A.ExecutionLevel)) === WdfExecutionLevelPassive;
    if (period > 0 && passive) return STATUS.NOT_SUPPORTED;
    if (!underDevice(ctx, parent.handle)) {
      ctx.warn(`WdfTimerCreate: the parent ${hex(parent.handle)} (a WDF ${parent.kind}) is not a WDFDEVICE or an object below one: STATUS_INVALID_DEVICE_REQUEST`);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    const evt = getPtr(m, config + B(C.EvtTimerFunc));
    required(ctx, evt, "Config->EvtTimerFunc");
    const TS = LAYOUT.KTIMER.$size;
    const block = ctx.kernel.kernelPool?.allocate(TS + LAYOUT.KDPC.$size, TAG_TIMER) ?? 0n;
    if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    m.write(block, new Uint8Array(TS + LAYOUT.KDPC.$size));
    const kdpc = block + B(TS);
    initHeader(ctx, block, TimerNotificationObject, TS, 0);
    m.setU8(kdpc + B(KDPC.Type), DpcObject);
    m.setU8(kdpc + B(KDPC.Importance), 1);
    writePtr(m, kdpc + B(KDPC.DeferredRoutine), ctx.kernel.moduleExport?.(WDF01000, "FxTimerDpc") ?? 0n);
    const o = newObject(ctx, "timer", readAttributes(ctx, attrs));
    writePtr(m, kdpc + B(KDPC.DeferredContext), o.handle);
    const t: TimerState = { ktimer: block, kdpc, evt, period, passive, inCallback: false };
    timers.set(o, t);
    o.dispose = (c) => {
      const s = sched(c);
      s.timers.delete(block);
      s.dpcQueue = s.dpcQueue.filter((d) => d !== kdpc);
      s.work = s.work.filter((w) => !(w.args[0] === o.handle && w.module === WDF01000));
      c.kernel.kernelPool?.free(block);
    };
    putPtr(m, out, o.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfTimerStart", 3, (ctx) => {
    const { o, t } = timerOf(ctx);
    const due = BigInt.asIntN(64, ctx.arg(2));
    ctx.describe([hex(ctx.arg(0)), hex(o.handle), String(due)]);
    return setTimer(ctx, t.ktimer, due, t.period, t.kdpc);
  }),
  fx("WdfTimerStop", 3, (ctx) => {
    const { o, t } = timerOf(ctx);
    const wait = (ctx.u32(2) & 0xff) !== 0;
    if (wait && t.inCallback) {
      ctx.warn(`WdfTimerStop(${hex(o.handle)}, TRUE) called from the timer's own callback: the framework refuses it (FALSE) as it would wait for itself`);
      return 0;
    }
    if (wait && ctx.kernel.irql > PASSIVE_LEVEL) {
      ctx.warn(`WdfTimerStop(${hex(o.handle)}, TRUE) called at IRQL ${ctx.kernel.irql} > PASSIVE_LEVEL: refused (FALSE)`);
      return 0;
    }
    const s = sched(ctx);
    const was = s.timers.delete(t.ktimer);
    // Wait: KeFlushQueuedDpcs — a DPC already queued runs before WdfTimerStop returns.
    if (wait && s.dpcQueue.includes(t.kdpc)) drainDpcs(ctx);
    return was ? 1 : 0;
  }),
  fx("WdfTimerGetParentObject", 2, (ctx) => timerOf(ctx).o.parent ?? 0n),
];
