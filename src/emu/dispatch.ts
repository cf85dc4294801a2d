/**
 * API dispatch: the native hook on the synthetic kernel modules' code calls `dispatch` with the
 * thunk address and the register arguments. It finds the handler, names the caller (also for
 * tail calls), builds the ApiContext the handler sees, and turns handler failures and guest
 * faults inside handlers into fault reports. Unimplemented exports fault or return
 * STATUS_NOT_IMPLEMENTED, as the emulator options say.
 */
import { PURE_ROUTINES } from "./loop-probe.js";
import { sync as syncPageTables, viewsExist } from "./machine/paging-views.js";
import type { CpuAccess } from "./api/types.js";
import type { FaultKind } from "../events.js";
import type { Emulator } from "./emulator.js";
import { GuestFault } from "./memory.js";
import { EmuStop } from "./faults.js";
import { SehResume } from "./seh.js";
import { SehCompleted } from "./seh-x86.js";
import { addr64 } from "./layout.js";
import { CallContext, type Caller, type ContextShared, type HookRows, ROW_ADDRESS, type Target } from "./call-context.js";
import { checkCallIrql } from "./verifier/checks.js";
import { maxIrqlOf } from "./verifier/irql-table.js";
import { setLayoutArch } from "../nt/arch-layout.js";
import { formatStatus, statusName } from "../nt/status.js";
import { failedCallWatch, SIZE_PROBE_STATUSES, type FailedCall, type FailedCallSlot } from "./failed-call.js";

const STATUS_NOT_IMPLEMENTED = 0xc0000002n;

export type { Caller } from "./call-context.js";

/**
 * Who called an API, from its return address. A driver that tail-calls an API (`jmp DbgPrint`
 * as its last statement) leaves the return address of *its* caller — the kernel's return
 * sentinel or a thunk — so then the innermost driver routine the kernel called is the caller.
 */
export function callerOf(emu: Emulator, retAddr: bigint): Caller {
  const { map, calls } = emu;
  const direct = map.moduleAt(retAddr);
  if (direct && !direct.builtin) {
    const caller = { module: direct.name, rva: Number(retAddr - direct.base) };
    return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)}` };
  }
  for (let i = calls.targets.length - 1; i >= 0; i--) {
    const target = calls.targets[i]!;
    const m = map.moduleAt(target);
    if (m && !m.builtin) {
      const caller = { module: m.name, rva: Number(target - m.base) };
      return { caller, callerText: `${caller.module}+0x${caller.rva.toString(16)} (tail call)` };
    }
  }
  if (direct) return { caller: { module: direct.name, rva: Number(retAddr - direct.base) }, callerText: `${direct.name}+0x${(retAddr - direct.base).toString(16)}` };
  return { caller: null, callerText: addr64(retAddr) };
}

/** The routines through which a driver allocates pool itself (Driver Verifier tracks these). */
const POOL_ALLOCATOR = /!(ExAllocatePool\w*|ExAllocateFrom\w*Lookaside\w*|ExAllocateFrom(N?Paged)?LookasideList\w*)$/;

/**
 * Per-emulator dispatch state: targets by thunk address and callers by return address (a call
 * site calls again and again). A cached caller is used only while its module is still mapped;
 * only direct calls from a driver are cached (a tail call's caller depends on the call stack).
 */
class DispatchCache implements ContextShared {
  readonly targets = new Map<bigint, Target | null>();
  readonly callers = new Map<bigint, { key: string; module: object; who: Caller }>();
  readonly cpu: CpuAccess;
  readonly regArgs: boolean;
  readonly x64: boolean;
  rows: HookRows;
  /** Transient contexts (ApiDefinition.transientContext) by hook row: reused call after call. */
  readonly spares: (CallContext | undefined)[] = [];
  /** Rows used by the BigInt-per-register hook form (`dispatch`): its own, one per nesting depth. */
  private compat: HookRows | null = null;
  compatDepth = 0;
  readonly callerOf = (emu: Emulator, retAddr: bigint, t: Target): Caller => cachedCallerOf(emu, this, retAddr, t);
  constructor(emu: Emulator) {
    this.cpu = {
      arch: emu.cpu.arch,
      get: (reg) => emu.uc.regRead(emu.cpu.regId(emu.C, reg)),
      // The caller goes on at `pc` with this stack pointer and the other registers as they are
      // (the guest call resumes there, as after an __except).
      resumeAt: (pc, sp) => {
        const v = emu.uc.regReadMany([...emu.gprIds, emu.cpu.flagsId(emu.C)]);
        const regs = v.slice(0, -1);
        regs[4] = sp;
        throw new SehResume({ regs, rip: pc, eflags: v[v.length - 1]! });
      },
    };
    this.regArgs = emu.cpu.arch !== "x86";
    this.x64 = emu.cpu.arch === "x64";
    this.rows = { regs: new BigUint64Array(8), words: new Uint32Array(16) };
  }
  compatRows(): HookRows {
    if (!this.compat) {
      const regs = new BigUint64Array(8 * (MAX_NESTING + 1));
      this.compat = { regs, words: new Uint32Array(regs.buffer) };
    }
    return this.compat;
  }
}
/** Entries of the fast hook's cache of recently called routines (a power of two). */
const RECENT = 256;
/** Hook calls nested deeper than this (through the BigInt form) share the last row. */
const MAX_NESTING = 64;
const caches = new WeakMap<Emulator, DispatchCache>();

function cacheOf(emu: Emulator): DispatchCache {
  let c = caches.get(emu);
  if (!c) caches.set(emu, (c = new DispatchCache(emu)));
  return c;
}

function targetAt(emu: Emulator, cache: DispatchCache, addr: bigint): Target | null {
  let t = cache.targets.get(addr);
  if (t === undefined) {
    const thunk = emu.thunks.get(addr);
    t = thunk
      ? {
          thunk,
          apiName: `${thunk.module}!${thunk.name}`,
          shortName: `${thunk.module.replace(/\.(exe|dll|sys)$/i, "")}!${thunk.name}`,
          maxIrql: maxIrqlOf(thunk.name),
          poolBy: undefined,
          lastRetLo: 0,
          lastRetHi: 0,
          lastGen: -1,
          lastWho: null,
        }
      : null;
    if (t) t.poolBy = POOL_ALLOCATOR.test(t.apiName) ? undefined : t.apiName;
    cache.targets.set(addr, t);
  }
  return t;
}

function cachedCallerOf(emu: Emulator, cache: DispatchCache, retAddr: bigint, t?: Target): Caller {
  const modules = emu.map.modules;
  const hit = cache.callers.get(retAddr);
  let who: Caller;
  if (hit && modules.get(hit.key) === hit.module) who = hit.who;
  else {
    who = callerOf(emu, retAddr);
    const direct = emu.map.moduleAt(retAddr);
    if (!direct || direct.builtin || !who.caller) return who;
    if (who.caller.module === direct.name) who.moduleKey = direct.key;
    if (cache.callers.size >= 4096) cache.callers.clear();
    cache.callers.set(retAddr, { key: direct.key, module: direct, who });
  }
  // Only direct calls from a driver get here (cached above): remember it on the routine too.
  if (t) {
    t.lastRetLo = Number(BigInt.asIntN(32, retAddr));
    t.lastRetHi = Number(BigInt.asIntN(32, retAddr >> 32n));
    t.lastGen = modules.generation;
    t.lastWho = who;
  }
  return who;
}

/** The native API hook (BigInt form): run the handler of the thunk at `addr`; the return value goes to RAX. */
export function dispatch(emu: Emulator, addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, retAddr: bigint): bigint | number | void {
  const cache = cacheOf(emu);
  const rows = cache.compatRows();
  const row = 8 * Math.min(cache.compatDepth, MAX_NESTING);
  const r = rows.regs;
  r[row] = addr;
  r[row + 1] = rcx;
  r[row + 2] = rdx;
  r[row + 3] = r8;
  r[row + 4] = r9;
  r[row + 5] = rsp;
  r[row + 6] = retAddr;
  cache.rows = rows;
  cache.compatDepth++;
  try {
    return run(emu, cache, targetAt(emu, cache, addr), row);
  } finally {
    cache.compatDepth--;
  }
}

/**
 * The hook of the addon's fast form: the registers are in row `slot` of `regs` ([address, a0,
 * a1, a2, a3, sp, return address, -]) and `offset` is the address's offset from `hookStart`, so
 * the target is found without a BigInt and the addon makes none; the handler's context reads
 * the row on demand (call-context.ts).
 */
export function fastDispatcher(emu: Emulator, hookStart: bigint, regs: BigUint64Array): (offset: number, slot: number) => bigint | number | void {
  const cache = cacheOf(emu);
  const rows: HookRows = { regs, words: new Uint32Array(regs.buffer, regs.byteOffset, regs.length * 2) };
  cache.rows = rows;
  const byOffset = new Map<number, Target | null>();
  // A direct-mapped cache in front of the map (offsets are below 2^31; thunks are 8 bytes apart).
  const keys = new Int32Array(RECENT).fill(-1);
  const recent: (Target | null)[] = new Array<Target | null>(RECENT).fill(null);
  return (offset, slot) => {
    const h = (offset >>> 3) & (RECENT - 1);
    let t: Target | null | undefined;
    if (keys[h] === offset) t = recent[h] ?? null;
    else {
      t = byOffset.get(offset);
      if (t === undefined) byOffset.set(offset, (t = targetAt(emu, cache, hookStart + BigInt(offset))));
      keys[h] = offset;
      recent[h] = t;
    }
    return run(emu, cache, t, 8 * slot);
  };
}

function run(emu: Emulator, cache: DispatchCache, t: Target | null, row: number): bigint | number | void {
  if (t?.thunk.kind === "step") return;
  emu.clock.step();
  if (!t || t.thunk.kind === "data" || !t.thunk.def) return notCallable(emu, cache, t, row);
  // Handlers read structure layouts of the emulator's arch (several emulators may share a process).
  setLayoutArch(emu.cpu.arch);
  // A routine whose handler keeps no reference to its context (ApiDefinition.transientContext)
  // gets the context of the last such call at this row, unless that one is still in use (a call
  // nested deeper than the rows, which share the last one). One function for both kinds, so V8
  // compiles one call path.
  const transient = t.thunk.def.transientContext === true;
  let ctx = transient ? cache.spares[row >> 3] : undefined;
  if (ctx !== undefined && ctx.idle()) ctx.reuse(t, row);
  else {
    ctx = new CallContext(emu, cache, t, row);
    if (transient && row >> 3 <= MAX_NESTING) cache.spares[row >> 3] = ctx;
  }
  try {
    return call(emu, t, ctx);
  } finally {
    if (transient) ctx.release();
    else ctx.detach();
  }
}

function call(emu: Emulator, t: Target, ctx: CallContext): bigint | number | void {
  if (emu.verifier.enabled) {
    const max = t.maxIrql;
    if (max !== null && emu.kernel.irql > max && ctx.caller) checkCallIrql(emu, t.thunk.name, ctx.retAddr, ctx.callSite.callerText);
  }
  let ret: bigint | number | void;
  const outer = emu.currentCall;
  emu.currentCall = ctx;
  if (!PURE_ROUTINES.has(t.thunk.name)) {
    emu.calls.impureCalls++;
    emu.calls.lastImpure = t.thunk.name;
  } else emu.calls.activeProbe?.pure.add(t.thunk.name);
  // Page-table views a driver may have written since the last call (machine/paging-views.ts)...
  if (viewsExist()) syncPageTables(ctx);
  try {
    ret = t.thunk.def!.handler(ctx);
  } catch (e) {
    emu.currentCall = outer;
    throw handlerFailed(emu, t, ctx, e);
  }
  emu.currentCall = outer;
  // ...and what the routine itself wrote there (memcpy into a page table): in effect on return.
  if (viewsExist()) syncPageTables(ctx);
  if (emu.options.trace) traceCall(emu, t, ctx, ret);
  if (failedCallWatch.current !== null) {
    if (typeof ret === "number" && ret >= 0xc0000000 && ret <= 0xffffffff) noteFailedCall(failedCallWatch.current, t, ctx, ret);
    else if (failedCallWatch.current.probe !== undefined && typeof ret === "number" && ret >= 0 && ret < 0x80000000) probeAnswered(failedCallWatch.current, t);
  }
  // A bigint goes to RAX as its low 64 bits (two's complement), a safe integer as it is.
  if (ret === undefined || typeof ret === "bigint") return ret;
  return Number.isSafeInteger(ret) ? ret : BigInt.asUintN(64, BigInt(ret));
}

/**
 * What a handler's exception becomes (thrown by the caller): SEH transfers and stops go on as
 * they are, a guest fault inside the handler and any other failure become fault reports. Kept
 * out of `call` so the per-call path stays small (V8 optimizes it sooner).
 */
function handlerFailed(emu: Emulator, t: Target, ctx: CallContext, e: unknown): unknown {
  const { faults, options } = emu;
  if (e instanceof SehResume || e instanceof SehCompleted) {
    // A routine that raised (ExRaiseStatus, ProbeForRead...) or unwound: it does not return, but it was called.
    if (options.trace) emu.emit({ event: "api", module: ctx.caller?.module ?? "", api: t.apiName, args: ctx.shown(), caller: ctx.callSite.callerText });
    return e;
  }
  if (e instanceof EmuStop) return e;
  const { callerText } = ctx.callSite;
  if (e instanceof GuestFault) {
    const kind: FaultKind = e.freedWhat ? "use-after-free" : e.access === "read" ? "invalid-read" : "invalid-write";
    return new EmuStop(faults.report(kind, `${e.message} in ${t.shortName} called from ${callerText}`, ctx.retAddr, { api: t.apiName, address: e.address }));
  }
  return new EmuStop(faults.report("internal", `${t.shortName} handler failed: ${(e as Error)?.message ?? String(e)} (called from ${callerText})`, ctx.retAddr, { api: t.apiName }));
}

/** Remember a call that returned an error status (failed-call.ts), when ntstatus.h names the value. */
function noteFailedCall(watch: FailedCallSlot, t: Target, ctx: CallContext, ret: number): void {
  const name = statusName(ret);
  if (!name) return;
  if (SIZE_PROBE_STATUSES.has(ret)) watch.probe = { routine: t.shortName, before: watch.probe?.routine === t.shortName ? watch.probe.before : watch.call };
  else delete watch.probe;
  const args = ctx.shown().map((a) => String(a)).join(", ");
  const site = ctx.callSite.callerText;
  watch.call = { text: `${t.shortName}(${args.length > 300 ? args.slice(0, 300) + "…" : args}) → ${formatStatus(ret)} ${name} (called from ${site})`, routine: t.shortName, status: formatStatus(ret), statusName: name, site };
}

/** A call after a size probe that did not fail: the probe of the same routine was answered, not a reason. */
function probeAnswered(watch: FailedCallSlot, t: Target): void {
  if (watch.probe!.routine !== t.shortName) return;
  watch.call = watch.probe!.before;
  delete watch.probe;
}

/** The trace's "api" event of a call that returned. */
function traceCall(emu: Emulator, t: Target, ctx: CallContext, ret: bigint | number | void): void {
  emu.emit({
    event: "api",
    module: ctx.caller?.module ?? "",
    api: t.apiName,
    args: ctx.shown(),
    ...(ret !== undefined ? { ret: "0x" + BigInt.asUintN(64, BigInt(ret)).toString(16) } : {}),
    caller: ctx.callSite.callerText,
  });
}

/** A call of a data export, of an address between routines, or of an unimplemented routine. */
function notCallable(emu: Emulator, cache: DispatchCache, t: Target | null, row: number): bigint {
  const { faults, options } = emu;
  const r = cache.rows.regs;
  const addr = r[row + ROW_ADDRESS]!;
  const retAddr = r[row + 6]!;
  if (!t || t.thunk.kind === "data") {
    const { callerText } = cachedCallerOf(emu, cache, retAddr);
    const what = t ? `data export ${t.apiName} executed as code` : `jump into kernel code at ${emu.where(addr)}`;
    throw new EmuStop(faults.report("invalid-fetch", `${what} (called from ${callerText})`, addr, { address: addr }));
  }
  const { caller, callerText } = cachedCallerOf(emu, cache, retAddr);
  const msg = `unimplemented ${t.shortName} called from ${callerText}`;
  emu.unimplementedCalls.push({ api: t.shortName, caller: callerText });
  if (options.unimplemented === "stub") {
    emu.emit({ event: "warning", module: caller?.module, message: `${msg}: returned STATUS_NOT_IMPLEMENTED`, api: t.apiName });
    if (options.trace)
      emu.emit({ event: "api", module: caller?.module ?? "", api: t.apiName, args: [1, 2, 3, 4].map((i) => "0x" + r[row + i]!.toString(16)), ret: "0xc0000002", caller: callerText });
    return STATUS_NOT_IMPLEMENTED;
  }
  throw new EmuStop(faults.report("unimplemented-api", msg, retAddr, { api: t.apiName }));
}
