/**
 * MmCopyVirtualMemory (an ntoskrnl export, not documented on Microsoft Learn; semantics of the
 * NT memory manager as ReactOS ntoskrnl/mm/ARM3/virtual.c reproduces them — MiDoMappedCopy):
 *
 *   NTSTATUS MmCopyVirtualMemory(PEPROCESS SourceProcess, PVOID SourceAddress,
 *       PEPROCESS TargetProcess, PVOID TargetAddress, SIZE_T BufferSize,
 *       KPROCESSOR_MODE PreviousMode, PSIZE_T ReturnSize)
 *
 * copies BufferSize bytes from one process's address space to another's. Both processes must be
 * process objects (the emulated system has one, System; anything else is a bug check report).
 * With PreviousMode UserMode both ranges must lie in user space (else STATUS_ACCESS_VIOLATION,
 * nothing copied). The copy goes page by page: when a source page cannot be read or a target
 * page cannot be written (unmapped, or a user page whose protection forbids it), the routine
 * stops there and returns STATUS_PARTIAL_COPY with *ReturnSize the bytes copied so far;
 * otherwise STATUS_SUCCESS with *ReturnSize = BufferSize.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt, writePtr } from "./util.js";
import { systemProcess } from "./process.js";
import { vadAt } from "./vm-pages.js";

const STATUS_PARTIAL_COPY = 0x8000000d;
const STATUS_ACCESS_VIOLATION = 0xc0000005;
const PAGE = 0x1000n;
/** Larger copies are refused as the memory manager would fail a huge mapping. */
const MAX_COPY = 256n * 1024n * 1024n;

/** Whether the user page at `a` allows `write` (or read): committed with a suitable protection. */
function userPageAllows(ctx: ApiContext, a: bigint, write: boolean): boolean {
  const v = vadAt(ctx, a);
  if (!v) return ctx.mem.isMapped(a, 1);
  const p = v.pages[Number((a - v.base) / PAGE)]!;
  if (!p.committed || p.protect & 0x100) return false;
  const base = p.protect & 0xff;
  return write ? [0x04, 0x08, 0x40, 0x80].includes(base) : base !== 0x01 && base !== 0x10;
}

function copy(ctx: ApiContext): number {
  const [src, srcAddr, dst, dstAddr, size] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  const mode = ctx.u32(5) & 0xff;
  const pRet = ctx.arg(6);
  ctx.describe([hex(src), hex(srcAddr), hex(dst), hex(dstAddr), hex(size), mode ? "UserMode" : "KernelMode", hex(pRet)]);
  const system = systemProcess(ctx);
  for (const p of [src, dst]) if (p !== system) ctx.fault("bugcheck", `MmCopyVirtualMemory: ${hex(p)} is not a process object`, { code: "0x0000001E" });
  const highest = ctx.kernel.userPages?.highest ?? 0x7ffffffeffffn;
  if (size === 0n) {
    writePtr(ctx.mem, pRet, 0n);
    return STATUS.SUCCESS;
  }
  if (mode !== 0 && (srcAddr > highest || size > highest + 1n - srcAddr || dstAddr > highest || size > highest + 1n - dstAddr)) return STATUS_ACCESS_VIOLATION;
  if (size > MAX_COPY) return STATUS.INSUFFICIENT_RESOURCES;
  const ok = (a: bigint, write: boolean) => (a <= highest ? userPageAllows(ctx, a, write) : ctx.mem.isMapped(a, 1));
  let done = 0n;
  while (done < size) {
    const s = srcAddr + done;
    const d = dstAddr + done;
    // The chunk ends at the nearer page boundary of source and target.
    const n = [size - done, PAGE - (s & (PAGE - 1n)), PAGE - (d & (PAGE - 1n))].reduce((m, x) => (x < m ? x : m));
    if (!ok(s, false) || !ok(d, true)) break;
    ctx.mem.write(d, ctx.mem.read(s, Number(n)));
    done += n;
  }
  writePtr(ctx.mem, pRet, done);
  return done === size ? STATUS.SUCCESS : STATUS_PARTIAL_COPY;
}

export const apis: ApiDefinition[] = [nt("MmCopyVirtualMemory", 7, copy)];
