/**
 * MmAllocateMdlForIoSpace (wdm.h, Windows 8; Microsoft Learn nf-wdm-mmallocatemdlforiospace): an
 * MDL describing physical address ranges of I/O space, from an array of MM_PHYSICAL_ADDRESS_LIST
 * { PHYSICAL_ADDRESS PhysicalAddress; SIZE_T NumberOfBytes } (16 bytes on every arch: the
 * LARGE_INTEGER aligns the entry to 8). Learn's rules, each STATUS_INVALID_PARAMETER_1: a base not
 * page-aligned, a size not a multiple of PAGE_SIZE, a range in RAM (the machine model's `ram`,
 * docs/machine.md); the ranges together must stay below 4 GiB (the same status here). The MDL is
 * not mapped (StartVa 0, MappedSystemVa NULL, no system address); its PFN array lists the ranges'
 * frames in order. kmdll's choices, said so: NumberOfEntries 0 (or a zero-length range) is
 * STATUS_INVALID_PARAMETER_2 / _1; the flags are MDL_IO_SPACE | MDL_PAGES_LOCKED, so
 * MmMapLockedPagesSpecifyCache maps it (Learn: "To map this MDL to a contiguous range of virtual
 * addresses ... call MmMapLockedPagesSpecifyCache") and IoFreeMdl frees it.
 *
 * Mapping (mdl.ts calls mapIoSpaceMdl): the frames go through the machine model's copy-in /
 * copy-out MMIO mapping, as MmMapIoSpace's do (machine.ts), so writes are `mmio` events at
 * MmUnmapLockedPages. kmdll maps an I/O-space MDL whose frames are physically contiguous; one
 * with separate ranges is a model gap (NULL, with a warning).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { componentState } from "./state.js";
import { machineOf, mapPhysical, noteModelGap, unmapPhysical } from "../machine/index.js";

const M = LAYOUT.MDL;
const B = (n: number) => BigInt(n);
const PAGE = 0x1000n;
const MDL_PAGES_LOCKED = 0x2;
const MDL_IO_SPACE = 0x800;
const INVALID_PARAMETER_1 = 0xc00000ef;
const INVALID_PARAMETER_2 = 0xc00000f0;
const TAG_MDL = 0x206c644d; // 'Mdl '

/** I/O-space MDLs: mdl → its ranges, and the system VA while mapped. */
const ioMdls = componentState("iospace-mdl", () => new Map<bigint, { ranges: { pa: bigint; size: bigint }[]; mapped: bigint }>());

function allocate(ctx: ApiContext): number {
  const [list, count, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(list), String(count), hex(out)]);
  if (count === 0n || count > 0x10000n) return INVALID_PARAMETER_2;
  const ram = machineOf(ctx.kernel).spec.ram;
  const ranges: { pa: bigint; size: bigint }[] = [];
  let total = 0n;
  for (let i = 0n; i < count; i++) {
    const pa = ctx.mem.u64(list + 16n * i);
    const size = readPtr(ctx.mem, list + 16n * i + 8n);
    if (pa % PAGE !== 0n || size === 0n || size % PAGE !== 0n) return INVALID_PARAMETER_1;
    if (ram.some((r) => pa < r.base + r.size && r.base < pa + size)) return INVALID_PARAMETER_1;
    total += size;
    ranges.push({ pa, size });
  }
  if (total > 0xffffffffn) return INVALID_PARAMETER_1;
  const pages = Number(total / PAGE);
  const mdlBytes = M.$size + ptrSize() * pages;
  if (mdlBytes > 0xffff) return STATUS.INSUFFICIENT_RESOURCES;
  const mdl = ctx.pool.allocate(mdlBytes, TAG_MDL, 0, true);
  if (mdl === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  writePtr(ctx.mem, mdl + B(M.Next), 0n);
  ctx.mem.setU16(mdl + B(M.Size), mdlBytes);
  ctx.mem.setU16(mdl + B(M.MdlFlags), MDL_IO_SPACE | MDL_PAGES_LOCKED);
  writePtr(ctx.mem, mdl + B(M.Process), 0n);
  writePtr(ctx.mem, mdl + B(M.MappedSystemVa), 0n);
  writePtr(ctx.mem, mdl + B(M.StartVa), 0n);
  ctx.mem.setU32(mdl + B(M.ByteCount), Number(total));
  ctx.mem.setU32(mdl + B(M.ByteOffset), 0);
  let n = 0;
  for (const r of ranges) for (let f = r.pa / PAGE; f < (r.pa + r.size) / PAGE; f++) writePtr(ctx.mem, mdl + B(M.$size + ptrSize() * n++), f);
  ioMdls(ctx.kernel).set(mdl, { ranges, mapped: 0n });
  writePtr(ctx.mem, out, mdl);
  return STATUS.SUCCESS;
}

/** MmMapLockedPages(SpecifyCache) of an I/O-space MDL: its system VA (0 when kmdll cannot map it); null for other MDLs. */
export function mapIoSpaceMdl(ctx: ApiContext, mdl: bigint, api: string): bigint | null {
  const m = ioMdls(ctx.kernel).get(mdl);
  if (!m) return null;
  if (m.mapped !== 0n) return m.mapped;
  const contiguous = m.ranges.every((r, i) => i === 0 || r.pa === m.ranges[i - 1]!.pa + m.ranges[i - 1]!.size);
  if (!contiguous) {
    noteModelGap(ctx.kernel, `${api} of an MMIO MDL with separate physical ranges (MmAllocateMdlForIoSpace)`, ctx.caller?.module);
    return 0n;
  }
  const size = m.ranges.reduce((a, r) => a + r.size, 0n);
  const va = mapPhysical(ctx, m.ranges[0]!.pa, Number(size), "mmio");
  m.mapped = va;
  return va;
}

/** MmUnmapLockedPages of an I/O-space MDL's mapping: true when it was one (copied out and unmapped). */
export function unmapIoSpaceMdl(ctx: ApiContext, mdl: bigint, va: bigint, api: string): boolean {
  const m = ioMdls(ctx.kernel).get(mdl);
  if (!m || m.mapped === 0n || m.mapped !== va) return false;
  unmapPhysical(ctx, va, api);
  m.mapped = 0n;
  return true;
}

/** IoFreeMdl: forget an I/O-space MDL (a mapping still made is a warning, as for other MDLs). */
export function freeIoSpaceMdl(ctx: ApiContext, mdl: bigint): void {
  const m = ioMdls(ctx.kernel).get(mdl);
  if (!m) return;
  if (m.mapped !== 0n) ctx.warn(`IoFreeMdl(${hex(mdl)}): the I/O-space MDL is still mapped at ${hex(m.mapped)} (MmUnmapLockedPages missing)`);
  ioMdls(ctx.kernel).delete(mdl);
}

export const apis: ApiDefinition[] = [
  {
    ...nt("MmAllocateMdlForIoSpace", 3, allocate),
    notes: "page-aligned ranges outside RAM (machine model); MmMapLockedPagesSpecifyCache maps physically contiguous ones through the MMIO model",
  },
];
