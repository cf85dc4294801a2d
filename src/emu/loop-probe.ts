/**
 * When a top-level guest call runs out of its time budget: was the driver spinning in a loop of
 * its own that nothing could end (its bug: KmWpsMs.sys's module-table walk that never meets its
 * end), or waiting for something kmdll does not do (a device, the clock, another thread)?
 *
 * The last slice of the budget (a tenth, 20 ms to 1 s; tens of millions of instructions of a tight
 * loop) runs with a basic-block hook over all code and KUSER_SHARED_DATA made inaccessible. The
 * loop is the driver's own, and endless, only when all of these hold (loopVerdict):
 *  - every block entered lies in the image of the routine that timed out (or is the thunk of a
 *    kernel routine that only reads, PURE_ROUTINES: _stricmp, memcmp...), and there are few (at
 *    most 64): a small cycle of its own code; no other kernel routine called (dispatch.ts counts
 *    them) — so no wait, no polling through the kernel;
 *  - it did not read KUSER_SHARED_DATA (kmdll's clock moves only on kernel calls, so a loop on
 *    the tick count, KeQueryTickCount's x64 macro, would end on Windows): the page faults;
 *  - no hardware event (port, MMIO... a device kmdll models only partly may be what it polls);
 *  - no other code is due that could change what it reads: no armed timer, queued DPC or work
 *    item, no system thread alive (on Windows they would run beside or between the spins;
 *    kmdll runs guest code without preemption).
 *  - its state comes back (repeatsState, pass by pass round the loop): a deterministic machine in a state it was in before,
 *    with nothing else writing, goes round forever.
 * Otherwise the budget exhaustion stays what it was (kmdll cannot tell), with what the slice saw.
 * A loop that reads other memory nothing will change (its own globals, a list kmdll built) is the
 * driver's: given the state the driver sees, the loop cannot end.
 */
import type { Emulator } from "./emulator.js";
import { schedState } from "./sched/core.js";
import { PAGE } from "./layout.js";

const MAX_BLOCKS = 64;

/**
 * Kernel routines that only read memory and return a result (string and memory comparison,
 * length, search, case conversion of one character): a loop calling them is still a computation
 * of its own (KmWpsMs.sys compares module names with _stricmp as it walks).
 */
export const PURE_ROUTINES: ReadonlySet<string> = new Set([
  "_stricmp", "_strnicmp", "_wcsicmp", "_wcsnicmp", "strcmp", "strncmp", "wcscmp", "wcsncmp", "strlen", "wcslen", "strnlen", "wcsnlen",
  "strstr", "wcsstr", "strchr", "wcschr", "strrchr", "wcsrchr", "memcmp", "memchr", "toupper", "tolower", "towupper", "towlower",
  "RtlCompareMemory", "RtlCompareString", "RtlCompareUnicodeString", "RtlEqualString", "RtlEqualUnicodeString", "RtlUpcaseUnicodeChar",
]);
const MAX_ADDRESS = (1n << 64n) - 1n;

export interface LoopProbe {
  on: boolean;
  /** When the slice began (ms). */
  startedAt: number;
  /** Events emitted during the slice. */
  events: number;
  /** The sink before the slice (restored after it). */
  sink?: ((e: import("../events.js").TraceEvent) => void) | undefined;
  /** Kernel routines with an effect dispatched before the slice (emu.calls.impureCalls). */
  apiCalls: number;
  /** The read-only kernel routines (PURE_ROUTINES) it called during the slice. */
  pure: Set<string>;
  /** The slice's code read KUSER_SHARED_DATA at this PC. */
  kuserReadAt?: bigint;
}

/**
 * Can a run stopped at `pc` by the budget's first part go on from there? In a driver's code, yes;
 * at a kernel routine's thunk only when calling the routine again changes nothing (PURE_ROUTINES:
 * the stop may have come after its handler ran).
 */
export function resumable(emu: Emulator, pc: bigint): boolean {
  const t = emu.thunks.get(pc);
  if (t) return PURE_ROUTINES.has(t.name);
  return emu.moduleAt(pc)?.builtin === false;
}

/** The budget ran out at a kernel routine's thunk before any slice (not resumable): what can be said, as loopVerdict says it. */
export function inKernelCall(emu: Emulator, pc: bigint): LoopFacts | null {
  const t = emu.thunks.get(pc);
  return t ? { own: false, why: `it calls the kernel as it goes round (last ${t.name})`, blocks: 0, sliceMs: 0 } : null;
}

/** The slice length for a call budget of `timeoutMs`. */
export function sliceMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(20, Math.floor(timeoutMs / 10)));
}

/** A probe, when the engine can record blocks (null: the budget runs out as before). */
export function newProbe(emu: Emulator): LoopProbe | null {
  return emu.uc.setBlockHook && emu.uc.takeBlocks && emu.calls.loopProbe ? { on: false, startedAt: 0, events: 0, apiCalls: 0, pure: new Set() } : null;
}

export function startProbe(emu: Emulator, p: LoopProbe): void {
  p.on = true;
  emu.calls.activeProbe = p;
  p.startedAt = Date.now();
  p.apiCalls = emu.calls.impureCalls;
  p.events = 0;
  // Count what is emitted during the slice (a hardware access, a kernel report).
  const sink = emu.options.sink;
  p.sink = sink;
  emu.options.sink = (e) => {
    p.events++;
    sink?.(e);
  };
  emu.uc.setBlockHook!(1n, MAX_ADDRESS);
  // A new hook applies to code translated after it: the drivers' translated code is dropped.
  dropTranslations(emu);
  emu.uc.protect(emu.cpu.space.kuserSharedData, PAGE, 0);
}

/** Drop the drivers' translated code (a host write into an executable page of the image area does that; the bytes stay the same). */
function dropTranslations(emu: Emulator): void {
  for (const m of emu.modules.values()) if (!m.builtin) emu.uc.write(m.base, emu.uc.read(m.base, m.size));
}

/** End the slice: the blocks entered, as [start, size] pairs. */
export function stopProbe(emu: Emulator, p: LoopProbe): [bigint, number][] {
  if (!p.on) return [];
  p.on = false;
  emu.calls.activeProbe = null;
  emu.options.sink = p.sink;
  const raw = emu.uc.takeBlocks!();
  emu.uc.setBlockHook!(0n, 0n);
  emu.uc.protect(emu.cpu.space.kuserSharedData, PAGE, emu.C.prot.READ | emu.C.prot.WRITE);
  const out: [bigint, number][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, Number(raw[i + 1]!)]);
  return out;
}

/** The probed code read KUSER_SHARED_DATA at `pc`: noted, and the page readable again (the read is redone). */
export function noteKuserRead(emu: Emulator, p: LoopProbe, pc: bigint): void {
  p.kuserReadAt = pc;
  if (p.on) emu.uc.protect(emu.cpu.space.kuserSharedData, PAGE, emu.C.prot.READ | emu.C.prot.WRITE);
}

/** Is `address` in the KUSER_SHARED_DATA page? */
export function isKuserAccess(emu: Emulator, address: bigint | undefined): boolean {
  const k = emu.cpu.space.kuserSharedData;
  return address !== undefined && address >= k && address < k + BigInt(PAGE);
}

export interface LoopFacts {
  /** The driver's own endless loop: the fault becomes the driver's. */
  own: boolean;
  /** Why (own) or why it cannot be told (not own), in words. */
  why: string;
  module?: string;
  /** The loop's code: lowest block start, highest block end ("x.sys+0x1040", "x.sys+0x1072"). */
  start?: string;
  end?: string;
  blocks: number;
  sliceMs: number;
  /** Kernel routines / other code entered during the slice (at most 4, by where()). */
  outside?: string[];
  /** Passes round the loop after which the state repeats (own). */
  period?: number;
}

/** Judge the slice that ended at `rip` (see the module comment). */
export function loopVerdict(emu: Emulator, p: LoopProbe, rip: bigint, blocks: [bigint, number][], target: bigint): LoopFacts {
  const ms = Date.now() - p.startedAt;
  // Stopped in a pure routine's thunk: the loop is the called routine's (the call's target's image).
  const mod = PURE_ROUTINES.has(emu.thunks.get(rip)?.name ?? "") ? emu.moduleAt(target) : emu.moduleAt(rip);
  const base = { blocks: blocks.length, sliceMs: ms };
  if (emu.calls.impureCalls > p.apiCalls) return { ...base, ...(mod ? { module: mod.name } : {}), own: false, why: `it calls the kernel as it goes round (last ${emu.calls.lastImpure})` };
  if (!mod || mod.builtin) return { ...base, own: false, why: `it was running outside a driver image, at ${emu.where(rip)}` };
  const inImage = (a: bigint) => a >= mod.base && a < mod.base + BigInt(mod.size);
  // Blocks outside the image: the thunks of the pure routines it called are its computation too.
  const pure = (a: bigint) => PURE_ROUTINES.has(emu.thunks.get(a)?.name ?? "");
  const outside = [...new Set(blocks.filter(([a]) => !inImage(a) && !pure(a)).map(([a]) => emu.where(a).replace(/\+0x[0-9a-f]+$/, "")))].slice(0, 4);
  const facts = { ...base, module: mod.name, ...(outside.length ? { outside } : {}) };
  if (p.kuserReadAt !== undefined) return { ...facts, own: false, why: `it reads KUSER_SHARED_DATA at ${emu.where(p.kuserReadAt)} (the tick count or the time: kmdll's clock moves only on kernel calls)` };
  if (blocks.length === 0) return { ...facts, own: false, why: "no code of its own ran at the end" };
  if (outside.length) return { ...facts, own: false, why: `it also runs ${outside.join(", ")} as it goes round` };
  if (blocks.length > MAX_BLOCKS) return { ...facts, own: false, why: `it runs more than ${MAX_BLOCKS} different blocks of its own code (not a small loop)` };
  if (p.events > 0) return { ...facts, own: false, why: "it touches hardware (or the kernel reported events) as it goes round" };
  const st = schedState(emu.kernel);
  const pending = st.timers.size + st.dpcQueue.length + st.work.length + [...st.threads.values()].filter((t) => t.state !== "terminated").length;
  if (pending > 0) return { ...facts, own: false, why: "other code is due (an armed timer, a queued DPC or work item, a system thread) that could end the loop on Windows, where it would run beside or between the spins" };
  const own = blocks.filter(([a]) => inImage(a));
  if (own.length === 0) return { ...facts, own: false, why: "no code of its own ran at the end" };
  let lo = own[0]![0];
  let hi = lo;
  for (const [a, n] of own) {
    if (a < lo) lo = a;
    if (a + BigInt(n) > hi) hi = a + BigInt(n);
  }
  const start = emu.where(lo);
  const end = emu.where(hi);
  const cycle = repeatsState(emu, rip, mod.base, mod.size, own);
  // Code translated for the passes carries their end addresses: dropped.
  dropTranslations(emu);
  if (cycle === null) return { ...facts, start, end, own: false, why: `its own code (${blocks.length} block(s) from ${start} to ${end}) runs with no kernel call, but its state does not come back (a long computation, or progress kept in memory outside its image and stack)` };
  const called = [...p.pure].sort();
  const calls = called.length ? `no kernel call but ${called.join(", ")} (which only read)` : "no kernel call";
  return { ...facts, own: true, start, end, period: cycle, why: `an endless loop of its own code: ${own.length} block(s) from ${start} to ${end}, ${calls}, no hardware access, no KUSER_SHARED_DATA read, nothing else due, and every ${cycle} pass(es) round it its registers, image and stack are the same again` };
}

/** Passes tried, and the time for them. */
const MAX_PASSES = 1 << 14;
const PROOF_MS = 300;

/**
 * Run on pass by pass — from the loop's first block `h` to another of its blocks `b`, then back
 * to `h` (a run's end address is honoured by code translated for it, so the loop's pages are
 * re-translated before each run) — and look for a pass that ends in a state seen before:
 * registers and flags, the image's bytes and the 16 KiB of stack above the stack pointer, by
 * Brent's cycle search (a saved state, replaced at every power of two; memory compared only when
 * the registers match). The state at `h` determines the next pass when nothing else writes memory
 * the loop reads (checked by the caller: no other code due, no kernel call with an effect) and the
 * loop writes nothing outside the image and that stack: a repeat is then forever. The period in
 * passes, or null (a one-block loop, no repeat within the tries, a fault, a block not reached).
 */
function repeatsState(emu: Emulator, pc: bigint, base: bigint, size: number, own: [bigint, number][]): number | null {
  const starts = [...new Set(own.map(([a]) => a))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  if (starts.length < 2) return null;
  const h = starts[0]!;
  const b = starts[1]!;
  const { uc } = emu;
  const pcId = emu.cpu.pcId(emu.C);
  const ids = [...emu.gprIds, emu.cpu.flagsId(emu.C), pcId];
  const spId = emu.cpu.spId(emu.C);
  const STACK = 0x4000;
  const page = BigInt(PAGE);
  let hi = starts[starts.length - 1]!;
  for (const [a, n] of own) if (a + BigInt(n) > hi) hi = a + BigInt(n);
  const first = h & ~(page - 1n);
  const pages = uc.read(first, Number(((hi + page - 1n) & ~(page - 1n)) - first));
  const until = Date.now() + PROOF_MS;
  const run = (from: bigint, to: bigint): boolean => {
    uc.write(first, pages);
    const err = uc.start(from, to, Math.max(1, until - Date.now()) * 1000, 0);
    return err === 0 && !uc.lastFault().timedOut && uc.regRead(pcId) === to;
  };
  const memory = (): Buffer => {
    const sp = uc.regRead(spId);
    return Buffer.concat([uc.read(base, size), emu.mem.isMapped(sp, STACK) ? uc.read(sp, STACK) : new Uint8Array(0)]);
  };
  const impure = emu.calls.impureCalls;
  // KUSER_SHARED_DATA stays inaccessible: a read in a pass (the clock, which kernel calls move) fails the proof.
  const k = emu.cpu.space.kuserSharedData;
  uc.protect(k, PAGE, 0);
  try {
    return passes(pc, h, b, run, ids, memory, impure, until, emu);
  } finally {
    uc.protect(k, PAGE, emu.C.prot.READ | emu.C.prot.WRITE);
  }
}

function passes(pc: bigint, h: bigint, b: bigint, run: (from: bigint, to: bigint) => boolean, ids: number[], memory: () => Buffer, impure: number, until: number, emu: Emulator): number | null {
  const { uc } = emu;
  if (pc !== h && !run(pc, h)) return null;
  let savedRegs = uc.regReadMany(ids).join(",");
  let savedMem: Buffer | null = null;
  let power = 1;
  let period = 0;
  for (let pass = 0; pass < MAX_PASSES && Date.now() < until; pass++) {
    if (!run(h, b) || !run(b, h) || emu.calls.impureCalls !== impure) return null;
    period++;
    const regs = uc.regReadMany(ids).join(",");
    if (regs === savedRegs && memory().equals((savedMem ??= memory()))) return period;
    if (period === power) {
      savedRegs = regs;
      savedMem = null;
      power *= 2;
      period = 0;
    }
  }
  return null;
}
