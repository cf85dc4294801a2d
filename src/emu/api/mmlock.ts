/**
 * Locking a driver's pageable section (Microsoft Learn, wdm.h / ntddk.h: MmLockPagableDataSection
 * — wdm.h's MmLockPagableCodeSection is a macro for it —, MmLockPagableSectionByHandle,
 * MmUnlockPagableImageSection), and x86 ntoskrnl's fastcall Interlocked* exports.
 *
 * - MmLockPagableDataSection(AddressWithinSection): locks the whole image section holding the
 *   address into system memory and returns a handle to it; the memory manager keeps a reference
 *   count on the handle, "every lock request increments the count; every unlock request decrements
 *   the count", and the section is pageable again only at zero. kmdll's handle is the address of the
 *   section's IMAGE_SECTION_HEADER in the mapped image (one per section, valid while the driver is
 *   loaded: "a handle is always valid, no matter what the count"). Locking a PAGE* section keeps it
 *   resident at IRQL >= DISPATCH_LEVEL, where the verifier's pageable guard otherwise stops
 *   every access (src/emu/verifier/pageable.ts); a non-PAGE section is resident anyway.
 *   An address in no section of a loaded driver image: Learn documents no outcome; Windows finds
 *   no section to lock, and kmdll stops with bug check 0x1A MEMORY_MANAGEMENT (a kmdll choice,
 *   reported as such).
 * - MmLockPagableSectionByHandle(Handle): increments the count (a count of zero becomes one and
 *   the section is locked again). A value no MmLockPagable*Section call returned is a warning and
 *   does nothing.
 * - MmUnlockPagableImageSection(Handle): decrements the count; "a driver must unlock a section as
 *   many times as it locks" it: unlocking at count zero is a warning and the count stays zero.
 * - IRQL <= APC_LEVEL for all three (Learn's requirements, DDI rule IrqlMmApcLte): higher is the
 *   verifier's `irql-max` finding (../verifier/irql-table.ts).
 *
 * x86 InterlockedIncrement / InterlockedDecrement / InterlockedExchange / InterlockedExchangeAdd /
 * InterlockedCompareExchange:
 * x86 ntoskrnl.exe exports them as __fastcall routines (LONG FASTCALL InterlockedX(LONG volatile
 * *Target, ...): ECX, EDX, then the stack — data/kernel-exports.json, from mingw-w64's ntoskrnl
 * library), which old x86 drivers import instead of the compiler intrinsics. Each returns what
 * Learn's Interlocked* reference gives: the new value (Increment/Decrement), the initial value
 * (Exchange, ExchangeAdd(Addend, Value): adds Value, CompareExchange(Destination, Exchange, Comperand): the store happens only when the
 * initial value equals Comperand). x64 has no such exports (intrinsics).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { componentState } from "./state.js";
import { hex, nt } from "./util.js";

interface Locked { count: number; section: string; module: string; va: bigint }
const lockState = componentState("mm.pagelock", () => new Map<bigint, Locked>());

/** The IMAGE_SECTION_HEADER (mapped image headers) of the driver image section holding `a`, or null. */
function sectionAt(ctx: ApiContext, a: bigint): { handle: bigint; name: string; module: string; va: bigint } | null {
  const m = (ctx.kernel.loadedModules?.() ?? []).find((x) => !x.builtin && a >= x.base && a < x.base + BigInt(x.size));
  if (!m) return null;
  const nt = m.base + BigInt(ctx.mem.u32(m.base + 0x3cn));
  const count = ctx.mem.u16(nt + 6n);
  const table = nt + 24n + BigInt(ctx.mem.u16(nt + 20n));
  for (let i = 0; i < count; i++) {
    const h = table + BigInt(i * 40);
    const va = BigInt(ctx.mem.u32(h + 12n));
    const size = BigInt(Math.max(ctx.mem.u32(h + 8n), ctx.mem.u32(h + 16n)));
    const rva = a - m.base;
    if (rva >= va && rva < va + size) {
      const name = new TextDecoder().decode(ctx.mem.read(h, 8)).replace(/\0.*$/s, "");
      return { handle: h, name, module: m.name, va: m.base + va };
    }
  }
  return null;
}

function lockByHandle(ctx: ApiContext, e: Locked): void {
  if (e.count++ === 0) ctx.kernel.lockPageable?.(e.va, true);
}

function known(ctx: ApiContext, name: string): Locked | null {
  const h = ctx.arg(0);
  ctx.describe([hex(h)]);
  const e = lockState(ctx.kernel).get(h);
  if (!e) ctx.warn(`${name}(${hex(h)}): not a handle MmLockPagableCodeSection/MmLockPagableDataSection returned; ignored`);
  return e ?? null;
}

const I32 = (v: bigint | number) => BigInt.asUintN(32, BigInt(v));

export const apis: ApiDefinition[] = [
  nt("MmLockPagableDataSection", 1, (ctx) => {
    const a = ctx.arg(0);
    ctx.describe([hex(a)]);
    const s = sectionAt(ctx, a);
    if (!s)
      return ctx.fault("bugcheck", `MmLockPagableDataSection(${hex(a)}): the address is in no section of a loaded driver image (no section to lock): MEMORY_MANAGEMENT`, { code: "0x0000001A", parameters: ["0x1234", hex(a), "0x0", "0x0"] });
    const map = lockState(ctx.kernel);
    let e = map.get(s.handle);
    if (!e) map.set(s.handle, (e = { count: 0, section: s.name, module: s.module, va: s.va }));
    lockByHandle(ctx, e);
    return s.handle;
  }),
  nt("MmLockPagableSectionByHandle", 1, (ctx) => {
    const e = known(ctx, "MmLockPagableSectionByHandle");
    if (e) lockByHandle(ctx, e);
  }),
  nt("MmUnlockPagableImageSection", 1, (ctx) => {
    const e = known(ctx, "MmUnlockPagableImageSection");
    if (!e) return;
    if (e.count === 0) return ctx.warn(`MmUnlockPagableImageSection: section ${e.section} of ${e.module} is not locked (unlocked more times than locked)`);
    if (--e.count === 0) ctx.kernel.lockPageable?.(e.va, false);
  }),
  nt("InterlockedIncrement", 1, (ctx) => {
    const p = ctx.arg(0);
    const v = I32(ctx.mem.u32(p) + 1);
    ctx.mem.setU32(p, Number(v));
    return v;
  }),
  nt("InterlockedDecrement", 1, (ctx) => {
    const p = ctx.arg(0);
    const v = I32(ctx.mem.u32(p) - 1);
    ctx.mem.setU32(p, Number(v));
    return v;
  }),
  nt("InterlockedExchange", 2, (ctx) => {
    const p = ctx.arg(0);
    const old = ctx.mem.u32(p);
    ctx.mem.setU32(p, ctx.u32(1));
    return I32(old);
  }),
  nt("InterlockedExchangeAdd", 2, (ctx) => {
    const p = ctx.arg(0);
    const old = ctx.mem.u32(p);
    ctx.mem.setU32(p, Number(I32(old + ctx.u32(1))));
    return I32(old);
  }),
  nt("InterlockedCompareExchange", 3, (ctx) => {
    const p = ctx.arg(0);
    const old = ctx.mem.u32(p);
    if (old === ctx.u32(2)) ctx.mem.setU32(p, ctx.u32(1));
    return I32(old);
  }),
];
