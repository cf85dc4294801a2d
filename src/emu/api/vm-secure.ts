/**
 * View flushes and secured user ranges (the "vm" family; examples/api-rank checks them from C on x64 and x86).
 *
 * ZwFlushVirtualMemory(ProcessHandle, &BaseAddress, &RegionSize, IoStatus) (ntifs.h; Learn
 *   nf-ntifs-zwflushvirtualmemory): writes the changed bytes of a view of a file (or paging-file)
 *   section in the process's user space back to the section (section.ts keeps views as copies,
 *   so this is what makes the file see them before the view is unmapped). The range is rounded
 *   to pages (RegionSize 0: to the end of the view) and written back through BaseAddress /
 *   RegionSize; IoStatus = {STATUS_SUCCESS, 0}. A handle of no process: its status; a kernel
 *   address or a range past the user space: STATUS_INVALID_PARAMETER_2; an address in no view
 *   (private memory, nothing) or a range past the view's end: STATUS_NOT_MAPPED_VIEW.
 * MmSecureVirtualMemory(Address, Size, ProbeMode) / MmUnsecureVirtualMemory(SecureHandle)
 *   (ntddk.h; Learn nf-ntddk-mmsecurevirtualmemory, -mmunsecurevirtualmemory): a range of one
 *   allocation of the user space (vm.ts), every page committed and accessible as ProbeMode
 *   (PAGE_READONLY or PAGE_READWRITE; anything else NULL) asks, is secured: an opaque non-NULL
 *   handle. Until it is unsecured, ZwFreeVirtualMemory of its pages and ZwProtectVirtualMemory
 *   to a protection ProbeMode forbids (PAGE_NOACCESS / PAGE_GUARD; PAGE_READONLY too for
 *   PAGE_READWRITE) fail with STATUS_INVALID_PAGE_PROTECTION (ReactOS MiCheckSecuredVad). Size
 *   0, a kernel address, a range not inside one allocation, uncommitted or inaccessible pages:
 *   NULL. An unknown handle is ignored (Windows ignores a handle whose range is gone). Not
 *   modelled: unmapping a secured section view.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { componentState } from "./state.js";
import { processOfHandle } from "./process.js";
import { flush, views } from "./section.js";
import { PAGE, VM_STATUS, space, vadAt, vmState } from "./vm-pages.js";

const STATUS_NOT_MAPPED_VIEW = 0xc0000019;

function flushVirtualMemory(ctx: ApiContext): number {
  const [h, pBase, pSize, iosb] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const [base, size] = [readPtr(ctx.mem, pBase), readPtr(ctx.mem, pSize)];
  ctx.describe([hex(h), hex(base), hex(size), hex(iosb)]);
  const p = processOfHandle(ctx, h);
  if (typeof p === "number") return p;
  const sp = space(ctx);
  if (base > sp.highest || size > sp.highest + 1n - base) return VM_STATUS.INVALID_PARAMETER_2;
  const view = views(ctx).find((v) => !v.system && base >= v.base && base < v.base + v.size);
  if (!view) return STATUS_NOT_MAPPED_VIEW;
  const start = base & ~(PAGE - 1n);
  const end = size === 0n ? view.base + view.size : (base + size + PAGE - 1n) & ~(PAGE - 1n);
  if (end > view.base + view.size) return STATUS_NOT_MAPPED_VIEW;
  flush(ctx, view, Number(start - view.base), Number(end - view.base));
  writePtr(ctx.mem, pBase, start);
  writePtr(ctx.mem, pSize, end - start);
  ctx.mem.setU32(iosb, STATUS.SUCCESS);
  writePtr(ctx.mem, iosb + BigInt(ptrSize()), 0n);
  return STATUS.SUCCESS;
}

// ---- MmSecureVirtualMemory
const secureCount = componentState("mm-secure", () => ({ next: 0 }));

function secureVirtualMemory(ctx: ApiContext): bigint {
  const [address, size, probe] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
  ctx.describe([hex(address), hex(size), hex(probe)]);
  if (probe !== 0x02 && probe !== 0x04) return 0n;
  const sp = space(ctx);
  if (size === 0n || address > sp.highest || size > sp.highest + 1n - address) return 0n;
  const v = vadAt(ctx, address);
  const start = address & ~(PAGE - 1n);
  const end = (address + size + PAGE - 1n) & ~(PAGE - 1n);
  if (!v || v.fixed || end > v.base + v.size) return 0n;
  // Every page committed and accessible as ProbeMode asks (the probe Windows makes first).
  for (let i = Number((start - v.base) / PAGE); i < Number((end - v.base) / PAGE); i++) {
    const p = v.pages[i]!;
    const base = p.protect & 0xff;
    const guarded = (p.protect & 0x100) !== 0;
    if (!p.committed || guarded || base === 0x01 || base === 0x10) return 0n;
    if (probe === 0x04 && ![0x04, 0x08, 0x40, 0x80].includes(base)) return 0n;
  }
  const n = ++secureCount(ctx.kernel).next;
  const handle = (ptrSize() === 8 ? 0xffffc9000a000000n : 0x8a000000n) + BigInt(n) * 0x10n;
  (v.secured ??= []).push({ start, end, probe, handle });
  return handle;
}

function unsecureVirtualMemory(ctx: ApiContext): void {
  const handle = ctx.arg(0);
  ctx.describe([hex(handle)]);
  for (const v of vmState(ctx.kernel).vads) {
    const i = (v.secured ?? []).findIndex((r) => r.handle === handle);
    if (i >= 0) return void v.secured!.splice(i, 1);
  }
  // Not found: the range is gone (its process exited) — Windows ignores the handle then.
}

export const apis: ApiDefinition[] = [
  nt("ZwFlushVirtualMemory", 4, flushVirtualMemory),
  nt("MmSecureVirtualMemory", 3, secureVirtualMemory),
  nt("MmUnsecureVirtualMemory", 1, unsecureVirtualMemory),
];
