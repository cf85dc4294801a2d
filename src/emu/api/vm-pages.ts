/**
 * The VADs behind api/vm.ts: per-page state of the user address space (reserved / committed,
 * protection, lock bit), the PAGE_* protection rules, free-range search, commit and decommit
 * (mapping pages through KernelState.userPages). Limits: MAX_COMMIT bytes committed, MAX_VADS
 * allocations.
 */
import type { ApiContext } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { componentState } from "./state.js";
import { processOfHandle } from "./process.js";

export const PAGE = 0x1000n;
export const GRANULE = 0x10000n;
/** The lowest address an allocation may take (the first 64 KiB are never allocatable). */
export const LOWEST = 0x10000n;
export const MAX_COMMIT = 256n * 1024n * 1024n;
export const MAX_VADS = 512;

export const MEM = { COMMIT: 0x1000, RESERVE: 0x2000, DECOMMIT: 0x4000, RELEASE: 0x8000, FREE: 0x10000, PRIVATE: 0x20000, RESET: 0x80000, TOP_DOWN: 0x100000, RESET_UNDO: 0x1000000 } as const;
const PAGE_GUARD = 0x100;
const PAGE_NOCACHE = 0x200;
const PAGE_WRITECOMBINE = 0x400;

/** Status codes of this family (ntstatus.h). */
export const VM_STATUS = {
  INVALID_PARAMETER_2: 0xc00000f0,
  INVALID_PARAMETER_3: 0xc00000f1,
  INVALID_PARAMETER_4: 0xc00000f2,
  INVALID_PARAMETER_5: 0xc00000f3,
  INVALID_PARAMETER_6: 0xc00000f4,
  NOT_COMMITTED: 0xc000002d,
  INVALID_PAGE_PROTECTION: 0xc0000045,
  MEMORY_NOT_ALLOCATED: 0xc00000a0,
  FREE_VM_NOT_AT_BASE: 0xc000009f,
  UNABLE_TO_FREE_VM: 0xc000001a,
  UNABLE_TO_DELETE_SECTION: 0xc000001b,
  COMMITMENT_LIMIT: 0xc000012d,
  WAS_LOCKED: 0x40000019,
  INFO_LENGTH_MISMATCH: 0xc0000004,
} as const;

export interface Page {
  committed: boolean;
  protect: number;
  locked: boolean;
}
export interface Vad {
  base: bigint;
  size: bigint;
  allocProtect: number;
  pages: Page[];
  /** The system's own page (KUSER_SHARED_DATA's user view): never freed or re-protected. */
  fixed?: boolean;
  /** A view of a section (api/section.ts): unmapped with ZwUnmapViewOfSection, not freed. */
  view?: boolean;
  /** Ranges MmSecureVirtualMemory secured (api/mmsecure.ts), with the probe mode each keeps. */
  secured?: { start: bigint; end: bigint; probe: number; handle: bigint }[];
}

/**
 * Would giving pages [start, end) of `v` the protection `protect` (0: freeing or decommitting them)
 * break a secured range? (ReactOS MiCheckSecuredVad: STATUS_INVALID_PAGE_PROTECTION.) A range
 * secured PAGE_READWRITE must stay writable, PAGE_READONLY readable (Learn, MmSecureVirtualMemory).
 */
export function breaksSecure(v: Vad, start: bigint, end: bigint, protect: number): boolean {
  const base = protect & 0xff;
  const guarded = (protect & PAGE_GUARD) !== 0;
  const writable = !guarded && [0x04, 0x08, 0x40, 0x80].includes(base);
  const readable = !guarded && base !== 0 && base !== 0x01 && base !== 0x10;
  return (v.secured ?? []).some((r) => r.start < end && start < r.end && (r.probe === 0x04 ? !writable : !readable));
}

/**
 * MM_SHARED_USER_DATA_VA: every process sees KUSER_SHARED_DATA read-only at 0x7FFE0000, on x86
 * (whose user space ends at MmHighestUserAddress 0x7FFEFFFF, MmUserProbeAddress 0x7FFF0000) as
 * on x64 (ReactOS ndk/mmtypes.h and ntoskrnl/include/internal/mm.h; Windows Internals, 7th ed.,
 * "x86 address space layouts"). It is one committed PAGE_READONLY page: allocations go around it.
 */
export const MM_SHARED_USER_DATA_VA = 0x7ffe0000n;

/** The address space's bounds and page mapping (provided by the emulator; absent in unit-test fakes). */
export function space(ctx: ApiContext) {
  const s = ctx.kernel.userPages;
  if (!s) ctx.fault("internal", `${ctx.api}: the emulator provides no user address space`);
  const st = vmState(ctx.kernel);
  if (!st.shared && s.sharedData !== undefined && MM_SHARED_USER_DATA_VA + PAGE - 1n <= s.highest) {
    st.shared = true;
    // A copy of the kernel's page as it is now, mapped read-only.
    s.map(MM_SHARED_USER_DATA_VA, 0x1000, 3);
    ctx.mem.write(MM_SHARED_USER_DATA_VA, ctx.mem.read(s.sharedData, 0x1000));
    s.protect(MM_SHARED_USER_DATA_VA, 0x1000, 1);
    st.vads.push({ base: MM_SHARED_USER_DATA_VA, size: PAGE, allocProtect: 0x02, pages: [{ committed: true, protect: 0x02, locked: false }], fixed: true });
  }
  return s;
}

export const vmState = componentState("vm", () => ({ vads: [] as Vad[], committed: 0n, shared: false }));

/** CPU permissions (read 1, write 2, exec 4) of a PAGE_* protection. */
export function perms(protect: number): number {
  if (protect & PAGE_GUARD) return 0;
  switch (protect & 0xff) {
    case 0x02: return 1;
    case 0x04: case 0x08: return 3;
    case 0x10: return 4 | 1; // PAGE_EXECUTE: x64 pages are readable when executable.
    case 0x20: return 5;
    case 0x40: case 0x80: return 7;
    default: return 0;
  }
}

/** Whether a protection is valid for private memory: one base value, with the modifiers Windows accepts. */
export function validProtect(protect: number, forAllocate: boolean): boolean {
  const base = protect & 0xff;
  if (protect & ~0x7ff) return false;
  if (![0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80].includes(base)) return false;
  if (forAllocate && (base === 0x08 || base === 0x80)) return false; // write-copy: views of sections only.
  if ((protect & PAGE_NOCACHE) && (protect & PAGE_WRITECOMBINE)) return false;
  if (base === 0x01 && protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) return false;
  return true;
}

export const pageDown = (a: bigint) => a & ~(PAGE - 1n);
export const pageUp = (a: bigint) => (a + PAGE - 1n) & ~(PAGE - 1n);

export function vadAt(ctx: ApiContext, a: bigint): Vad | undefined {
  return vmState(ctx.kernel).vads.find((v) => a >= v.base && a < v.base + v.size);
}

/** Resolve the process handle; a status when it is not a process. */
export function checkProcess(ctx: ApiContext, h: bigint): number | null {
  const p = processOfHandle(ctx, h);
  return typeof p === "number" ? p : null;
}

/** The pages [start, end) of a VAD as indices. */
export function pageRange(v: Vad, start: bigint, end: bigint): [number, number] {
  return [Number((start - v.base) / PAGE), Number((end - v.base) / PAGE)];
}

/** Map or re-protect runs of equal protection (few engine regions). */
export function applyPages(ctx: ApiContext, v: Vad, first: number, last: number): void {
  const s = space(ctx);
  let i = first;
  while (i < last) {
    let j = i + 1;
    const p = v.pages[i]!;
    while (j < last && v.pages[j]!.committed === p.committed && v.pages[j]!.protect === p.protect) j++;
    if (p.committed) s.protect(v.base + BigInt(i) * PAGE, (j - i) * 0x1000, perms(p.protect));
    i = j;
  }
}

export function findFree(ctx: ApiContext, size: bigint, topDown: boolean, zeroBitsLimit: bigint): bigint | null {
  const s = space(ctx);
  const vads = [...vmState(ctx.kernel).vads].sort((a, b) => (a.base < b.base ? -1 : 1));
  const limit = zeroBitsLimit < s.highest + 1n ? zeroBitsLimit : s.highest + 1n;
  const fits = (b: bigint) => b >= LOWEST && b + size <= limit && !vads.some((v) => b < v.base + v.size && v.base < b + size) && !s.isMapped(b, size);
  if (!topDown) {
    let b = LOWEST;
    for (let tries = 0; tries < 4096 && b + size <= limit; tries++) {
      if (fits(b)) return b;
      const blocker = vads.find((v) => b < v.base + v.size && v.base < b + size);
      b = blocker ? (blocker.base + blocker.size + GRANULE - 1n) & ~(GRANULE - 1n) : b + GRANULE * 16n;
    }
    return null;
  }
  let b = (limit - size) & ~(GRANULE - 1n);
  for (let tries = 0; tries < 4096 && b >= LOWEST; tries++) {
    if (fits(b)) return b;
    const blocker = vads.find((v) => b < v.base + v.size && v.base < b + size);
    b = blocker ? (blocker.base - size) & ~(GRANULE - 1n) : b - GRANULE * 16n;
  }
  return null;
}

export function commit(ctx: ApiContext, v: Vad, first: number, last: number, protect: number): number {
  const st = vmState(ctx.kernel);
  const fresh = v.pages.slice(first, last).filter((p) => !p.committed).length;
  if (st.committed + BigInt(fresh) * PAGE > MAX_COMMIT) return VM_STATUS.COMMITMENT_LIMIT;
  const s = space(ctx);
  for (let i = first; i < last; i++) {
    const p = v.pages[i]!;
    if (!p.committed) {
      // A fresh page is zero-filled; map runs of new pages at once.
      let j = i;
      while (j < last && !v.pages[j]!.committed) j++;
      s.map(v.base + BigInt(i) * PAGE, (j - i) * 0x1000, 0);
      for (let k = i; k < j; k++) v.pages[k] = { committed: true, protect, locked: false };
      st.committed += BigInt(j - i) * PAGE;
      i = j - 1;
    } else p.protect = protect;
  }
  applyPages(ctx, v, first, last);
  return STATUS.SUCCESS;
}

export function decommit(ctx: ApiContext, v: Vad, first: number, last: number): void {
  const st = vmState(ctx.kernel);
  const s = space(ctx);
  for (let i = first; i < last; i++) {
    if (!v.pages[i]!.committed) continue;
    let j = i;
    while (j < last && v.pages[j]!.committed) j++;
    s.unmap(v.base + BigInt(i) * PAGE, (j - i) * 0x1000);
    for (let k = i; k < j; k++) v.pages[k] = { committed: false, protect: 0, locked: false };
    st.committed -= BigInt(j - i) * PAGE;
    i = j - 1;
  }
}
