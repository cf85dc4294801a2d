/**
 * Interlocked lists, sequenced singly linked lists and lookaside lists.
 *
 * LIST_ENTRY { Flink 0, Blink 8 }; SINGLE_LIST_ENTRY { Next 0 }. SLIST_HEADER (x64, 16 bytes,
 * Windows 8 layout): word 0 = Depth (16 bits) | Sequence << 16, word 1 = NextEntry (16-byte
 * aligned address) | HeaderType 1 — so wdm.h's inline QueryDepthSList (Depth = low 16 bits)
 * reads what these routines keep. GENERAL_LOOKASIDE (x64): ListHead 0, Depth 16, MaximumDepth
 * 18, TotalAllocates 20, AllocateMisses 24, TotalFrees 28, FreeMisses 32, Type 36, Tag 40,
 * Size 44, Allocate 48, Free 56, ListEntry 64 (NPAGED/PAGED_LOOKASIDE_LIST 128 bytes,
 * LOOKASIDE_LIST_EX 96): the inline ExAllocateFromNPagedLookasideList pops the SLIST and calls
 * Allocate on a miss, so Allocate/Free default to the addresses of ExAllocatePoolWithTag and
 * ExFreePool in the emulated ntoskrnl.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { acquireSpin, releaseSpin } from "./ke.js";

const B = (n: number) => BigInt(n);
/** GENERAL_LOOKASIDE (wdm.h): x64 after a 16-byte SLIST_HEADER; x86 after an 8-byte one, with 4-byte pointers. */
const L64 = { Depth: 16, MaximumDepth: 18, Type: 36, Tag: 40, Size: 44, Allocate: 48, Free: 56, ListEntry: 64 };
const L86 = { Depth: 8, MaximumDepth: 10, Type: 28, Tag: 32, Size: 36, Allocate: 40, Free: 44, ListEntry: 48 };
const L = new Proxy(L64, { get: (_t, k) => (ptrSize() === 4 ? L86 : L64)[k as keyof typeof L64] });
/** Bytes of a pointer, as a BigInt offset (LIST_ENTRY.Blink, SINGLE_LIST_ENTRY). */
const P = () => BigInt(ptrSize());

function withLock<T>(ctx: ApiContext, lock: bigint, api: string, f: () => T): T {
  acquireSpin(ctx, lock, api);
  try {
    return f();
  } finally {
    releaseSpin(ctx, lock, api);
  }
}

function insert(ctx: ApiContext, head: bigint, entry: bigint, tail: boolean): bigint {
  const m = ctx.mem;
  const first = readPtr(m, head);
  const last = readPtr(m, head + P());
  const wasEmpty = first === head;
  if (tail) {
    writePtr(m, entry, head);
    writePtr(m, entry + P(), last);
    writePtr(m, last, entry);
    writePtr(m, head + P(), entry);
  } else {
    writePtr(m, entry, first);
    writePtr(m, entry + P(), head);
    writePtr(m, first + P(), entry);
    writePtr(m, head, entry);
  }
  return wasEmpty ? 0n : tail ? last : first;
}

// ---- SLIST (wdm.h SLIST_HEADER: x64 16 bytes — Depth:16 Sequence:48, then the first entry
// with flag bits; x86 8 bytes — Next, Depth (USHORT), Sequence (USHORT); entries aligned to
// MEMORY_ALLOCATION_ALIGNMENT, 16 on x64 and 8 on x86)
const x86 = () => ptrSize() === 4;
function sDepth(ctx: ApiContext, h: bigint): number {
  return x86() ? ctx.mem.u16(h + 4n) : Number(ctx.mem.u64(h) & 0xffffn);
}
function sFirst(ctx: ApiContext, h: bigint): bigint {
  return x86() ? B(ctx.mem.u32(h)) : ctx.mem.u64(h + 8n) & ~0xfn;
}
function sSet(ctx: ApiContext, h: bigint, first: bigint, depth: number): void {
  if (x86()) {
    ctx.mem.setU32(h, Number(first));
    ctx.mem.setU16(h + 4n, depth & 0xffff);
    ctx.mem.setU16(h + 6n, (ctx.mem.u16(h + 6n) + 1) & 0xffff);
    return;
  }
  const seq = (ctx.mem.u64(h) >> 16n) + 1n;
  ctx.mem.setU64(h, B(depth & 0xffff) | ((seq & 0xffffffffffffn) << 16n));
  ctx.mem.setU64(h + 8n, first | 1n);
}
const slistAlign = () => (x86() ? 7n : 0xfn);
function sPush(ctx: ApiContext, h: bigint, entry: bigint, api: string): bigint {
  if (entry & slistAlign()) ctx.fault("bugcheck", `${api}(${hex(h)}, ${hex(entry)}): SLIST_ENTRY not ${x86() ? 8 : 16}-byte aligned`, { code: "0x0000001E" });
  const first = sFirst(ctx, h);
  writePtr(ctx.mem, entry, first);
  sSet(ctx, h, entry, sDepth(ctx, h) + 1);
  return first;
}
function sPop(ctx: ApiContext, h: bigint): bigint {
  const first = sFirst(ctx, h);
  if (first === 0n) return 0n;
  sSet(ctx, h, readPtr(ctx.mem, first), sDepth(ctx, h) - 1);
  return first;
}

// ---- lookaside lists
/**
 * The default AllocateEx/FreeEx of a LOOKASIDE_LIST_EX: (PoolType, NumberOfBytes, Tag, Lookaside)
 * and (Buffer, Lookaside) — one argument more than ExAllocatePoolWithTag/ExFreePool, which on x86
 * (stdcall: the callee pops its arguments) must be routines of their own.
 */
function defaultsEx(ctx: ApiContext): [bigint, bigint] {
  const reg = ctx.kernel.internalRoutine;
  if (!reg) return [0n, 0n];
  const alloc = reg("ExpAllocateLookasideListEx", (c) => c.pool.allocate(Number(c.arg(1) & 0xffffffffn), c.u32(2), c.u32(0), false), 4);
  const free = reg("ExpFreeLookasideListEx", (c) => c.pool.free(c.arg(0), null), 2);
  return [alloc, free];
}
function initLookaside(ctx: ApiContext, l: bigint, allocate: bigint, free: bigint, poolType: number, size: number, tag: number, api: string, ex = false): void {
  const [allocEx, freeEx] = ex ? defaultsEx(ctx) : [0n, 0n];
  const alloc = allocate !== 0n ? allocate : allocEx || (ctx.kernel.resolveKernelExport?.("ExAllocatePoolWithTag") ?? 0n);
  const fr = free !== 0n ? free : freeEx || (ctx.kernel.resolveKernelExport?.("ExFreePool") ?? 0n);
  if (alloc === 0n || fr === 0n) ctx.fault("internal", `${api}: the emulated ntoskrnl has no ExAllocatePoolWithTag/ExFreePool export`, {});
  ctx.mem.write(l, new Uint8Array(x86() ? 72 : 80));
  sSet(ctx, l, 0n, 0);
  ctx.mem.setU16(l + B(L.Depth), 4);
  ctx.mem.setU16(l + B(L.MaximumDepth), 256);
  ctx.mem.setU32(l + B(L.Type), poolType);
  ctx.mem.setU32(l + B(L.Tag), tag);
  ctx.mem.setU32(l + B(L.Size), Math.max(size, 16));
  writePtr(ctx.mem, l + B(L.Allocate), alloc);
  writePtr(ctx.mem, l + B(L.Free), fr);
  writePtr(ctx.mem, l + B(L.ListEntry), l + B(L.ListEntry));
  writePtr(ctx.mem, l + B(L.ListEntry) + P(), l + B(L.ListEntry));
  ctx.kernel.state("lookaside", () => new Set<bigint>()).add(l);
}
/** Free every cached entry through the list's Free routine (extended lists pass the list too). */
function flushLookaside(ctx: ApiContext, l: bigint, ex: boolean): void {
  const free = readPtr(ctx.mem, l + B(L.Free));
  for (let e = sPop(ctx, l), n = 0; e !== 0n && n < 65536; e = sPop(ctx, l), n++) ctx.callGuest(free, ex ? [e, l] : [e]);
}
function deleteLookaside(ctx: ApiContext, l: bigint, api: string, ex: boolean): void {
  const lists = ctx.kernel.state("lookaside", () => new Set<bigint>());
  if (!lists.has(l)) ctx.fault("bugcheck", `${api}(${hex(l)}): not an initialized lookaside list`, { code: "0x000000C2" });
  flushLookaside(ctx, l, ex);
  lists.delete(l);
}

export const apis: ApiDefinition[] = [
  nt("ExInterlockedInsertHeadList", 3, (ctx) => withLock(ctx, ctx.arg(2), "ExInterlockedInsertHeadList", () => insert(ctx, ctx.arg(0), ctx.arg(1), false))),
  nt("ExInterlockedInsertTailList", 3, (ctx) => withLock(ctx, ctx.arg(2), "ExInterlockedInsertTailList", () => insert(ctx, ctx.arg(0), ctx.arg(1), true))),
  nt("ExInterlockedRemoveHeadList", 2, (ctx) =>
    withLock(ctx, ctx.arg(1), "ExInterlockedRemoveHeadList", () => {
      const head = ctx.arg(0);
      const first = readPtr(ctx.mem, head);
      if (first === head) return 0n;
      const next = readPtr(ctx.mem, first);
      writePtr(ctx.mem, head, next);
      writePtr(ctx.mem, next + P(), head);
      return first;
    }),
  ),
  nt("ExInterlockedPushEntryList", 3, (ctx) =>
    withLock(ctx, ctx.arg(2), "ExInterlockedPushEntryList", () => {
      const first = readPtr(ctx.mem, ctx.arg(0));
      writePtr(ctx.mem, ctx.arg(1), first);
      writePtr(ctx.mem, ctx.arg(0), ctx.arg(1));
      return first;
    }),
  ),
  nt("ExInterlockedPopEntryList", 2, (ctx) =>
    withLock(ctx, ctx.arg(1), "ExInterlockedPopEntryList", () => {
      const first = readPtr(ctx.mem, ctx.arg(0));
      if (first !== 0n) writePtr(ctx.mem, ctx.arg(0), readPtr(ctx.mem, first));
      return first;
    }),
  ),
  nt("ExInterlockedAddUlong", 3, (ctx) =>
    withLock(ctx, ctx.arg(2), "ExInterlockedAddUlong", () => {
      const old = ctx.mem.u32(ctx.arg(0));
      ctx.mem.setU32(ctx.arg(0), (old + ctx.u32(1)) >>> 0);
      return old;
    }),
  ),
  nt("ExInterlockedAddLargeInteger", 3, (ctx) =>
    withLock(ctx, ctx.arg(2), "ExInterlockedAddLargeInteger", () => {
      const old = ctx.mem.u64(ctx.arg(0));
      ctx.mem.setU64(ctx.arg(0), BigInt.asUintN(64, old + ctx.arg(1)));
      return old;
    }),
  ),
  nt("InitializeSListHead", 1, (ctx) => {
    if (ctx.arg(0) & slistAlign()) ctx.fault("bugcheck", `InitializeSListHead(${hex(ctx.arg(0))}): SLIST_HEADER not ${x86() ? 8 : 16}-byte aligned`, { code: "0x0000001E" });
    ctx.mem.setU64(ctx.arg(0), 0n);
    if (!x86()) ctx.mem.setU64(ctx.arg(0) + 8n, 1n);
  }),
  nt("ExpInterlockedPushEntrySList", 2, (ctx) => sPush(ctx, ctx.arg(0), ctx.arg(1), "ExpInterlockedPushEntrySList")),
  nt("ExpInterlockedPopEntrySList", 1, (ctx) => sPop(ctx, ctx.arg(0))),
  nt("ExpInterlockedFlushSList", 1, (ctx) => {
    const first = sFirst(ctx, ctx.arg(0));
    sSet(ctx, ctx.arg(0), 0n, 0);
    return first;
  }),
  nt("ExQueryDepthSList", 1, (ctx) => sDepth(ctx, ctx.arg(0))),
  // ---- lookaside lists
  nt("ExInitializeNPagedLookasideList", 7, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.u32(3)), String(ctx.u32(4)), hex(ctx.u32(5)), String(ctx.u32(6) & 0xffff)]);
    initLookaside(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3) & 0x200 ? 512 : 0, Number(ctx.arg(4) & 0xffffffffn), ctx.u32(5), "ExInitializeNPagedLookasideList");
  }),
  nt("ExInitializePagedLookasideList", 7, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.u32(3)), String(ctx.u32(4)), hex(ctx.u32(5)), String(ctx.u32(6) & 0xffff)]);
    initLookaside(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), 1, Number(ctx.arg(4) & 0xffffffffn), ctx.u32(5), "ExInitializePagedLookasideList");
  }),
  nt("ExInitializeLookasideListEx", 8, (ctx) => {
    const type = ctx.u32(3);
    if ((type & 0x1ff) > 1 && (type & ~0x200) > 1) return STATUS.INVALID_PARAMETER;
    initLookaside(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), type, Number(ctx.arg(5) & 0xffffffffn), ctx.u32(6), "ExInitializeLookasideListEx", true);
    return STATUS.SUCCESS;
  }),
  nt("ExDeleteNPagedLookasideList", 1, (ctx) => deleteLookaside(ctx, ctx.arg(0), "ExDeleteNPagedLookasideList", false)),
  nt("ExDeletePagedLookasideList", 1, (ctx) => deleteLookaside(ctx, ctx.arg(0), "ExDeletePagedLookasideList", false)),
  nt("ExDeleteLookasideListEx", 1, (ctx) => deleteLookaside(ctx, ctx.arg(0), "ExDeleteLookasideListEx", true)),
  nt("ExFlushLookasideListEx", 1, (ctx) => flushLookaside(ctx, ctx.arg(0), true)),
];
