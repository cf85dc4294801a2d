/**
 * Virtual memory of a process's user address space: ZwAllocateVirtualMemory, ZwFreeVirtualMemory,
 * ZwProtectVirtualMemory, ZwQueryVirtualMemory, ZwLockVirtualMemory (and the Nt forms ntoskrnl exports).
 *
 * The emulated system has one process (System), so every process handle (NtCurrentProcess() or a
 * handle ZwOpenProcess / ObOpenObjectByPointer returned) names the same user address space, below
 * MmHighestUserAddress. Each allocation is a VAD: a reserved range whose base is 64 KiB aligned,
 * with a state (reserved / committed), a protection and a lock bit per 4 KiB page. Committed
 * pages are mapped in the emulated address space with the CPU permissions of their protection
 * (PAGE_NOACCESS and PAGE_GUARD pages are mapped with none, so any access is a fault report);
 * reserved pages are not mapped.
 *
 * Semantics (Microsoft Learn: ZwAllocateVirtualMemory, ZwFreeVirtualMemory, NtProtectVirtualMemory
 * in ntifs.h, ZwQueryVirtualMemory, "Memory Protection Constants"; argument checks and status
 * codes as the NT memory manager returns them — ReactOS ntoskrnl/mm/ARM3/virtual.c):
 *   - addresses are rounded down to a page (an allocation base to 64 KiB), sizes up to a page, and
 *     the rounded values are written back through BaseAddress / RegionSize;
 *   - a range that is not inside one allocation: STATUS_CONFLICTING_ADDRESSES; pages not committed:
 *     STATUS_NOT_COMMITTED; a kernel address: STATUS_INVALID_PARAMETER_2; a protection that is not
 *     exactly one PAGE_* value (with PAGE_GUARD / PAGE_NOCACHE / PAGE_WRITECOMBINE allowed where
 *     Windows allows them): STATUS_INVALID_PAGE_PROTECTION;
 *   - ZwProtectVirtualMemory returns the first page's old protection; ZwQueryVirtualMemory answers
 *     MemoryBasicInformation (MEMORY_BASIC_INFORMATION, 0x30 bytes on x64, 0x1C on x86);
 *   - ZwLockVirtualMemory (MAP_PROCESS / MAP_SYSTEM) returns STATUS_WAS_LOCKED when every page was
 *     already locked (the pages stay locked until they are freed or unlocked);
 *     ZwUnlockVirtualMemory, the same checks, unlocks them, or returns STATUS_NOT_LOCKED (nothing
 *     changed) when a page of the range is not locked.
 * Totals are bounded (vm-pages.ts: MAX_COMMIT bytes, MAX_VADS allocations): beyond,
 * STATUS_NO_MEMORY / STATUS_COMMITMENT_LIMIT as a full machine would answer.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { breaksSecure, GRANULE, LOWEST, MAX_COMMIT, MAX_VADS, MEM, PAGE, VM_STATUS, applyPages, checkProcess, commit, decommit, findFree, pageDown, pageRange, pageUp, space, validProtect, vadAt, vmState, type Vad } from "./vm-pages.js";

function allocate(ctx: ApiContext): number {
  const [h, pBase, zeroBitsArg, pSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const type = ctx.u32(4);
  const protect = ctx.u32(5);
  ctx.describe([hex(h), hex(pBase), hex(zeroBitsArg), hex(pSize), hex(type), hex(protect)]);
  const bad = checkProcess(ctx, h);
  if (bad !== null) return bad;
  // Both pointers are read (a wild one is a fault report, as the kernel's probe would raise).
  const want = readPtr(ctx.mem, pBase);
  const size = readPtr(ctx.mem, pSize);
  const s = space(ctx);
  // ZeroBits: how many high bits of a 32-bit address must be zero (1..21: below 2^(32-n), also on
  // x64), or (x64, 32 and above) a mask of the bits that may be set.
  if (zeroBitsArg > 21n && zeroBitsArg < 32n) return VM_STATUS.INVALID_PARAMETER_3;
  const limitByZeroBits = zeroBitsArg === 0n ? s.highest + 1n : zeroBitsArg <= 21n ? 1n << BigInt(32 - Number(zeroBitsArg)) : 1n << BigInt(zeroBitsArg.toString(2).length);
  const known = MEM.COMMIT | MEM.RESERVE | MEM.RESET | MEM.TOP_DOWN | MEM.RESET_UNDO;
  if ((type & ~known) !== 0 || (type & (MEM.COMMIT | MEM.RESERVE | MEM.RESET | MEM.RESET_UNDO)) === 0) return VM_STATUS.INVALID_PARAMETER_5;
  if (type & (MEM.RESET | MEM.RESET_UNDO) && type & (MEM.COMMIT | MEM.RESERVE)) return VM_STATUS.INVALID_PARAMETER_5;
  if (!(type & (MEM.RESET | MEM.RESET_UNDO)) && !validProtect(protect, true)) return VM_STATUS.INVALID_PAGE_PROTECTION;
  if (want > s.highest) return VM_STATUS.INVALID_PARAMETER_2;
  if (size === 0n || size > s.highest + 1n - want) return VM_STATUS.INVALID_PARAMETER_4;
  const st = vmState(ctx.kernel);
  if (type & (MEM.RESET | MEM.RESET_UNDO)) {
    // MEM_RESET: the contents may be discarded; the pages stay committed (nothing to model).
    const v = vadAt(ctx, want);
    const start = pageDown(want);
    const end = pageUp(want + size);
    if (!v || end > v.base + v.size) return STATUS.CONFLICTING_ADDRESSES;
    const [a, b] = pageRange(v, start, end);
    if (v.pages.slice(a, b).some((p) => !p.committed)) return VM_STATUS.NOT_COMMITTED;
    writePtr(ctx.mem, pBase, start);
    writePtr(ctx.mem, pSize, end - start);
    return STATUS.SUCCESS;
  }
  // Commit without reserve at a given address: inside one existing allocation.
  if (!(type & MEM.RESERVE) && want !== 0n) {
    const v = vadAt(ctx, want);
    const start = pageDown(want);
    const end = pageUp(want + size);
    if (!v || end > v.base + v.size) return STATUS.CONFLICTING_ADDRESSES;
    const [a, b] = pageRange(v, start, end);
    const r = commit(ctx, v, a, b, protect);
    if (r !== STATUS.SUCCESS) return r;
    writePtr(ctx.mem, pBase, start);
    writePtr(ctx.mem, pSize, end - start);
    return STATUS.SUCCESS;
  }
  // Reserve (and commit): a new allocation at a 64 KiB-aligned base.
  let base: bigint;
  let total: bigint;
  if (want !== 0n) {
    base = want & ~(GRANULE - 1n);
    total = pageUp(want + size) - base;
    if (st.vads.some((v) => base < v.base + v.size && v.base < base + total) || s.isMapped(base, total))
      return STATUS.CONFLICTING_ADDRESSES;
    if (base < LOWEST) return STATUS.CONFLICTING_ADDRESSES;
  } else {
    total = pageUp(size);
    const found = st.vads.length >= MAX_VADS || total > MAX_COMMIT * 4n ? null : findFree(ctx, total, (type & MEM.TOP_DOWN) !== 0, limitByZeroBits);
    if (found === null) return STATUS.NO_MEMORY;
    base = found;
  }
  if (st.vads.length >= MAX_VADS) return STATUS.NO_MEMORY;
  if (type & MEM.COMMIT && st.committed + total > MAX_COMMIT) return VM_STATUS.COMMITMENT_LIMIT;
  const n = Number(total / PAGE);
  const v: Vad = { base, size: total, allocProtect: protect, pages: Array.from({ length: n }, () => ({ committed: false, protect: 0, locked: false })) };
  st.vads.push(v);
  if (type & MEM.COMMIT) commit(ctx, v, 0, n, protect);
  writePtr(ctx.mem, pBase, base);
  writePtr(ctx.mem, pSize, total);
  return STATUS.SUCCESS;
}

function free(ctx: ApiContext): number {
  const [h, pBase, pSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const type = ctx.u32(3);
  ctx.describe([hex(h), hex(pBase), hex(pSize), hex(type)]);
  const bad = checkProcess(ctx, h);
  if (bad !== null) return bad;
  const want = readPtr(ctx.mem, pBase);
  const size = readPtr(ctx.mem, pSize);
  const s = space(ctx);
  if (type !== MEM.DECOMMIT && type !== MEM.RELEASE) return VM_STATUS.INVALID_PARAMETER_4;
  if (want > s.highest) return VM_STATUS.INVALID_PARAMETER_2;
  if (size > s.highest + 1n - want) return VM_STATUS.INVALID_PARAMETER_3;
  const st = vmState(ctx.kernel);
  const v = vadAt(ctx, want);
  if (!v) return VM_STATUS.MEMORY_NOT_ALLOCATED;
  // The shared user data page (a no-change VAD) cannot be freed (kmdll's answer: UNABLE_TO_FREE_VM).
  if (v.fixed) return VM_STATUS.UNABLE_TO_FREE_VM;
  // A section's view is unmapped, not freed (STATUS_UNABLE_TO_DELETE_SECTION).
  if (v.view) return 0xc000001b;
  if (type === MEM.RELEASE) {
    if (size === 0n && want !== v.base) return VM_STATUS.FREE_VM_NOT_AT_BASE;
    const start = pageDown(want);
    const end = size === 0n ? v.base + v.size : pageUp(want + size);
    if (end > v.base + v.size) return VM_STATUS.UNABLE_TO_FREE_VM;
    // Releasing part of an allocation is allowed only for the whole of it here (Windows splits VADs).
    if (start !== v.base || end !== v.base + v.size) return VM_STATUS.UNABLE_TO_FREE_VM;
    if (breaksSecure(v, start, end, 0)) return VM_STATUS.INVALID_PAGE_PROTECTION;
    decommit(ctx, v, 0, v.pages.length);
    st.vads.splice(st.vads.indexOf(v), 1);
    writePtr(ctx.mem, pBase, v.base);
    writePtr(ctx.mem, pSize, v.size);
    return STATUS.SUCCESS;
  }
  const start = pageDown(want);
  const end = size === 0n ? v.base + v.size : pageUp(want + size);
  if (end > v.base + v.size) return VM_STATUS.UNABLE_TO_FREE_VM;
  if (breaksSecure(v, start, end, 0)) return VM_STATUS.INVALID_PAGE_PROTECTION;
  const [a, b] = pageRange(v, start, end);
  decommit(ctx, v, a, b);
  writePtr(ctx.mem, pBase, start);
  writePtr(ctx.mem, pSize, end - start);
  return STATUS.SUCCESS;
}

function protectVm(ctx: ApiContext): number {
  const [h, pBase, pSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const newProtect = ctx.u32(3);
  const pOld = ctx.arg(4);
  ctx.describe([hex(h), hex(pBase), hex(pSize), hex(newProtect), hex(pOld)]);
  const bad = checkProcess(ctx, h);
  if (bad !== null) return bad;
  const want = readPtr(ctx.mem, pBase);
  const size = readPtr(ctx.mem, pSize);
  const s = space(ctx);
  if (want > s.highest) return VM_STATUS.INVALID_PARAMETER_2;
  if (size === 0n || size > s.highest + 1n - want) return VM_STATUS.INVALID_PARAMETER_3;
  if (!validProtect(newProtect, false)) return VM_STATUS.INVALID_PAGE_PROTECTION;
  const v = vadAt(ctx, want);
  const start = pageDown(want);
  const end = pageUp(want + size);
  if (!v || end > v.base + v.size) return STATUS.CONFLICTING_ADDRESSES;
  const [a, b] = pageRange(v, start, end);
  if (v.pages.slice(a, b).some((p) => !p.committed)) return VM_STATUS.NOT_COMMITTED;
  // The shared user data page keeps PAGE_READONLY (a no-change VAD).
  if (v.fixed) return VM_STATUS.INVALID_PAGE_PROTECTION;
  // Write-copy on private memory becomes the plain read/write protection (as NT does).
  const effective = (newProtect & 0xff) === 0x08 ? (newProtect & ~0xff) | 0x04 : (newProtect & 0xff) === 0x80 ? (newProtect & ~0xff) | 0x40 : newProtect;
  // A range MmSecureVirtualMemory secured cannot be made more restrictive than its probe mode.
  if (breaksSecure(v, start, end, effective)) return VM_STATUS.INVALID_PAGE_PROTECTION;
  // OldProtect is written first: a wild pointer is a fault report before anything changes.
  ctx.mem.setU32(pOld, v.pages[a]!.protect);
  for (let i = a; i < b; i++) v.pages[i]!.protect = effective;
  applyPages(ctx, v, a, b);
  writePtr(ctx.mem, pBase, start);
  writePtr(ctx.mem, pSize, end - start);
  return STATUS.SUCCESS;
}

function query(ctx: ApiContext): number {
  const [h, addr] = [ctx.arg(0), ctx.arg(1)];
  const cls = ctx.u32(2);
  const [buf, len, pRet] = [ctx.arg(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(h), hex(addr), String(cls), hex(buf), hex(len), hex(pRet)]);
  const bad = checkProcess(ctx, h);
  if (bad !== null) return bad;
  const s = space(ctx);
  if (cls !== 0) return STATUS.INVALID_INFO_CLASS;
  const p = ptrSize();
  const need = p === 8 ? 0x30 : 0x1c;
  if (len < BigInt(need)) return VM_STATUS.INFO_LENGTH_MISMATCH;
  if (addr > s.highest) return STATUS.INVALID_PARAMETER;
  const page = pageDown(addr);
  const v = vadAt(ctx, addr);
  let allocBase = 0n;
  let allocProtect = 0;
  let regionEnd: bigint;
  let state: number = MEM.FREE;
  let protect = 0x01;
  let type = 0;
  if (!v) {
    const next = vmState(ctx.kernel).vads.filter((x) => x.base > page).reduce((m, x) => (x.base < m ? x.base : m), s.highest + 1n);
    regionEnd = next;
  } else {
    const i = Number((page - v.base) / PAGE);
    const first = v.pages[i]!;
    let j = i + 1;
    while (j < v.pages.length && v.pages[j]!.committed === first.committed && v.pages[j]!.protect === first.protect) j++;
    regionEnd = v.base + BigInt(j) * PAGE;
    allocBase = v.base;
    allocProtect = v.allocProtect;
    state = first.committed ? MEM.COMMIT : MEM.RESERVE;
    protect = first.committed ? first.protect : 0;
    type = MEM.PRIVATE;
  }
  const out = new Uint8Array(need);
  const dv = new DataView(out.buffer);
  if (p === 8) {
    dv.setBigUint64(0, page, true);
    dv.setBigUint64(8, allocBase, true);
    dv.setUint32(0x10, allocProtect, true);
    dv.setBigUint64(0x18, regionEnd - page, true);
    dv.setUint32(0x20, state, true);
    dv.setUint32(0x24, protect, true);
    dv.setUint32(0x28, type, true);
  } else {
    dv.setUint32(0, Number(page), true);
    dv.setUint32(4, Number(allocBase), true);
    dv.setUint32(8, allocProtect, true);
    dv.setUint32(0xc, Number(regionEnd - page), true);
    dv.setUint32(0x10, state, true);
    dv.setUint32(0x14, protect, true);
    dv.setUint32(0x18, type, true);
  }
  ctx.mem.write(buf, out);
  if (pRet !== 0n) writePtr(ctx.mem, pRet, BigInt(need));
  return STATUS.SUCCESS;
}

function lock(ctx: ApiContext, unlock = false): number {
  const [h, pBase, pSize] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const mapType = ctx.u32(3);
  ctx.describe([hex(h), hex(pBase), hex(pSize), hex(mapType)]);
  const bad = checkProcess(ctx, h);
  if (bad !== null) return bad;
  const want = readPtr(ctx.mem, pBase);
  const size = readPtr(ctx.mem, pSize);
  const s = space(ctx);
  // MAP_PROCESS 1, MAP_SYSTEM 2.
  if (mapType === 0 || (mapType & ~3) !== 0) return VM_STATUS.INVALID_PARAMETER_4;
  if (want > s.highest) return VM_STATUS.INVALID_PARAMETER_2;
  if (size === 0n || size > s.highest + 1n - want) return VM_STATUS.INVALID_PARAMETER_3;
  const v = vadAt(ctx, want);
  const start = pageDown(want);
  const end = pageUp(want + size);
  if (!v || end > v.base + v.size) return VM_STATUS.NOT_COMMITTED;
  const [a, b] = pageRange(v, start, end);
  const pages = v.pages.slice(a, b);
  if (pages.some((p) => !p.committed)) return VM_STATUS.NOT_COMMITTED;
  if (unlock && pages.some((p) => !p.locked)) return STATUS_NOT_LOCKED;
  const status = !unlock && pages.every((p) => p.locked) ? VM_STATUS.WAS_LOCKED : STATUS.SUCCESS;
  for (const p of pages) p.locked = !unlock;
  writePtr(ctx.mem, pBase, start);
  writePtr(ctx.mem, pSize, end - start);
  return status;
}

/** ntstatus.h */
const STATUS_NOT_LOCKED = 0xc000002a;

const both = (name: string, argc: number, h: (ctx: ApiContext) => number): ApiDefinition[] => [nt(`Zw${name}`, argc, h), nt(`Nt${name}`, argc, h)];

/** ntoskrnl exports: Zw and Nt for the documented routines, Zw only for protect, lock and unlock. */
export const apis: ApiDefinition[] = [
  ...both("AllocateVirtualMemory", 6, allocate),
  ...both("FreeVirtualMemory", 4, free),
  ...both("QueryVirtualMemory", 6, query),
  nt("ZwProtectVirtualMemory", 5, protectVm),
  nt("ZwLockVirtualMemory", 4, (ctx) => lock(ctx)),
  nt("ZwUnlockVirtualMemory", 4, (ctx) => lock(ctx, true)),
];
