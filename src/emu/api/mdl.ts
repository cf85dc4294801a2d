/**
 * Memory descriptor lists and physical memory allocation: IoAllocateMdl/IoFreeMdl,
 * MmBuildMdlForNonPagedPool, MmProbeAndLockPages/MmUnlockPages, MmMapLockedPages*,
 * MmAllocatePagesForMdl(Ex)/MmFreePagesFromMdl, IoBuildPartialMdl, contiguous and non-cached
 * memory, MmCopyMemory. Physical frames come from the machine model (machine.ts), so
 * MmGetPhysicalAddress, the MDL's PFN array and MmMapIoSpace agree.
 *
 * Layout (wdm.h, x64): MDL { Next 0, Size 8, MdlFlags 10, Process 16, MappedSystemVa 24, StartVa 32,
 * ByteCount 40, ByteOffset 44 } followed by the PFN_NUMBER array (8 bytes each).
 */
import { ptrSize } from "../../nt/arch-layout.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { machineOf, physicalOf, readPhys, setPageFrame } from "../machine/index.js";
import { aliasMdlPages, pageProtectRights, protectMdlAlias, unaliasMdl } from "./mdl-map.js";
import { freeIoSpaceMdl, mapIoSpaceMdl, unmapIoSpaceMdl } from "./iospace-mdl.js";

const M = LAYOUT.MDL;
const B = (n: number) => BigInt(n);
const PAGE = 0x1000n;
export const MDL_MAPPED_TO_SYSTEM_VA = 0x1;
export const MDL_PAGES_LOCKED = 0x2;
export const MDL_SOURCE_IS_NONPAGED_POOL = 0x4;
export const MDL_ALLOCATED_FIXED_SIZE = 0x8;
export const MDL_PARTIAL = 0x10;
export const MDL_PARTIAL_HAS_BEEN_MAPPED = 0x20;
export const MDL_WRITE_OPERATION = 0x80;
const TAG_MDL = 0x206c644d; // 'Mdl '
const TAG_CONTIG = 0x746e6f43; // 'Cont'

const spanPages = (va: bigint, length: number): number => Number((((va & (PAGE - 1n)) + BigInt(length) + PAGE - 1n) / PAGE));
export const mdlSize = (va: bigint, length: number): number => M.$size + ptrSize() * spanPages(va, length);

interface MdlView {
  flags: number;
  startVa: bigint;
  byteOffset: number;
  byteCount: number;
  mapped: bigint;
  size: number;
}

function view(ctx: ApiContext, mdl: bigint): MdlView {
  return {
    size: ctx.mem.u16(mdl + B(M.Size)),
    flags: ctx.mem.u16(mdl + B(M.MdlFlags)),
    startVa: readPtr(ctx.mem, mdl + B(M.StartVa)),
    byteOffset: ctx.mem.u32(mdl + B(M.ByteOffset)),
    byteCount: ctx.mem.u32(mdl + B(M.ByteCount)),
    mapped: readPtr(ctx.mem, mdl + B(M.MappedSystemVa)),
  };
}
const setFlags = (ctx: ApiContext, mdl: bigint, f: number) => ctx.mem.setU16(mdl + B(M.MdlFlags), f & 0xffff);

/** MmInitializeMdl: header for [va, va+length). */
function initMdl(ctx: ApiContext, mdl: bigint, va: bigint, length: number, flags = 0): void {
  writePtr(ctx.mem, mdl + B(M.Next), 0n);
  ctx.mem.setU16(mdl + B(M.Size), mdlSize(va, length));
  setFlags(ctx, mdl, flags);
  writePtr(ctx.mem, mdl + B(M.Process), 0n);
  writePtr(ctx.mem, mdl + B(M.MappedSystemVa), 0n);
  writePtr(ctx.mem, mdl + B(M.StartVa), va & ~(PAGE - 1n));
  ctx.mem.setU32(mdl + B(M.ByteCount), length);
  ctx.mem.setU32(mdl + B(M.ByteOffset), Number(va & (PAGE - 1n)));
}

function pfnArray(mdl: bigint): bigint {
  return mdl + B(M.$size);
}

/** Fill the PFN array from the pages the MDL describes; faults like Windows when a page is not resident. */
function fillPfns(ctx: ApiContext, mdl: bigint, api: string): void {
  const v = view(ctx, mdl);
  const pages = spanPages(v.startVa + B(v.byteOffset), v.byteCount);
  for (let i = 0; i < pages; i++) {
    const va = v.startVa + B(i) * PAGE;
    if (!ctx.mem.isMapped(va, 1)) ctx.fault("invalid-read", `${api}: page ${hex(va)} described by MDL ${hex(mdl)} is not valid`, { address: hex(va) });
    writePtr(ctx.mem, pfnArray(mdl) + B(ptrSize() * i), physicalOf(ctx, va) / PAGE);
  }
}

interface MdlState {
  /** MDLs from MmAllocatePagesForMdl: mdl → backing block of the pages. */
  pageBacking: Map<bigint, { block: bigint; va: bigint; bytes: number }>;
  /** Contiguous / non-cached allocations: aligned address → pool block and size. */
  contiguous: Map<bigint, { block: bigint; size: number; kind: "contiguous" | "noncached" }>;
  nextLowFrame: bigint;
}
const mdlState = (ctx: ApiContext) => ctx.kernel.state<MdlState>("mdl", () => ({ pageBacking: new Map(), contiguous: new Map(), nextLowFrame: 0x100n }));

/**
 * Allocate page-aligned memory charged to the caller and give it physically contiguous frames at or
 * below `highest` (0 when impossible). Low frames come from 1 MiB up, the others from the machine's frame allocator.
 */
function allocContiguous(ctx: ApiContext, size: number, lowest: bigint, highest: bigint, kind: "contiguous" | "noncached"): bigint {
  if (size <= 0 || size > 0x4000000) return 0n;
  const pages = BigInt(spanPages(0n, size));
  const st = machineOf(ctx.kernel);
  const ms = mdlState(ctx);
  let frame: bigint;
  if ((st.nextFrame + pages) * PAGE - 1n <= highest && st.nextFrame * PAGE >= lowest) frame = st.nextFrame;
  else if ((ms.nextLowFrame + pages) * PAGE - 1n <= highest && ms.nextLowFrame * PAGE >= lowest && ms.nextLowFrame + pages <= 0x1000n) frame = ms.nextLowFrame;
  else return 0n;
  const block = ctx.pool.allocate(size + Number(PAGE), kind === "contiguous" ? TAG_CONTIG : 0x43636e4e /* 'NncC' */, 0, false);
  if (block === 0n) return 0n;
  const va = (block + PAGE - 1n) & ~(PAGE - 1n);
  // The pool pages may have had frames (MmGetPhysicalAddress of the block's earlier owner): they are re-pointed.
  for (let i = 0n; i < pages; i++) setPageFrame(ctx, va / PAGE + i, frame + i);
  if (frame === st.nextFrame) st.nextFrame += pages;
  else ms.nextLowFrame += pages;
  ms.contiguous.set(va, { block, size, kind });
  return va;
}

function freeContiguous(ctx: ApiContext, va: bigint, api: string, kind: "contiguous" | "noncached"): void {
  const ms = mdlState(ctx);
  const c = ms.contiguous.get(va);
  if (!c || c.kind !== kind)
    ctx.fault("bugcheck", `${api}(${hex(va)}): not an address ${kind === "contiguous" ? "MmAllocateContiguousMemory" : "MmAllocateNonCachedMemory"} returned (BAD_POOL_CALLER)`, { code: "0x000000C2" });
  const st = machineOf(ctx.kernel);
  // The contiguous frames go (no longer map back); the pool pages get frames again on first use.
  for (let i = 0n; i < BigInt(spanPages(0n, c.size)); i++) {
    const f = st.va2pa.get(va / PAGE + i);
    if (f !== undefined && st.pa2va.get(f) === va / PAGE + i) st.pa2va.delete(f);
    st.va2pa.delete(va / PAGE + i);
  }
  st.epoch++;
  ms.contiguous.delete(va);
  ctx.pool.free(c.block, null);
}

function allocMdl(ctx: ApiContext, va: bigint, length: number): bigint {
  const size = mdlSize(va, length);
  if (size > 0xffff) return 0n;
  const mdl = ctx.pool.allocate(size, TAG_MDL, 0, true);
  if (mdl === 0n) return 0n;
  initMdl(ctx, mdl, va, length, MDL_ALLOCATED_FIXED_SIZE);
  return mdl;
}

/** IRP field offsets (layouts). */
const IRP_MDL = LAYOUT.IRP.MdlAddress;

function mapLocked(ctx: ApiContext, api: string, mdl: bigint, accessMode: number, bugCheckOnFailure: boolean, priority = 0): bigint {
  const v = view(ctx, mdl);
  if (accessMode !== 0) {
    ctx.warn(`${api}: mapping into the user address space (UserMode) is not modelled; returning NULL`);
    if (bugCheckOnFailure) ctx.fault("bugcheck", `${api}: UserMode mapping failed (the routine raises)`, {});
    return 0n;
  }
  if ((v.flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)) === 0 && !mdlState(ctx).pageBacking.has(mdl))
    ctx.fault("bugcheck", `${api}(${hex(mdl)}): the MDL's pages are not locked (call MmProbeAndLockPages or MmBuildMdlForNonPagedPool first)`, { code: "0x00000076" });
  if (v.flags & MDL_MAPPED_TO_SYSTEM_VA) return v.mapped;
  const io = mapIoSpaceMdl(ctx, mdl, api); // MmAllocateMdlForIoSpace's: through the MMIO model
  if (io !== null && io === 0n && bugCheckOnFailure) ctx.fault("bugcheck", `${api}(${hex(mdl)}): the I/O-space MDL could not be mapped`, { code: "0x0000001A" });
  const backing = mdlState(ctx).pageBacking.get(mdl);
  let va = io ?? (backing ? backing.va : v.startVa + B(v.byteOffset));
  if (io === 0n) return 0n;
  // Locked pages get a system mapping of their own (a new VA over the same pages) where kmdll can
  // alias their memory (mdl-map.ts); an MDL built for nonpaged pool already has its system VA.
  if (io === null && !backing && (v.flags & MDL_SOURCE_IS_NONPAGED_POOL) === 0) {
    const alias = aliasMdlPages(ctx, mdl, v.startVa, spanPages(v.startVa + B(v.byteOffset), v.byteCount), pfnArray(mdl), priority);
    if (alias !== null) va = alias + B(v.byteOffset);
  }
  writePtr(ctx.mem, mdl + B(M.MappedSystemVa), va);
  setFlags(ctx, mdl, v.flags | MDL_MAPPED_TO_SYSTEM_VA | (v.flags & MDL_PARTIAL ? MDL_PARTIAL_HAS_BEEN_MAPPED : 0));
  return va;
}

/**
 * For the KMDF framework (src/emu/wdf/memory.ts): an MDL it allocates itself for a nonpaged buffer
 * (IoAllocateMdl + MmBuildMdlForNonPagedPool, as FxRequest::GetMdl does for a buffered request),
 * from the framework's own pool; freed with freeFrameworkMdl.
 */
export function frameworkMdl(ctx: ApiContext, va: bigint, length: number): bigint {
  const size = mdlSize(va, length);
  if (size > 0xffff) return 0n;
  const mdl = ctx.kernel.kernelPool?.allocate(size, TAG_MDL) ?? 0n;
  if (mdl === 0n) return 0n;
  initMdl(ctx, mdl, va, length, MDL_ALLOCATED_FIXED_SIZE);
  fillPfns(ctx, mdl, ctx.api);
  writePtr(ctx.mem, mdl + B(M.MappedSystemVa), va);
  setFlags(ctx, mdl, MDL_ALLOCATED_FIXED_SIZE | MDL_SOURCE_IS_NONPAGED_POOL);
  return mdl;
}
export function freeFrameworkMdl(ctx: ApiContext, mdl: bigint): void {
  ctx.kernel.kernelPool?.free(mdl);
}
/** MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority) for the framework: the MDL's system address (mapped now if it is not). */
export function mdlSystemAddress(ctx: ApiContext, mdl: bigint): bigint {
  return mapLocked(ctx, ctx.api, mdl, 0, false);
}

function allocatePagesForMdl(ctx: ApiContext, low: bigint, high: bigint, total: bigint): bigint {
  if (total === 0n || total > 0x4000000n) return 0n;
  const size = Number((total + PAGE - 1n) & ~(PAGE - 1n));
  const va = allocContiguous(ctx, size, low, high, "contiguous");
  if (va === 0n) return 0n;
  const mdl = ctx.pool.allocate(mdlSize(0n, size), TAG_MDL, 0, true);
  if (mdl === 0n) {
    freeContiguous(ctx, va, "MmAllocatePagesForMdl", "contiguous");
    return 0n;
  }
  // The MDL describes physical pages only: StartVa 0, no system mapping until MmMapLockedPages*.
  initMdl(ctx, mdl, 0n, size, MDL_PAGES_LOCKED);
  writePtr(ctx.mem, mdl + B(M.StartVa), 0n);
  for (let i = 0; i < size / Number(PAGE); i++) writePtr(ctx.mem, pfnArray(mdl) + B(ptrSize() * i), physicalOf(ctx, va + B(i) * PAGE) / PAGE);
  mdlState(ctx).pageBacking.set(mdl, { block: mdlState(ctx).contiguous.get(va)!.block, va, bytes: size });
  return mdl;
}

export const apis: ApiDefinition[] = [
  nt("MmSizeOfMdl", 2, (ctx) => mdlSize(ctx.arg(0), Number(BigInt.asUintN(64, ctx.arg(1)) & 0xffffffffn))),
  nt("IoAllocateMdl", 5, (ctx) => {
    const va = ctx.arg(0);
    const length = ctx.u32(1);
    const secondary = ctx.u32(2) & 0xff;
    const irp = ctx.arg(4);
    ctx.describe([hex(va), hex(length), secondary ? "TRUE" : "FALSE", ctx.u32(3) & 0xff ? "TRUE" : "FALSE", hex(irp)]);
    // Documented: NULL when the length needs more PFN entries than an MDL can hold.
    if (length === 0 || length > 0xffffffff - 0x1000) return 0n;
    const mdl = allocMdl(ctx, va, length);
    if (mdl === 0n) return 0n;
    if (irp !== 0n) {
      const head = readPtr(ctx.mem, irp + B(IRP_MDL));
      if (!secondary || head === 0n) {
        if (!secondary && head !== 0n) ctx.warn(`IoAllocateMdl: Irp->MdlAddress was ${hex(head)} and is replaced (SecondaryBuffer FALSE)`);
        writePtr(ctx.mem, irp + B(IRP_MDL), mdl);
      } else {
        let tail = head;
        for (let n = 0; readPtr(ctx.mem, tail + B(M.Next)) !== 0n && n < 4096; n++) tail = readPtr(ctx.mem, tail + B(M.Next));
        writePtr(ctx.mem, tail + B(M.Next), mdl);
      }
    }
    return mdl;
  }),
  nt("IoFreeMdl", 1, (ctx) => {
    const mdl = ctx.arg(0);
    ctx.describe([hex(mdl)]);
    const v = view(ctx, mdl);
    if ((v.flags & (MDL_PAGES_LOCKED | 0x800 /* MDL_IO_SPACE */)) === MDL_PAGES_LOCKED && !mdlState(ctx).pageBacking.has(mdl)) ctx.warn(`IoFreeMdl(${hex(mdl)}): the MDL's pages are still locked (MmUnlockPages missing)`);
    if ((v.flags & MDL_MAPPED_TO_SYSTEM_VA) !== 0 && (v.flags & MDL_SOURCE_IS_NONPAGED_POOL) === 0 && (v.flags & MDL_PAGES_LOCKED) === 0)
      ctx.warn(`IoFreeMdl(${hex(mdl)}): the MDL is still mapped (MmUnmapLockedPages missing)`);
    unaliasMdl(ctx, mdl);
    freeIoSpaceMdl(ctx, mdl);
    ctx.pool.free(mdl, null);
  }),
  nt("MmCreateMdl", 3, (ctx) => {
    const given = ctx.arg(0);
    const va = ctx.arg(1);
    const length = Number(BigInt.asUintN(64, ctx.arg(2)) & 0xffffffffn);
    if (given !== 0n) {
      initMdl(ctx, given, va, length);
      return given;
    }
    return allocMdl(ctx, va, length);
  }),
  nt("MmBuildMdlForNonPagedPool", 1, (ctx) => {
    const mdl = ctx.arg(0);
    ctx.describe([hex(mdl)]);
    const v = view(ctx, mdl);
    if (v.flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL))
      ctx.fault("bugcheck", `MmBuildMdlForNonPagedPool(${hex(mdl)}): the MDL already describes locked or nonpaged pages`, { code: "0x0000001A" });
    fillPfns(ctx, mdl, "MmBuildMdlForNonPagedPool");
    writePtr(ctx.mem, mdl + B(M.MappedSystemVa), v.startVa + B(v.byteOffset));
    setFlags(ctx, mdl, v.flags | MDL_SOURCE_IS_NONPAGED_POOL);
  }),
  // KeFlushIoBuffers (wdm.h; an x64 export: Windows's x64 storport.sys imports it): x86 and x64
  // keep data caches coherent with DMA, so there is nothing to flush — wdm.h compiles the call
  // away on those arches. The MDL is not read (a caller built with wdm.h never calls it at all).
  nt("KeFlushIoBuffers", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "TRUE" : "FALSE", ctx.u32(2) & 0xff ? "TRUE" : "FALSE"]);
  }),
  nt("MmProbeAndLockPages", 3, (ctx) => {
    const mdl = ctx.arg(0);
    const mode = ctx.u32(1) & 0xff;
    const op = ctx.u32(2);
    ctx.describe([hex(mdl), mode ? "UserMode" : "KernelMode", ["IoReadAccess", "IoWriteAccess", "IoModifyAccess"][op] ?? String(op)]);
    const v = view(ctx, mdl);
    if (v.flags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL))
      ctx.fault("bugcheck", `MmProbeAndLockPages(${hex(mdl)}): the pages are already locked`, { code: "0x0000004E" });
    const start = v.startVa + B(v.byteOffset);
    if (mode !== 0 && start >= 0x800000000000n)
      ctx.fault("invalid-read", `MmProbeAndLockPages: UserMode probe of kernel address ${hex(start)} raises STATUS_ACCESS_VIOLATION`, { address: hex(start), status: "0xC0000005" });
    fillPfns(ctx, mdl, "MmProbeAndLockPages (raises STATUS_ACCESS_VIOLATION)");
    setFlags(ctx, mdl, v.flags | MDL_PAGES_LOCKED | (op !== 0 ? MDL_WRITE_OPERATION : 0));
  }),
  nt("MmUnlockPages", 1, (ctx) => {
    const mdl = ctx.arg(0);
    ctx.describe([hex(mdl)]);
    const v = view(ctx, mdl);
    if ((v.flags & MDL_PAGES_LOCKED) === 0)
      ctx.fault("bugcheck", `MmUnlockPages(${hex(mdl)}): the pages are not locked (PFN_LIST_CORRUPT)`, { code: "0x0000004E" });
    unaliasMdl(ctx, mdl);
    setFlags(ctx, mdl, v.flags & ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION));
  }),
  nt("MmMapLockedPages", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "UserMode" : "KernelMode"]);
    return mapLocked(ctx, "MmMapLockedPages", ctx.arg(0), ctx.u32(1) & 0xff, true);
  }),
  nt("MmMapLockedPagesSpecifyCache", 6, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "UserMode" : "KernelMode", String(ctx.u32(2)), hex(ctx.arg(3)), ctx.u32(4) & 0xff ? "TRUE" : "FALSE", hex(ctx.u32(5))]);
    return mapLocked(ctx, "MmMapLockedPagesSpecifyCache", ctx.arg(0), ctx.u32(1) & 0xff, (ctx.u32(4) & 0xff) !== 0, ctx.u32(5));
  }),
  nt("MmUnmapLockedPages", 2, (ctx) => {
    const va = ctx.arg(0);
    const mdl = ctx.arg(1);
    ctx.describe([hex(va), hex(mdl)]);
    const v = view(ctx, mdl);
    if ((v.flags & MDL_MAPPED_TO_SYSTEM_VA) === 0 || v.mapped !== va)
      ctx.fault("bugcheck", `MmUnmapLockedPages(${hex(va)}, ${hex(mdl)}): not the MDL's system mapping`, { code: "0x0000001A" });
    if (!unmapIoSpaceMdl(ctx, mdl, va, "MmUnmapLockedPages")) unaliasMdl(ctx, mdl);
    if ((v.flags & MDL_SOURCE_IS_NONPAGED_POOL) === 0) setFlags(ctx, mdl, v.flags & ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED));
  }),
  nt("MmProtectMdlSystemAddress", 2, (ctx) => {
    const mdl = ctx.arg(0);
    const v = view(ctx, mdl);
    const rights = pageProtectRights(ctx.u32(1) & 0xff);
    ctx.describe([hex(mdl), hex(ctx.u32(1))]);
    if (rights === undefined) return 0xc0000045; // STATUS_INVALID_PAGE_PROTECTION
    if ((v.flags & MDL_MAPPED_TO_SYSTEM_VA) === 0) return 0xc0000019; // STATUS_NOT_MAPPED_VIEW
    // An aliased mapping gets the rights; one at the pages' own VA (nonpaged-pool MDLs, user pages) keeps them (mdl-map.ts).
    protectMdlAlias(ctx, mdl, rights);
    return STATUS.SUCCESS;
  }),
  nt("IoBuildPartialMdl", 4, (ctx) => {
    const src = ctx.arg(0);
    const dst = ctx.arg(1);
    const va = ctx.arg(2);
    const s = view(ctx, src);
    const srcStart = s.startVa + B(s.byteOffset);
    let length = ctx.u32(3);
    if (length === 0) length = Number(srcStart + B(s.byteCount) - va);
    if (va < srcStart || va + B(length) > srcStart + B(s.byteCount))
      ctx.fault("bugcheck", `IoBuildPartialMdl: [${hex(va)}, +${hex(length)}) is outside the source MDL's buffer`, { code: "0x000000C5" });
    initMdl(ctx, dst, va, length, MDL_PARTIAL | (view(ctx, dst).flags & MDL_ALLOCATED_FIXED_SIZE));
    const first = Number((va & ~(PAGE - 1n)) - s.startVa) / Number(PAGE);
    for (let i = 0; i < spanPages(va, length); i++) writePtr(ctx.mem, pfnArray(dst) + B(ptrSize() * i), readPtr(ctx.mem, pfnArray(src) + B(ptrSize() * (first + i))));
  }),
  nt("MmAllocatePagesForMdl", 4, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3))]);
    return allocatePagesForMdl(ctx, BigInt.asUintN(64, ctx.arg(0)), BigInt.asUintN(64, ctx.arg(1)), BigInt.asUintN(64, ctx.arg(3)));
  }),
  nt("MmAllocatePagesForMdlEx", 6, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), String(ctx.u32(4)), hex(ctx.u32(5))]);
    return allocatePagesForMdl(ctx, BigInt.asUintN(64, ctx.arg(0)), BigInt.asUintN(64, ctx.arg(1)), BigInt.asUintN(64, ctx.arg(3)));
  }),
  nt("MmFreePagesFromMdl", 1, (ctx) => {
    const mdl = ctx.arg(0);
    const b = mdlState(ctx).pageBacking.get(mdl);
    if (!b) return ctx.fault("bugcheck", `MmFreePagesFromMdl(${hex(mdl)}): not an MDL from MmAllocatePagesForMdl`, { code: "0x0000001A" });
    mdlState(ctx).pageBacking.delete(mdl);
    freeContiguous(ctx, b.va, "MmFreePagesFromMdl", "contiguous");
    setFlags(ctx, mdl, 0);
    ctx.mem.setU32(mdl + B(M.ByteCount), 0);
  }),
  nt("MmAllocateContiguousMemory", 2, (ctx) => {
    const size = Number(BigInt.asUintN(64, ctx.arg(0)) & 0xffffffffn);
    ctx.describe([hex(size), hex(ctx.arg(1))]);
    return allocContiguous(ctx, size, 0n, BigInt.asUintN(64, ctx.arg(1)), "contiguous");
  }),
  nt("MmAllocateContiguousMemorySpecifyCache", 5, (ctx) => {
    const size = Number(BigInt.asUintN(64, ctx.arg(0)) & 0xffffffffn);
    ctx.describe([hex(size), hex(ctx.arg(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), String(ctx.u32(4))]);
    return allocContiguous(ctx, size, BigInt.asUintN(64, ctx.arg(1)), BigInt.asUintN(64, ctx.arg(2)), "contiguous");
  }),
  nt("MmAllocateContiguousNodeMemory", 6, (ctx) => {
    const size = Number(BigInt.asUintN(64, ctx.arg(0)) & 0xffffffffn);
    const protect = ctx.u32(4) & 0xff;
    if (protect !== 0x04 && protect !== 0x02) return 0n;
    return allocContiguous(ctx, size, BigInt.asUintN(64, ctx.arg(1)), BigInt.asUintN(64, ctx.arg(2)), "contiguous");
  }),
  nt("MmFreeContiguousMemory", 1, (ctx) => void freeContiguous(ctx, ctx.arg(0), "MmFreeContiguousMemory", "contiguous")),
  nt("MmFreeContiguousMemorySpecifyCache", 3, (ctx) => void freeContiguous(ctx, ctx.arg(0), "MmFreeContiguousMemorySpecifyCache", "contiguous")),
  nt("MmAllocateNonCachedMemory", 1, (ctx) => {
    const size = Number(BigInt.asUintN(64, ctx.arg(0)) & 0xffffffffn);
    const va = allocContiguous(ctx, size, 0n, 0xffffffffffffn, "noncached");
    if (va !== 0n) ctx.mem.write(va, new Uint8Array(size));
    return va;
  }),
  nt("MmFreeNonCachedMemory", 2, (ctx) => void freeContiguous(ctx, ctx.arg(0), "MmFreeNonCachedMemory", "noncached")),
  nt("MmCopyMemory", 5, (ctx) => {
    const target = ctx.arg(0);
    const source = BigInt.asUintN(64, ctx.arg(1));
    const n = Number(BigInt.asUintN(64, ctx.arg(2)) & 0xffffffffn);
    const flags = ctx.u32(3);
    const done = ctx.arg(4);
    ctx.describe([hex(target), hex(source), hex(n), flags === 1 ? "MM_COPY_MEMORY_PHYSICAL" : flags === 2 ? "MM_COPY_MEMORY_VIRTUAL" : hex(flags), hex(done)]);
    if (flags !== 1 && flags !== 2) return STATUS.INVALID_PARAMETER;
    writePtr(ctx.mem, done, 0n);
    if (flags === 1) {
      const bytes = readPhys(ctx, source, n);
      ctx.mem.write(target, bytes);
      writePtr(ctx.mem, done, BigInt(n));
      return STATUS.SUCCESS;
    }
    // Virtual: copies up to the first invalid page, then STATUS_PARTIAL_COPY.
    let copied = 0;
    while (copied < n) {
      const a = source + BigInt(copied);
      const chunk = Math.min(n - copied, Number(PAGE - (a & (PAGE - 1n))));
      if (!ctx.mem.isMapped(a, chunk)) break;
      ctx.mem.write(target + BigInt(copied), ctx.mem.read(a, chunk));
      copied += chunk;
    }
    writePtr(ctx.mem, done, BigInt(copied));
    return copied === n ? STATUS.SUCCESS : 0x8000000d; // STATUS_PARTIAL_COPY
  }),
];
