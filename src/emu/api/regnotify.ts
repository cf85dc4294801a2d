/**
 * Registry change notifications: ZwNotifyChangeKey (ntifs.h; semantics from Microsoft Learn and
 * the configuration manager's notify blocks as the WRK's cmnotify.c / ReactOS reproduce them):
 *
 *   NTSTATUS ZwNotifyChangeKey(HANDLE KeyHandle, HANDLE Event, PIO_APC_ROUTINE ApcRoutine,
 *     PVOID ApcContext, PIO_STATUS_BLOCK IoStatusBlock, ULONG CompletionFilter, BOOLEAN WatchTree,
 *     PVOID Buffer, ULONG BufferSize, BOOLEAN Asynchronous)
 *
 * An asynchronous request is queued on the key and returns STATUS_PENDING. A later change of the
 * kinds CompletionFilter selects (REG_NOTIFY_CHANGE_NAME 1: a subkey created or deleted;
 * REG_NOTIFY_CHANGE_LAST_SET 4: a value set or deleted; ATTRIBUTES 2, SECURITY 8), on the key or,
 * with WatchTree, below it, completes it: IoStatusBlock = { STATUS_NOTIFY_ENUM_DIR, 0 }, Event
 * signalled and, from kernel mode, ApcRoutine taken as a WORK_QUEUE_ITEM queued to the work queue
 * ApcContext names (the documented kernel-mode use: ExQueueWorkItem's item, DelayedWorkQueue).
 * Closing the handle completes a pending request with STATUS_NOTIFY_CLEANUP. Invalid arguments:
 * not a key handle STATUS_INVALID_HANDLE (deleted key: STATUS_KEY_DELETED); CompletionFilter 0 or
 * with bits outside REG_LEGAL_CHANGE_FILTER (0x1000000F, REG_NOTIFY_THREAD_AGNOSTIC included),
 * IoStatusBlock NULL, or Buffer / BufferSize not NULL / 0 (reserved): STATUS_INVALID_PARAMETER.
 * A synchronous request waits for the next change: nothing else runs while DriverEntry waits, so it
 * is reported as a deadlock.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";
import { keyOf } from "./zw.js";
import { lookupHandle } from "./ob.js";
import type { RegistryKey } from "../../nt/registry.js";
import { sched, WQI } from "../sched/index.js";

const B = (n: number) => BigInt(n);
export const REG_NOTIFY_CHANGE_NAME = 1;
export const REG_NOTIFY_CHANGE_LAST_SET = 4;
const REG_LEGAL_CHANGE_FILTER = 0x1000000f;
const STATUS_NOTIFY_CLEANUP = 0x0000010b;
const STATUS_NOTIFY_ENUM_DIR = 0x0000010c;
const MAX_WORK_QUEUE_TYPE = 2; // CriticalWorkQueue, DelayedWorkQueue, HyperCriticalWorkQueue

interface Watch {
  handle: bigint;
  key: RegistryKey;
  event: bigint;
  apcRoutine: bigint;
  apcContext: bigint;
  iosb: bigint;
  filter: number;
  tree: boolean;
  module: string;
}
const notifyState = componentState("regnotify", () => ({ watches: [] as Watch[] }));

function complete(ctx: ApiContext, w: Watch, status: number): void {
  // IO_STATUS_BLOCK: Status at 0, Information at pointer size.
  ctx.mem.setU32(w.iosb, status);
  writePtr(ctx.mem, w.iosb + B(ptrSize()), 0n);
  if (w.event !== 0n) {
    const h = lookupHandle(ctx.kernel, w.event);
    if (h?.type === "Event" && h.object !== undefined) ctx.mem.setU32(h.object + 4n, 1);
  }
  if (w.apcRoutine !== 0n && w.apcContext <= BigInt(MAX_WORK_QUEUE_TYPE)) {
    const item = w.apcRoutine;
    const routine = readPtr(ctx.mem, item + B(WQI.WorkerRoutine));
    sched(ctx).work.push({ kind: "ex", item, routine, args: [readPtr(ctx.mem, item + B(WQI.Parameter))], module: w.module });
  }
}

function within(key: RegistryKey, top: RegistryKey): boolean {
  for (let k: RegistryKey | null = key; k; k = k.parent) if (k === top) return true;
  return false;
}

/** A change of `kind` (REG_NOTIFY_CHANGE_*) to `key`: complete the requests watching it (zw.ts calls this). */
export function registryChanged(ctx: ApiContext, key: RegistryKey, kind: number): void {
  const st = notifyState(ctx.kernel);
  if (!st.watches.length) return;
  const fire = st.watches.filter((w) => (w.filter & kind) !== 0 && (w.key === key || (w.tree && within(key, w.key))));
  if (!fire.length) return;
  st.watches = st.watches.filter((w) => !fire.includes(w));
  for (const w of fire) complete(ctx, w, STATUS_NOTIFY_ENUM_DIR);
}

/** The key handle `handle` is being closed: its pending requests complete with STATUS_NOTIFY_CLEANUP. */
export function keyHandleClosing(ctx: ApiContext, handle: bigint): void {
  const st = notifyState(ctx.kernel);
  const mine = st.watches.filter((w) => w.handle === handle);
  if (!mine.length) return;
  st.watches = st.watches.filter((w) => w.handle !== handle);
  for (const w of mine) complete(ctx, w, STATUS_NOTIFY_CLEANUP);
}

export const apis: ApiDefinition[] = [
  nt("ZwNotifyChangeKey", 10, (ctx) => {
    const [handle, event, apc, apcCtx, iosb] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
    const [filter, tree, buffer, size, async] = [ctx.u32(5), (ctx.u32(6) & 0xff) !== 0, ctx.arg(7), ctx.u32(8), (ctx.u32(9) & 0xff) !== 0];
    ctx.describe([hex(handle), hex(event), hex(apc), hex(apcCtx), hex(iosb), hex(filter), tree ? "TRUE" : "FALSE", hex(buffer), String(size), async ? "TRUE" : "FALSE"]);
    const key = keyOf(ctx, handle);
    if (typeof key === "number") return key;
    if (filter === 0 || (filter & ~REG_LEGAL_CHANGE_FILTER) !== 0 || iosb === 0n || buffer !== 0n || size !== 0) return STATUS.INVALID_PARAMETER;
    // The I/O status block is written on completion: it must be writable now.
    ctx.mem.setU32(iosb, ctx.mem.u32(iosb));
    if (!async)
      ctx.fault("deadlock", `ZwNotifyChangeKey(${hex(handle)}, Asynchronous FALSE) waits for the next change of the key, and nothing else runs to make one while ${ctx.caller?.module ?? "the driver"} waits`);
    notifyState(ctx.kernel).watches.push({ handle, key, event, apcRoutine: apc, apcContext: apcCtx, iosb, filter, tree, module: ctx.caller?.module ?? "?" });
    return STATUS.PENDING;
  }),
];
