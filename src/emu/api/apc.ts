/**
 * Asynchronous procedure calls to system threads: KeInitializeApc, KeInsertQueueApc.
 * Undocumented on Microsoft Learn but exported and used by shipped drivers
 * (a per-thread CPU sampler queues one to each thread it watches); the semantics follow ReactOS
 * (ntoskrnl/ke/apc.c) and "Windows Internals" (APC delivery):
 *
 *   KeInitializeApc(Apc, Thread, Environment, KernelRoutine, RundownRoutine, NormalRoutine,
 *     ApcMode, NormalContext) fills the KAPC; without a NormalRoutine the APC is a special kernel
 *     APC (mode KernelMode, no context).
 *   KeInsertQueueApc(Apc, SystemArgument1, SystemArgument2, Increment): FALSE when the APC is
 *     already queued or its thread has ended; else TRUE. A kernel-mode APC is delivered when its
 *     thread runs at PASSIVE_LEVEL outside a critical region (a special one also inside): the
 *     thread that queued it to itself gets it before KeInsertQueueApc returns; a system thread
 *     parked in a wait gets it at the scheduler's next step, the wait continuing afterwards.
 *     Delivery: KernelRoutine(Apc, &NormalRoutine, &NormalContext, &SystemArgument1,
 *     &SystemArgument2) at APC_LEVEL, then NormalRoutine(NormalContext, SystemArgument1,
 *     SystemArgument2) at PASSIVE_LEVEL if the kernel routine left one. A user-mode APC is queued
 *     and never delivered: no user-mode code runs in the emulated system.
 *
 * KAPC (wdm.h): x64 Type 0 (ApcObject 0x12), Size 2 (0x58), Thread 8, ApcListEntry 16,
 * KernelRoutine 32, RundownRoutine 40, NormalRoutine 48, NormalContext 56, SystemArgument1 64,
 * SystemArgument2 72, ApcStateIndex 80, ApcMode 81, Inserted 82; x86 Size 0x30, Thread 8,
 * ApcListEntry 12, routines 20/24/28, NormalContext 32, arguments 36/40, ApcStateIndex 44,
 * ApcMode 45, Inserted 46.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { componentState } from "./state.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { layoutArch, ptrSize } from "../../nt/arch-layout.js";
import { keState } from "./ke.js";

const B = (n: number) => BigInt(n);
const APC_OBJECT = 0x12;
const APC_LEVEL = 1;
const KAPC = {
  x64: { size: 0x58, Thread: 8, KernelRoutine: 32, RundownRoutine: 40, NormalRoutine: 48, NormalContext: 56, SystemArgument1: 64, SystemArgument2: 72, ApcStateIndex: 80, ApcMode: 81, Inserted: 82 },
  x86: { size: 0x30, Thread: 8, KernelRoutine: 20, RundownRoutine: 24, NormalRoutine: 28, NormalContext: 32, SystemArgument1: 36, SystemArgument2: 40, ApcStateIndex: 44, ApcMode: 45, Inserted: 46 },
};
const K = () => (layoutArch() === "x86" ? KAPC.x86 : KAPC.x64);

/** A thread the scheduler knows, as far as APC delivery is concerned. */
export interface ApcTarget {
  state: "ready" | "running" | "waiting" | "terminated";
  irql: number;
  criticalRegion: number;
}

interface ApcState {
  /** Queued APCs (KAPC addresses) in insertion order. */
  queued: bigint[];
}
const apcState = componentState("apc", (): ApcState => ({ queued: [] }));

/** The scheduler's view of system threads (sched/threads.ts provides it). */
export interface ApcHost {
  thread(ctx: ApiContext, object: bigint): ApcTarget | undefined;
  /** Run `fn` as the thread `object` (current thread, its IRQL and critical region). */
  runAs(ctx: ApiContext, object: bigint, fn: () => void): void;
}

function deliver(ctx: ApiContext, apc: bigint): void {
  const k = K();
  const m = ctx.mem;
  const p = ptrSize();
  const kernelRoutine = readPtr(m, apc + B(k.KernelRoutine));
  // KiDeliverApc: the APC leaves the queue first; the routines get pointers to copies.
  m.setU8(apc + B(k.Inserted), 0);
  const cells = ctx.kernel.kernelPool?.allocate(4 * p, 0x20637041 /* 'Apc ' */) ?? 0n;
  if (cells === 0n) return;
  try {
    writePtr(m, cells, readPtr(m, apc + B(k.NormalRoutine)));
    writePtr(m, cells + B(p), readPtr(m, apc + B(k.NormalContext)));
    writePtr(m, cells + B(2 * p), readPtr(m, apc + B(k.SystemArgument1)));
    writePtr(m, cells + B(3 * p), readPtr(m, apc + B(k.SystemArgument2)));
    const irql = ctx.kernel.irql;
    ctx.kernel.irql = APC_LEVEL;
    try {
      if (kernelRoutine !== 0n) ctx.callGuest(kernelRoutine, [apc, cells, cells + B(p), cells + B(2 * p), cells + B(3 * p)]);
    } finally {
      ctx.kernel.irql = irql;
    }
    const normal = readPtr(m, cells);
    if (normal !== 0n) ctx.callGuest(normal, [readPtr(m, cells + B(p)), readPtr(m, cells + B(2 * p)), readPtr(m, cells + B(3 * p))]);
  } finally {
    ctx.kernel.kernelPool?.free(cells);
  }
}

/** Whether `t` would take this kernel APC now (PASSIVE_LEVEL; a normal one outside a critical region). */
function takes(t: ApcTarget, special: boolean): boolean {
  return t.state !== "terminated" && t.state !== "running" && t.irql === 0 && (special || t.criticalRegion === 0);
}

/**
 * Deliver the kernel-mode APCs queued to system threads that are not running and could take
 * them now (the scheduler calls this at each step). Returns whether one was delivered.
 */
export function deliverApcs(ctx: ApiContext, host: ApcHost): boolean {
  const st = apcState(ctx.kernel);
  if (!st.queued.length || ctx.kernel.irql >= APC_LEVEL) return false;
  const k = K();
  for (let i = 0; i < st.queued.length; i++) {
    const apc = st.queued[i]!;
    if (ctx.mem.u8(apc + B(k.ApcMode)) !== 0) continue;
    const thread = readPtr(ctx.mem, apc + B(k.Thread));
    const t = host.thread(ctx, thread);
    if (!t || !takes(t, readPtr(ctx.mem, apc + B(k.NormalRoutine)) === 0n)) continue;
    st.queued.splice(i, 1);
    host.runAs(ctx, thread, () => deliver(ctx, apc));
    return true;
  }
  return false;
}

let apcHost: ApcHost | null = null;
/** The scheduler registers itself (sched/core.ts; its functions are stateless, given a context). */
export function provideApcHost(h: ApcHost): void {
  apcHost = h;
}

export const apis: ApiDefinition[] = [
  nt("KeInitializeApc", 8, (ctx) => {
    const k = K();
    const apc = ctx.arg(0);
    const normal = ctx.arg(5);
    ctx.describe([hex(apc), hex(ctx.arg(1)), String(ctx.u32(2)), hex(ctx.arg(3)), hex(ctx.arg(4)), hex(normal), ctx.u32(6) & 0xff ? "UserMode" : "KernelMode", hex(ctx.arg(7))]);
    ctx.mem.write(apc, new Uint8Array(k.size));
    ctx.mem.setU8(apc, APC_OBJECT);
    ctx.mem.setU8(apc + 2n, k.size);
    writePtr(ctx.mem, apc + B(k.Thread), ctx.arg(1));
    writePtr(ctx.mem, apc + B(k.KernelRoutine), ctx.arg(3));
    writePtr(ctx.mem, apc + B(k.RundownRoutine), ctx.arg(4));
    writePtr(ctx.mem, apc + B(k.NormalRoutine), normal);
    // No normal routine: a special kernel APC (KernelMode, no context).
    ctx.mem.setU8(apc + B(k.ApcMode), normal === 0n ? 0 : ctx.u32(6) & 1);
    writePtr(ctx.mem, apc + B(k.NormalContext), normal === 0n ? 0n : ctx.arg(7));
    ctx.mem.setU8(apc + B(k.ApcStateIndex), ctx.u32(2) & 0xff);
  }),
  nt("KeInsertQueueApc", 4, (ctx) => {
    const k = K();
    const apc = ctx.arg(0);
    ctx.describe([hex(apc), hex(ctx.arg(1)), hex(ctx.arg(2)), String(ctx.u32(3))]);
    if (ctx.mem.u8(apc + B(k.Inserted))) return 0;
    const thread = readPtr(ctx.mem, apc + B(k.Thread));
    const t = apcHost?.thread(ctx, thread);
    if (t?.state === "terminated") return 0;
    writePtr(ctx.mem, apc + B(k.SystemArgument1), ctx.arg(1));
    writePtr(ctx.mem, apc + B(k.SystemArgument2), ctx.arg(2));
    ctx.mem.setU8(apc + B(k.Inserted), 1);
    const kernelMode = ctx.mem.u8(apc + B(k.ApcMode)) === 0;
    const special = readPtr(ctx.mem, apc + B(k.NormalRoutine)) === 0n;
    // Queued to the thread running now, which can take it: delivered before this returns.
    if (kernelMode && thread === ctx.kernel.currentThread && ctx.kernel.irql === 0 && (special || keState(ctx.kernel).criticalRegion === 0)) {
      deliver(ctx, apc);
      return 1;
    }
    apcState(ctx.kernel).queued.push(apc);
    return 1;
  }),
];
