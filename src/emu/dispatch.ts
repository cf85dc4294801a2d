/**
 * API dispatch: the native hook on the synthetic kernel modules' code calls the dispatcher with
 * the thunk address and the register arguments. It finds the handler, names the caller (also for
 * tail calls), builds the ApiContext the handler sees, and turns handler failures and guest
 * faults inside handlers into fault reports. Unimplemented exports fault or return
 * STATUS_NOT_IMPLEMENTED, as the emulator options say.
 *
 * The per-call path is kept lean (an API call costs about a microsecond): the addon's fast hook
 * writes the registers into a shared BigUint64Array (one 8-slot row per nesting depth) and
 * passes a small offset, so no BigInt is made for an argument the handler does not read; the
 * context is one object whose caller is worked out on first use; trace details are formatted
 * only when tracing.
 */
import type { ApiContext, ArgDisplay, GuestMemory, KernelState, PoolServices } from "./api/types.js";
import type { FaultKind } from "../events.js";
import type { Emulator } from "./emulator.js";
import type { ApiHookFn, NativeConstants, NativeEngine } from "./native.js";
import type { Thunk } from "./thunks.js";
import { GuestFault } from "./memory.js";
import { EmuStop } from "./faults.js";
import { CLOCK_STEP } from "./clock.js";
import { addr64 } from "./layout.js";

const STATUS_NOT_IMPLEMENTED = 0xc0000002n;

export interface Caller {
  caller: { module: string; rva: number } | null;
  callerText: string;
}

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

/** A thunk with the names dispatch shows (worked out once per thunk, not per call). */
interface Target {
  thunk: Thunk;
  /** "ntoskrnl.exe!ExAllocatePoolWithTag" */
  apiName: string;
  /** "ntoskrnl!ExAllocatePoolWithTag" */
  shortName: string;
}

function targetOf(thunk: Thunk): Target {
  return { thunk, apiName: `${thunk.module}!${thunk.name}`, shortName: `${thunk.module.replace(/\.(exe|dll|sys)$/i, "")}!${thunk.name}` };
}

/** Registers of one hook call: row `at` of `regs` = [address, rcx, rdx, r8, r9, rsp, returnAddress]. */
interface Frame {
  regs: BigUint64Array;
  /** The same memory as 32-bit halves (low dword of element k at 2k). */
  regs32: Uint32Array;
  at: number;
}

/**
 * Callers by return address (the same call site calls again and again), looked up by the
 * address's 32-bit halves (no BigInt per call). Only direct calls from a driver are remembered
 * (a tail call's caller depends on the call stack), and an entry is used only while its module
 * is still mapped.
 */
class CallerCache {
  private readonly byLow = new Map<number, { hi: number; key: string; module: object; who: Caller }>();
  constructor(private readonly emu: Emulator) {}
  get(frame: Frame): Caller {
    const k = 2 * (frame.at + 6);
    const lo = frame.regs32[k]!;
    const hi = frame.regs32[k + 1]!;
    const hit = this.byLow.get(lo);
    if (hit && hit.hi === hi && this.emu.map.modules.get(hit.key) === hit.module) return hit.who;
    const retAddr = frame.regs[frame.at + 6]!;
    const who = callerOf(this.emu, retAddr);
    const direct = this.emu.map.moduleAt(retAddr);
    if (direct && !direct.builtin && who.caller) {
      if (this.byLow.size >= 4096) this.byLow.clear();
      this.byLow.set(lo, { hi, key: direct.name.toLowerCase(), module: direct, who });
    }
    return who;
  }
}

/** The ApiContext of one call: one object per call; arguments are read from the frame on demand. */
class CallContext implements ApiContext, PoolServices {
  readonly mem: GuestMemory;
  readonly kernel: KernelState;
  described: ArgDisplay[] | (() => ArgDisplay[]) | null = null;
  /** False once the handler returned: the frame's row belongs to the next call then. */
  live = true;
  private who: Caller | undefined;
  private stackArgs: bigint[] | undefined;

  constructor(
    private readonly emu: Emulator,
    private readonly callers: CallerCache,
    private readonly target: Target,
    private readonly frame: Frame,
  ) {
    this.mem = emu.mem;
    this.kernel = emu.kernel;
  }

  get api(): string {
    return this.target.apiName;
  }

  private dead(): never {
    throw new Error(`${this.target.apiName}: its ApiContext's arguments were read after the call returned`);
  }

  arg(i: number): bigint {
    if (!this.live) this.dead();
    if (i < 4) return this.frame.regs[this.frame.at + 1 + i]!;
    const k = i - 4;
    const cache = (this.stackArgs ??= []);
    let v = cache[k];
    if (v === undefined) cache[k] = v = this.emu.mem.u64(this.frame.regs[this.frame.at + 5]! + 0x28n + BigInt(8 * k));
    return v;
  }

  u32(i: number): number {
    if (!this.live) this.dead();
    if (i < 4) return this.frame.regs32[2 * (this.frame.at + 1 + i)]!;
    return Number(BigInt.asUintN(32, this.arg(i)));
  }

  i32(i: number): number {
    return this.u32(i) | 0;
  }

  get callSite(): Caller {
    return (this.who ??= this.callers.get(this.frame));
  }

  /** The return address (the call site). */
  get retAddr(): bigint {
    return this.frame.regs[this.frame.at + 6]!;
  }

  get caller(): { module: string; rva: number } | null {
    return this.callSite.caller;
  }

  get pool(): PoolServices {
    return this;
  }

  allocate(size: number, tag: number, poolType: number, zero: boolean): bigint {
    const { caller, callerText } = this.callSite;
    return this.emu.pool.allocate(size, tag, poolType, zero, caller?.module.toLowerCase() ?? "(kernel)", caller ? callerText : null);
  }

  free(a: bigint, tag: number | null): void {
    const { caller, callerText } = this.callSite;
    this.emu.pool.free(a, tag, caller ? callerText : null);
  }

  callGuest(address: bigint, args: bigint[]): bigint {
    const r = this.emu.call(address, args, `callback ${this.emu.where(address)}`);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value;
  }

  describe(args: ArgDisplay[] | (() => ArgDisplay[])): void {
    this.described = args;
  }

  dbgPrint(text: string, level?: number, component?: number): void {
    this.emu.emit({ event: "dbgprint", module: this.caller?.module ?? "ntoskrnl.exe", text, ...(level !== undefined ? { level } : {}), ...(component !== undefined ? { component } : {}) });
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.emu.emit({ event: "warning", module: this.caller?.module, message, api: this.target.apiName, ...extra });
  }

  fault(kind: FaultKind, message: string, extra?: Record<string, unknown>): never {
    throw new EmuStop(this.emu.faults.report(kind, message, this.retAddr, { api: this.target.apiName, ...extra }));
  }
}

/** Routes the native hook's calls to the API handlers of one emulator. */
class Dispatcher {
  private readonly byOffset = new Map<number, Target | null>();
  private readonly byAddress = new Map<bigint, Target | null>();
  readonly callers: CallerCache;

  constructor(
    private readonly emu: Emulator,
    private readonly hookStart: bigint,
  ) {
    this.callers = new CallerCache(emu);
  }

  /** The fast hook: registers in row `slot` of `frame.regs`, offset = address - hook start. */
  fast(offset: number, frame: Frame): bigint | number | void {
    let t = this.byOffset.get(offset);
    if (t === undefined) {
      const thunk = this.emu.thunks.get(this.hookStart + BigInt(offset));
      this.byOffset.set(offset, (t = thunk ? targetOf(thunk) : null));
    }
    return this.call(t, frame);
  }

  /** The addon's older hook form (one BigInt per register). */
  slow(addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, ret: bigint): bigint | number | void {
    let t = this.byAddress.get(addr);
    if (t === undefined) {
      const thunk = this.emu.thunks.get(addr);
      this.byAddress.set(addr, (t = thunk ? targetOf(thunk) : null));
    }
    const regs = new BigUint64Array([addr, rcx, rdx, r8, r9, rsp, ret, 0n]);
    return this.call(t, { regs, regs32: new Uint32Array(regs.buffer), at: 0 });
  }

  private call(t: Target | null, frame: Frame): bigint | number | void {
    const emu = this.emu;
    emu.clock.advance(CLOCK_STEP);
    if (!t || t.thunk.kind === "data") {
      const addr = frame.regs[frame.at]!;
      const { callerText } = this.callers.get(frame);
      const what = t ? `data export ${t.apiName} executed as code` : `jump into kernel code at ${emu.where(addr)}`;
      throw new EmuStop(emu.faults.report("invalid-fetch", `${what} (called from ${callerText})`, addr, { address: addr }));
    }
    const def = t.thunk.def;
    if (!def) return this.unimplemented(t, frame);
    const ctx = new CallContext(emu, this.callers, t, frame);
    let ret: bigint | number | void;
    try {
      ret = def.handler(ctx);
    } catch (e) {
      ctx.live = false;
      if (e instanceof EmuStop) throw e;
      const { callerText } = ctx.callSite;
      const retAddr = ctx.retAddr;
      if (e instanceof GuestFault) {
        const kind: FaultKind = e.freedWhat ? "use-after-free" : e.access === "read" ? "invalid-read" : "invalid-write";
        throw new EmuStop(emu.faults.report(kind, `${e.message} in ${t.shortName} called from ${callerText}`, retAddr, { api: t.apiName, address: e.address }));
      }
      throw new EmuStop(emu.faults.report("internal", `${t.shortName} handler failed: ${(e as Error)?.message ?? String(e)} (called from ${callerText})`, retAddr, { api: t.apiName }));
    }
    if (emu.options.trace) this.trace(ctx, t, ret);
    ctx.live = false;
    if (ret === undefined) return undefined;
    // A safe integer goes to RAX as is (the addon takes it as a 64-bit two's complement value).
    return typeof ret === "number" && Number.isSafeInteger(ret) ? ret : BigInt.asUintN(64, BigInt(ret));
  }

  private trace(ctx: CallContext, t: Target, ret: bigint | number | void): void {
    const argc = t.thunk.def!.argc ?? 4;
    const d = ctx.described;
    const shown = d === null ? Array.from({ length: argc }, (_, i) => "0x" + ctx.arg(i).toString(16)) : typeof d === "function" ? d() : d;
    const who = ctx.callSite;
    this.emu.emit({
      event: "api",
      module: who.caller?.module ?? "",
      api: t.apiName,
      args: shown,
      ...(ret !== undefined ? { ret: "0x" + BigInt.asUintN(64, BigInt(ret)).toString(16) } : {}),
      caller: who.callerText,
    });
  }

  private unimplemented(t: Target, frame: Frame): bigint {
    const emu = this.emu;
    const retAddr = frame.regs[frame.at + 6]!;
    const { caller, callerText } = this.callers.get(frame);
    const msg = `unimplemented ${t.shortName} called from ${callerText}`;
    emu.unimplementedCalls.push({ api: t.shortName, caller: callerText });
    if (emu.options.unimplemented === "stub") {
      emu.emit({ event: "warning", module: caller?.module, message: `${msg}: returned STATUS_NOT_IMPLEMENTED`, api: t.apiName });
      if (emu.options.trace) {
        const args = [1, 2, 3, 4].map((k) => "0x" + frame.regs[frame.at + k]!.toString(16));
        emu.emit({ event: "api", module: caller?.module ?? "", api: t.apiName, args, ret: "0xc0000002", caller: callerText });
      }
      return STATUS_NOT_IMPLEMENTED;
    }
    throw new EmuStop(emu.faults.report("unimplemented-api", msg, retAddr, { api: t.apiName }));
  }
}

/** Rows of the fast hook's register array: hook calls nested deeper than this reuse rows (the emulator nests at most 16 guest calls). */
const HOOK_ROWS = 32;

/**
 * Install the API hook on [begin, end] of the engine; returns the callback (the engine holds it
 * weakly: the caller keeps it alive). Uses the addon's fast form when the build has it.
 */
export function installApiHook(emu: Emulator, uc: NativeEngine, C: NativeConstants, begin: bigint, end: bigint): ApiHookFn {
  const d = new Dispatcher(emu, begin);
  if (C.features?.includes("fastApiHook") && !emu.options.compatApiHook) {
    const regs = new BigUint64Array(8 * HOOK_ROWS);
    const regs32 = new Uint32Array(regs.buffer);
    const frames: Frame[] = Array.from({ length: HOOK_ROWS }, (_, k) => ({ regs, regs32, at: 8 * k }));
    const fn = ((offset: number, slot: number) => d.fast(offset, frames[slot]!)) as unknown as ApiHookFn;
    uc.setApiHook(begin, end, fn, regs);
    return fn;
  }
  const fn: ApiHookFn = (addr, rcx, rdx, r8, r9, rsp, ret) => d.slow(addr, rcx, rdx, r8, r9, rsp, ret);
  uc.setApiHook(begin, end, fn);
  return fn;
}
