/**
 * Small kernel services: kernel queues (KQUEUE: KeInitializeQueue, KeInsertQueue,
 * KeInsertHeadQueue, KeRemoveQueue with scheduler waits, KeRundownQueue, KeReadStateQueue),
 * KePulseEvent / KeSetEventBoostPriority, unbiased interrupt time, UUIDs (deterministic:
 * RFC 4122 version 4 from a fixed-seed generator), timer resolution, processor features of the
 * emulated CPU, the DPC watchdog, and the System process test.
 *
 * KQUEUE (wdm.h, x64): Header 0 (DISPATCHER_HEADER, Type 4 = QueueObject, SignalState = entry
 * count), EntryListHead 24, CurrentCount 40, MaximumCount 44, ThreadListHead 48; 64 bytes.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { clockOf, header, initHeader, schedulerSlot, setSignal, waitWithTimeout } from "./ke.js";
import { sched } from "../sched/index.js";
import { systemProcess } from "./process.js";

const B = (n: number) => BigInt(n);
const QueueObject = 4;
/** KQUEUE (ntifs.h): Header, EntryListHead, CurrentCount, MaximumCount, ThreadListHead — x64 and x86 offsets. */
const Q64 = { EntryListHead: 24n, CurrentCount: 40n, MaximumCount: 44n, ThreadListHead: 48n, size: 64 };
const Q86 = { EntryListHead: 16n, CurrentCount: 24n, MaximumCount: 28n, ThreadListHead: 32n, size: 40 };
const Q = new Proxy(Q64, { get: (_t, k) => (ptrSize() === 4 ? Q86 : Q64)[k as keyof typeof Q64] });
const P = () => BigInt(ptrSize());

function queueCount(ctx: ApiContext, q: bigint): number {
  return header(ctx, q).signal;
}
function link(ctx: ApiContext, q: bigint, entry: bigint, head: boolean): number {
  const list = q + Q.EntryListHead;
  const prev = queueCount(ctx, q);
  if (head) {
    const first = readPtr(ctx.mem, list);
    writePtr(ctx.mem, entry, first);
    writePtr(ctx.mem, entry + P(), list);
    writePtr(ctx.mem, first + P(), entry);
    writePtr(ctx.mem, list, entry);
  } else {
    const last = readPtr(ctx.mem, list + P());
    writePtr(ctx.mem, entry, list);
    writePtr(ctx.mem, entry + P(), last);
    writePtr(ctx.mem, last, entry);
    writePtr(ctx.mem, list + P(), entry);
  }
  setSignal(ctx, q, prev + 1);
  return prev;
}
function unlinkFirst(ctx: ApiContext, q: bigint): bigint {
  const list = q + Q.EntryListHead;
  const first = readPtr(ctx.mem, list);
  const next = readPtr(ctx.mem, first);
  writePtr(ctx.mem, list, next);
  writePtr(ctx.mem, next + P(), list);
  setSignal(ctx, q, queueCount(ctx, q) - 1);
  return first;
}

/** PF_* (winnt.h) an x64 CPU has: CMPXCHG8B, MMX, SSE, RDTSC, PAE, SSE2, NX, SSE3, CMPXCHG16B, fast-fail. */
const PF_PRESENT = new Set([2, 3, 6, 8, 9, 10, 12, 13, 14, 23]);
function uuidState(ctx: ApiContext): { s: number } {
  return ctx.kernel.state("uuid", () => ({ s: 0x4b4d444c }));
}

export const apis: ApiDefinition[] = [
  nt("KeInitializeQueue", 2, (ctx) => {
    const q = ctx.arg(0);
    initHeader(ctx, q, QueueObject, Q.size, 0);
    for (const off of [Q.EntryListHead, Q.ThreadListHead]) {
      writePtr(ctx.mem, q + off, q + off);
      writePtr(ctx.mem, q + off + P(), q + off);
    }
    ctx.mem.setU32(q + Q.CurrentCount, 0);
    ctx.mem.setU32(q + Q.MaximumCount, ctx.u32(1) || 1);
  }),
  nt("KeInsertQueue", 2, (ctx) => link(ctx, ctx.arg(0), ctx.arg(1), false)),
  nt("KeInsertHeadQueue", 2, (ctx) => link(ctx, ctx.arg(0), ctx.arg(1), true)),
  nt("KeReadStateQueue", 1, (ctx) => queueCount(ctx, ctx.arg(0))),
  nt("KeRemoveQueue", 3, (ctx) => {
    const q = ctx.arg(0);
    const timeoutPtr = ctx.arg(2);
    ctx.describe([hex(q), ctx.u32(1) & 0xff ? "UserMode" : "KernelMode", timeoutPtr === 0n ? "NULL (infinite)" : String(BigInt.asIntN(64, ctx.mem.u64(timeoutPtr)))]);
    if (queueCount(ctx, q) > 0) return unlinkFirst(ctx, q);
    sched(ctx);
    const v = waitWithTimeout(ctx, timeoutPtr, "KeRemoveQueue", `queue ${hex(q)} (empty)`, () => (queueCount(ctx, q) > 0 ? unlinkFirst(ctx, q) : null));
    return v === undefined ? undefined : BigInt(v);
  }),
  nt("KeRundownQueue", 1, (ctx) => {
    const q = ctx.arg(0);
    if (queueCount(ctx, q) === 0) return 0n;
    // The entries stay linked in a list headed by the first one (the queue's head is unlinked).
    const list = q + Q.EntryListHead;
    const first = readPtr(ctx.mem, list);
    const last = readPtr(ctx.mem, list + P());
    writePtr(ctx.mem, first + P(), last);
    writePtr(ctx.mem, last, first);
    writePtr(ctx.mem, list, list);
    writePtr(ctx.mem, list + P(), list);
    setSignal(ctx, q, 0);
    return first;
  }),
  nt("KePulseEvent", 3, (ctx) => {
    const prev = header(ctx, ctx.arg(0)).signal;
    // Waiters would be released here; none can be waiting on the single emulated thread.
    setSignal(ctx, ctx.arg(0), 0);
    return prev;
  }),
  nt("KeSetEventBoostPriority", 2, (ctx) => void setSignal(ctx, ctx.arg(0), 1)),
  nt("KeQueryUnbiasedInterruptTime", 0, (ctx) => clockOf(ctx).interruptTime()),
  nt("KeGetRecommendedSharedDataAlignment", 0, () => 64),
  nt("KeInvalidateAllCaches", 0, () => 1),
  nt("KeQueryHighestNodeNumber", 0, () => 0),
  nt("KeIsExecutingDpc", 0, (ctx) => (sched(ctx).inDpc ? 1 : 0)),
  nt("KeQueryDpcWatchdogInformation", 1, (ctx) => {
    // KDPC_WATCHDOG_INFORMATION: DpcTimeLimit, DpcTimeCount, DpcWatchdogLimit, DpcWatchdogCount, Reserved.
    const p = ctx.arg(0);
    ctx.mem.write(p, new Uint8Array(20));
    ctx.mem.setU32(p, 0x500);
    ctx.mem.setU32(p + 8n, 0x1e00);
    return STATUS.SUCCESS;
  }),
  nt("ExUuidCreate", 1, (ctx) => {
    const st = uuidState(ctx);
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      st.s = (Math.imul(st.s, 1103515245) + 12345) >>> 0;
      b[i] = st.s >>> 24;
    }
    b[7] = (b[7]! & 0x0f) | 0x40; // version 4 (Data3 high nibble)
    b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
    ctx.mem.write(ctx.arg(0), b);
    return STATUS.SUCCESS;
  }),
  nt("ExSetTimerResolution", 2, () => 156250),
  {
    // wdm.h, Windows 8 (Learn nf-wdm-exquerytimerresolution): the clock tick's range and current
    // interval in 100 ns units. kmdll's clock ticks every 15.625 ms (KeQueryTimeIncrement) and
    // ExSetTimerResolution leaves it there; the minimum is the 0.5 ms Windows offers on PCs.
    ...nt("ExQueryTimerResolution", 3, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
      ctx.mem.setU32(ctx.arg(0), 156250);
      ctx.mem.setU32(ctx.arg(1), 5000);
      ctx.mem.setU32(ctx.arg(2), 156250);
    }),
    notes: "maximum and current 15.625 ms (kmdll's clock tick), minimum 0.5 ms",
  },
  nt("ExIsProcessorFeaturePresent", 1, (ctx) => (PF_PRESENT.has(ctx.u32(0)) ? 1 : 0)),
  nt("PsIsSystemProcess", 1, (ctx) => (ctx.arg(0) === systemProcess(ctx) ? 1 : 0)),
  nt("PsGetCurrentProcessWow64Process", 0, () => 0n),
  // The emulated PC boots from BIOS, not UEFI: firmware variables are documented to be unavailable.
  ...(["ExGetFirmwareEnvironmentVariable", "ExSetFirmwareEnvironmentVariable"] as const).map((name) => ({
    ...nt(name, 5, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
      return STATUS.NOT_IMPLEMENTED;
    }),
    notes: "STATUS_NOT_IMPLEMENTED, as Microsoft Learn documents for a BIOS (non-UEFI) machine — the emulated one",
  })),
  nt("IoGetConfigurationInformation", 0, (ctx) => {
    // CONFIGURATION_INFORMATION (ntddk.h, x64): seven counts, two BOOLEANs at 28/29, Version at 32 (= sizeof, 40),
    // MediumChangerCount at 36 — all counts 0: no disks, floppies, CD-ROMs, tapes, SCSI, serial or parallel ports.
    const st = ctx.kernel.state("config-info", () => ({ at: 0n }));
    if (st.at === 0n) {
      st.at = ctx.kernel.kernelPool?.allocate(40, 0x666e6f43 /* 'Conf' */) ?? 0n;
      if (st.at !== 0n) {
        ctx.mem.write(st.at, new Uint8Array(40));
        ctx.mem.setU32(st.at + 32n, 40);
      }
    }
    return st.at;
  }),
  // IoGetDeviceInterfaces: src/emu/pnp/apis.ts (the PnP manager knows the registered interfaces).
];
