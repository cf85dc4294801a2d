/**
 * API dispatch: the native hook on the synthetic kernel modules' code calls `dispatch` with the
 * thunk address and the register arguments. It finds the handler, names the caller (also for
 * tail calls), builds the ApiContext the handler sees, and turns handler failures and guest
 * faults inside handlers into fault reports. Unimplemented exports fault or return
 * STATUS_NOT_IMPLEMENTED, as the emulator options say.
 */
import type { ApiContext, ArgDisplay, CpuAccess, GuestMemory, KernelState, PoolServices, RegName } from "./api/types.js";
import type { Thunk } from "./thunks.js";
import type { FaultKind } from "../events.js";
import type { Emulator } from "./emulator.js";
import { GuestFault } from "./memory.js";
import { EmuStop } from "./faults.js";
import { unhandledException } from "./seh-reports.js";
import { Seh, SehResume } from "./seh.js";
import { SehCompleted } from "./seh-x86.js";
import { sehServicesX86 } from "./seh-x86-services.js";
import type { SehServices } from "./api/types.js";
import { addr64 } from "./layout.js";
import { checkCallIrql } from "./verifier/checks.js";
import { maxIrqlOf } from "./verifier/irql-table.js";
import { setLayoutArch } from "../nt/arch-layout.js";

const STATUS_NOT_IMPLEMENTED = 0xc0000002n;

export interface Caller {
  caller: { module: string; rva: number } | null;
  callerText: string;
  /** The caller's module name in lower case (the pool's owner key), when known. */
  moduleKey?: string;
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

/** A thunk with the names dispatch shows, worked out once per thunk (not per call). */
interface Target {
  thunk: Thunk;
  /** "ntoskrnl.exe!ExAllocatePoolWithTag" */
  apiName: string;
  /** "ntoskrnl!ExAllocatePoolWithTag" */
  shortName: string;
  /** The routine's documented maximum IRQL (verifier check), or null. */
  maxIrql: number | null;
  /** For pool a kernel routine allocates on the driver's behalf: the routine (undefined for the driver's own pool calls). */
  poolBy: string | undefined;
  /**
   * The last direct caller of this routine: its return address and who it is, valid while the
   * module table's generation is `lastGen` (a call site usually calls the same routine again).
   */
  lastRet: bigint;
  lastGen: number;
  lastWho: Caller | null;
}

/** The routines through which a driver allocates pool itself (Driver Verifier tracks these). */
const POOL_ALLOCATOR = /!(ExAllocatePool\w*|ExAllocateFrom\w*Lookaside\w*|ExAllocateFrom(N?Paged)?LookasideList\w*)$/;

/**
 * Per-emulator dispatch state: targets by thunk address and callers by return address (a call
 * site calls again and again). A cached caller is used only while its module is still mapped;
 * only direct calls from a driver are cached (a tail call's caller depends on the call stack).
 */
class DispatchCache {
  readonly targets = new Map<bigint, Target | null>();
  readonly callers = new Map<bigint, { key: string; module: object; who: Caller }>();
  readonly cpu: CpuAccess;
  constructor(emu: Emulator) {
    this.cpu = {
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
  }
}
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
          lastRet: -1n,
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
  if (t && t.lastWho !== null && t.lastRet === retAddr && t.lastGen === modules.generation) return t.lastWho;
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
    t.lastRet = retAddr;
    t.lastGen = modules.generation;
    t.lastWho = who;
  }
  return who;
}

/**
 * The ApiContext of one call: one object per call (methods on the prototype, no closures), the
 * caller and the stack arguments worked out on first use, trace details formatted only when
 * tracing.
 */
class CallContext implements ApiContext, PoolServices {
  readonly mem: GuestMemory;
  readonly kernel: KernelState;
  described: ArgDisplay[] | (() => ArgDisplay[]) | null = null;
  private who: Caller | undefined;
  private stackArg: ((i: number) => bigint) | undefined;
  private sehServices: SehServices | undefined;

  constructor(
    private readonly emu: Emulator,
    private readonly cache: DispatchCache,
    private readonly target: Target,
    private readonly a0: bigint,
    private readonly a1: bigint,
    private readonly a2: bigint,
    private readonly a3: bigint,
    private readonly sp: bigint,
    readonly retAddr: bigint,
  ) {
    this.mem = emu.mem;
    this.kernel = emu.kernel;
  }

  get api(): string {
    return this.target.apiName;
  }

  arg(i: number): bigint {
    const emu = this.emu;
    if (emu.cpu.arch === "x64") {
      switch (i) {
        case 0:
          return this.a0;
        case 1:
          return this.a1;
        case 2:
          return this.a2;
        case 3:
          return this.a3;
      }
    }
    // The arch's convention: x64 stack arguments above the home space; x86 stack (fastcall: ECX, EDX first).
    if (!this.stackArg) {
      // ARM64: X4-X7 (the hook passes X0-X3) are read from the engine.
      this.stackArg = emu.cpu.argReader([this.a0, this.a1, this.a2, this.a3], this.sp, this.target.thunk.conv ?? {}, (a) => emu.readPtr(a), (r) => emu.uc.regRead(emu.C.regsArm64[r]!));
    }
    return this.stackArg(i);
  }

  u32(i: number): number {
    return Number(BigInt.asUintN(32, this.arg(i)));
  }

  i32(i: number): number {
    return Number(BigInt.asIntN(32, this.arg(i)));
  }

  get callSite(): Caller {
    return (this.who ??= cachedCallerOf(this.emu, this.cache, this.retAddr, this.target));
  }

  get caller(): { module: string; rva: number } | null {
    return this.callSite.caller;
  }

  get pool(): PoolServices {
    return this;
  }

  allocate(size: number, tag: number, poolType: number, zero: boolean): bigint {
    const { caller, callerText, moduleKey } = this.callSite;
    return this.emu.pool.allocate(size, tag, poolType, zero, moduleKey ?? caller?.module.toLowerCase() ?? "(kernel)", caller ? callerText : null, this.target.poolBy);
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

  get cpu(): CpuAccess {
    return this.cache.cpu;
  }

  // Exception dispatch: x64 .pdata/.xdata (seh.ts); x86 the FS:[0] registration chain (seh-x86.ts).
  get seh(): SehServices | undefined {
    if (this.emu.cpu.arch === "x86") return (this.sehServices ??= sehServicesX86(this.emu, this.target.apiName, this.callSite.callerText, this.retAddr, this.target.thunk.conv));
    if (this.emu.cpu.arch !== "x64") return undefined;
    return (this.sehServices ??= sehServices(this.emu, this.target.apiName, this.callSite.callerText, this.retAddr));
  }

  /** The arguments as the trace shows them. */
  shown(): ArgDisplay[] {
    const d = this.described;
    if (typeof d === "function") return d();
    return d ?? Array.from({ length: this.target.thunk.def?.argc ?? 4 }, (_, i) => "0x" + this.arg(i).toString(16));
  }
}

/** The native API hook: run the handler of the thunk at `addr`; the return value goes to RAX. */
export function dispatch(emu: Emulator, addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, retAddr: bigint): bigint | number | void {
  const cache = cacheOf(emu);
  return run(emu, cache, targetAt(emu, cache, addr), addr, rcx, rdx, r8, r9, rsp, retAddr);
}

/**
 * The hook of the addon's fast form: the registers are in row `slot` of `regs` ([address, a0,
 * a1, a2, a3, sp, return address, -]) and `offset` is the address's offset from `hookStart`, so
 * the target is found without a BigInt and the addon makes none.
 */
export function fastDispatcher(emu: Emulator, hookStart: bigint, regs: BigUint64Array): (offset: number, slot: number) => bigint | number | void {
  const cache = cacheOf(emu);
  const byOffset = new Map<number, Target | null>();
  return (offset, slot) => {
    let t = byOffset.get(offset);
    if (t === undefined) byOffset.set(offset, (t = targetAt(emu, cache, hookStart + BigInt(offset))));
    const r = 8 * slot;
    return run(emu, cache, t, regs[r]!, regs[r + 1]!, regs[r + 2]!, regs[r + 3]!, regs[r + 4]!, regs[r + 5]!, regs[r + 6]!);
  };
}

function run(emu: Emulator, cache: DispatchCache, t: Target | null, addr: bigint, rcx: bigint, rdx: bigint, r8: bigint, r9: bigint, rsp: bigint, retAddr: bigint): bigint | number | void {
  const { faults, options } = emu;
  emu.clock.step();
  if (!t || t.thunk.kind === "data") {
    const { callerText } = cachedCallerOf(emu, cache, retAddr);
    const what = t ? `data export ${t.apiName} executed as code` : `jump into kernel code at ${emu.where(addr)}`;
    throw new EmuStop(faults.report("invalid-fetch", `${what} (called from ${callerText})`, addr, { address: addr }));
  }
  const thunk = t.thunk;
  if (!thunk.def) {
    const { caller, callerText } = cachedCallerOf(emu, cache, retAddr);
    const msg = `unimplemented ${t.shortName} called from ${callerText}`;
    emu.unimplementedCalls.push({ api: t.shortName, caller: callerText });
    if (options.unimplemented === "stub") {
      emu.emit({ event: "warning", module: caller?.module, message: `${msg}: returned STATUS_NOT_IMPLEMENTED`, api: t.apiName });
      if (options.trace)
        emu.emit({ event: "api", module: caller?.module ?? "", api: t.apiName, args: [rcx, rdx, r8, r9].map((v) => "0x" + v.toString(16)), ret: "0xc0000002", caller: callerText });
      return STATUS_NOT_IMPLEMENTED;
    }
    throw new EmuStop(faults.report("unimplemented-api", msg, retAddr, { api: t.apiName }));
  }
  // Handlers read structure layouts of the emulator's arch (several emulators may share a process).
  setLayoutArch(emu.cpu.arch);
  const ctx = new CallContext(emu, cache, t, rcx, rdx, r8, r9, rsp, retAddr);
  if (emu.verifier.enabled) {
    const max = t.maxIrql;
    if (max !== null && emu.kernel.irql > max && ctx.caller) checkCallIrql(emu, thunk.name, retAddr, ctx.callSite.callerText);
  }
  let ret: bigint | number | void;
  try {
    ret = thunk.def.handler(ctx);
  } catch (e) {
    if (e instanceof SehResume || e instanceof SehCompleted) {
      // A routine that raised (ExRaiseStatus, ProbeForRead...) or unwound: it does not return, but it was called.
      if (options.trace) emu.emit({ event: "api", module: ctx.caller?.module ?? "", api: t.apiName, args: ctx.shown(), caller: ctx.callSite.callerText });
      throw e;
    }
    if (e instanceof EmuStop) throw e;
    const { callerText } = ctx.callSite;
    if (e instanceof GuestFault) {
      const kind: FaultKind = e.freedWhat ? "use-after-free" : e.access === "read" ? "invalid-read" : "invalid-write";
      throw new EmuStop(faults.report(kind, `${e.message} in ${t.shortName} called from ${callerText}`, retAddr, { api: t.apiName, address: e.address }));
    }
    throw new EmuStop(faults.report("internal", `${t.shortName} handler failed: ${(e as Error)?.message ?? String(e)} (called from ${callerText})`, retAddr, { api: t.apiName }));
  }
  if (options.trace) {
    emu.emit({
      event: "api",
      module: ctx.caller?.module ?? "",
      api: t.apiName,
      args: ctx.shown(),
      ...(ret !== undefined ? { ret: "0x" + BigInt.asUintN(64, BigInt(ret)).toString(16) } : {}),
      caller: ctx.callSite.callerText,
    });
  }
  if (ret === undefined) return undefined;
  // A safe integer goes to RAX as it is (the addon takes it as a 64-bit two's complement value).
  return typeof ret === "number" && Number.isSafeInteger(ret) ? ret : BigInt.asUintN(64, BigInt(ret));
}

/** Exception raising and unwinding for the handlers of Ex/Rtl exception routines (src/emu/api/except.ts). */
function sehServices(emu: Emulator, apiName: string, callerText: string, retAddr: bigint): SehServices {
  const seh = emu.seh;
  const short = apiName.replace(/\.(exe|dll|sys)!/i, "!");
  return {
    raise(code, flags, params, origin) {
      const ctx = seh.callerContext();
      const e = { code, flags, address: retAddr, params, origin: origin ?? `raised by ${short} called from ${callerText}` };
      seh.dispatch(e, ctx);
      throw unhandledException(emu, code, Seh.describe(code), e.origin, retAddr, apiName);
    },
    raiseRecord(record) {
      const m = emu.mem;
      const n = Math.min(15, m.u32(record + 0x18n));
      const params = Array.from({ length: n }, (_, i) => m.u64(record + 0x20n + BigInt(8 * i)));
      return this.raise(m.u32(record), m.u32(record + 4n), params);
    },
    captureContext: (at) => seh.writeContext(at, seh.callerContext()),
    lookup: (pc) => {
      const hit = seh.lookup(pc);
      if (!hit) return null;
      const dir = hit.mod.image.dataDirectories[3];
      const idx = hit.mod.image.exceptionFunctions.indexOf(hit.fn);
      return { base: hit.mod.base, entry: dir && idx >= 0 ? hit.mod.base + BigInt(dir.virtualAddress + 12 * idx) : 0n };
    },
    virtualUnwind: (type, base, pc, entry, ctxPtr) => {
      const m = emu.mem;
      const fn = { beginAddress: m.u32(entry), endAddress: m.u32(entry + 4n), unwindInfoAddress: m.u32(entry + 8n) };
      const ctx = seh.readContext(ctxPtr);
      ctx.rip = pc;
      const r = seh.virtualUnwind(type, base, fn, ctx);
      seh.writeContext(ctxPtr, ctx);
      return r;
    },
    unwindEx: (frame, target, rec, value, ctxPtr) => seh.unwindEx(frame, target, rec, value, ctxPtr, seh.callerContext()),
    cSpecificHandler: (rec, frame, ctxPtr, dc) => seh.cSpecificHandler(rec, frame, ctxPtr, dc),
  };
}
