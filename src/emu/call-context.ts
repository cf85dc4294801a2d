/**
 * The ApiContext one API call's handler sees (src/emu/dispatch.ts makes one per call).
 *
 * The registers of the call stay where the addon put them — a row of the shared hook array
 * ([address, a0, a1, a2, a3, sp, return address, -], 8 × 64 bits, one row per nesting depth) —
 * and are read on demand: `u32(i)` from the row's 32-bit words (no BigInt), `arg(i)` as one
 * BigInt, stack arguments only when asked for. When the call ends, `detach()` copies the row's
 * words into the context (small integers, no allocation), so a context a handler kept (in a
 * closure, say) still answers after the row is reused by a later call at the same depth.
 */
import type { ApiContext, ArgDisplay, CpuAccess, GuestMemory, KernelState, PoolServices, SehServices } from "./api/types.js";
import type { FaultKind } from "../events.js";
import type { Emulator } from "./emulator.js";
import type { Thunk } from "./thunks.js";
import { EmuStop } from "./faults.js";
import { sehServicesX86 } from "./seh-x86-services.js";
import { sehServices } from "./seh-services.js";

export interface Caller {
  caller: { module: string; rva: number } | null;
  callerText: string;
  /** The caller's module name in lower case (the pool's owner key), when known. */
  moduleKey?: string;
}

/** A thunk with the names dispatch shows, worked out once per thunk (not per call). */
export interface Target {
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
   * The last direct caller of this routine: its return address (as two signed 32-bit halves, so
   * the check makes no BigInt) and who it is, valid while the module table's generation is
   * `lastGen` (a call site usually calls the same routine again).
   */
  lastRetLo: number;
  lastRetHi: number;
  lastGen: number;
  lastWho: Caller | null;
}

/** The shared hook rows: the BigInt view the addon fills and the same bytes as 32-bit words. */
export interface HookRows {
  regs: BigUint64Array;
  words: Uint32Array;
}

/** Row layout (in 64-bit elements). */
export const ROW_ADDRESS = 0;
const ROW_A0 = 1;
const ROW_SP = 5;
const ROW_RET = 6;
/** Host byte order: the low half of a 64-bit element is its first 32-bit word on little-endian hosts. */
const LO = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** How dispatch finds a call's caller (dispatch.ts, which caches it per routine and return address). */
export type CallerLookup = (emu: Emulator, retAddr: bigint, t: Target) => Caller;

/** Per-emulator state the contexts share. */
export interface ContextShared {
  rows: HookRows;
  cpu: CpuAccess;
  callerOf: CallerLookup;
  /** Whether the first four arguments are the row's a0-a3 (x64, ARM64; x86 reads its convention's slots). */
  regArgs: boolean;
  /** x64: arguments past the fourth are on the stack above the home space (ARM64 has X4-X7 first). */
  x64: boolean;
}

function join(lo: number, hi: number): bigint {
  return hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** What few calls need: stack-argument reader, trace text, exception services (one object, made on first use). */
interface Extras {
  described: ArgDisplay[] | (() => ArgDisplay[]) | null;
  stackArg: ((i: number) => bigint) | undefined;
  seh: SehServices | undefined;
}

export class CallContext implements ApiContext, PoolServices {
  // Every field is set in the constructor, in one order and without class-field initializers:
  // one shape for all contexts and a cheap construction before V8 optimizes it (one per call).
  declare private readonly emu: Emulator;
  declare private readonly shared: ContextShared;
  /** The routine called (reassigned only when a transient context serves a new call: reuse()). */
  declare target: Target;
  /** The caller, once worked out beyond the routine's last-site cache. */
  declare private who: Caller | undefined;
  declare private more: Extras | null;
  /** The row's index while it holds this call's registers; after detach(), -1 - index. */
  declare private row: number;
  // The row's words after detach() (a0-a3, sp and return address halves), as int32.
  declare private w2: number;
  declare private w3: number;
  declare private w4: number;
  declare private w5: number;
  declare private w6: number;
  declare private w7: number;
  declare private w8: number;
  declare private w9: number;
  declare private w10: number;
  declare private w11: number;
  declare private w12: number;
  declare private w13: number;

  constructor(
    emu: Emulator,
    shared: ContextShared,
    target: Target,
    /** Index of the call's row in the shared arrays (64-bit elements). */
    row: number,
  ) {
    this.emu = emu;
    this.shared = shared;
    this.target = target;
    this.who = undefined;
    this.more = null;
    this.row = row;
    this.w2 = this.w3 = this.w4 = this.w5 = this.w6 = this.w7 = 0;
    this.w8 = this.w9 = this.w10 = this.w11 = this.w12 = this.w13 = 0;
  }

  /**
   * A transient context (ApiDefinition.transientContext) serves a new call: nobody kept it
   * after its last call, so it is reset instead of a new one being made.
   */
  reuse(target: Target, row: number): void {
    this.target = target;
    this.who = undefined;
    this.more = null;
    this.row = row;
  }

  /** Whether this context is between calls (released or detached), so a transient one may serve another call. */
  idle(): boolean {
    return this.row < 0;
  }

  /** A transient context's call has returned: nobody keeps it, so its registers need no copy (see detach). */
  release(): void {
    if (this.row >= 0) this.row = -1 - this.row;
  }

  get mem(): GuestMemory {
    return this.emu.mem;
  }

  get kernel(): KernelState {
    return this.emu.kernel;
  }

  private extras(): Extras {
    return (this.more ??= { described: null, stackArg: undefined, seh: undefined });
  }

  get described(): ArgDisplay[] | (() => ArgDisplay[]) | null {
    return this.more?.described ?? null;
  }

  /** The row's 32-bit word k (2·e + LO = low half of element e). */
  private word(k: number): number {
    if (this.row >= 0) return this.shared.rows.words[2 * this.row + k]! | 0;
    switch (k) {
      case 2: return this.w2;
      case 3: return this.w3;
      case 4: return this.w4;
      case 5: return this.w5;
      case 6: return this.w6;
      case 7: return this.w7;
      case 8: return this.w8;
      case 9: return this.w9;
      case 10: return this.w10;
      case 11: return this.w11;
      case 12: return this.w12;
      default: return this.w13;
    }
  }

  /** Element e of the row (1-6) as a BigInt. */
  private element(e: number): bigint {
    if (this.row >= 0) return this.shared.rows.regs[this.row + e]!;
    return join(this.word(2 * e + LO), this.word(2 * e + HI));
  }

  /** The call has returned: keep its registers (the row will serve later calls). */
  detach(): void {
    if (this.row < 0) return;
    const w = this.shared.rows.words;
    const b = 2 * this.row;
    this.w2 = w[b + 2]! | 0;
    this.w3 = w[b + 3]! | 0;
    this.w4 = w[b + 4]! | 0;
    this.w5 = w[b + 5]! | 0;
    this.w6 = w[b + 6]! | 0;
    this.w7 = w[b + 7]! | 0;
    this.w8 = w[b + 8]! | 0;
    this.w9 = w[b + 9]! | 0;
    this.w10 = w[b + 10]! | 0;
    this.w11 = w[b + 11]! | 0;
    this.w12 = w[b + 12]! | 0;
    this.w13 = w[b + 13]! | 0;
    this.row = -1 - this.row;
  }

  get api(): string {
    return this.target.apiName;
  }

  /** "ZwCreateFile from driver.sys+0x1234": where a handle or reference was taken. */
  siteText(): string {
    return `${this.target.shortName.replace(/^.*!/, "")} from ${this.callSite.callerText}`;
  }

  get retAddr(): bigint {
    return this.element(ROW_RET);
  }

  get sp(): bigint {
    return this.element(ROW_SP);
  }

  /** The return address's halves (int32), for the caller cache. */
  retLo(): number {
    return this.word(2 * ROW_RET + LO);
  }
  retHi(): number {
    return this.word(2 * ROW_RET + HI);
  }

  /**
   * Where argument i lies on the kernel stack (an offset for KernelStacks' u32At/u64At, or -1):
   * x64 above the home space; x86 stdcall/cdecl from [esp+4], fastcall after ECX and EDX; not
   * for x86 routines with 64-bit arguments or ARM64 (the general reader handles those).
   */
  private stackOffset(i: number): number {
    const sh = this.shared;
    const sp = 2 * ROW_SP;
    if (sh.regArgs) return sh.x64 ? this.emu.stacks.offsetOf(this.word(sp + LO) >>> 0, this.word(sp + HI) >>> 0, 0x28 + 8 * (i - 4), 8) : -1;
    const conv = this.target.thunk.conv;
    if (conv?.wide) return -1;
    const slot = conv?.call === "fastcall" ? i - 2 : i;
    return slot < 0 ? -1 : this.emu.stacks.offsetOf(this.word(sp + LO) >>> 0, this.word(sp + HI) >>> 0, 4 + 4 * slot, 4);
  }

  arg(i: number): bigint {
    if (i < 4 && this.shared.regArgs) return this.element(ROW_A0 + i);
    if (i >= 0 && (this.shared.x64 || !this.shared.regArgs)) {
      if (!this.shared.regArgs && i < 2 && this.target.thunk.conv?.call === "fastcall") return this.element(ROW_A0 + i);
      const at = this.stackOffset(i);
      if (at >= 0) return this.shared.regArgs ? this.emu.stacks.u64At(at) : BigInt(this.emu.stacks.u32At(at));
    }
    // The arch's convention: x64 stack arguments above the home space; x86 stack (fastcall: ECX, EDX first); ARM64 X4-X7, then the stack.
    const x = this.extras();
    if (!x.stackArg) {
      const emu = this.emu;
      const regs = [this.element(1), this.element(2), this.element(3), this.element(4)];
      x.stackArg = emu.cpu.argReader(regs, this.sp, this.target.thunk.conv ?? {}, (a) => emu.readPtr(a), (r) => emu.uc.regRead(emu.C.regsArm64[r]!));
    }
    return x.stackArg(i);
  }

  u32(i: number): number {
    if (i < 4 && this.shared.regArgs) return this.word(2 * (ROW_A0 + i) + LO) >>> 0;
    if (i >= 0 && !this.shared.regArgs) {
      if (i < 2 && this.target.thunk.conv?.call === "fastcall") return this.word(2 * (ROW_A0 + i) + LO) >>> 0;
      const at = this.stackOffset(i);
      if (at >= 0) return this.emu.stacks.u32At(at);
    }
    return Number(BigInt.asUintN(32, this.arg(i)));
  }

  i32(i: number): number {
    if (i < 4 && this.shared.regArgs) return this.word(2 * (ROW_A0 + i) + LO);
    if (i >= 0 && !this.shared.regArgs) return this.u32(i) | 0;
    return Number(BigInt.asIntN(32, this.arg(i)));
  }

  hi32(i: number): number {
    if (this.shared.regArgs) {
      if (i < 4) return this.word(2 * (ROW_A0 + i) + HI) >>> 0;
    } else if (!this.target.thunk.conv?.wide?.includes(i)) return 0; // x86: a 32-bit slot
    return Number(BigInt.asUintN(64, this.arg(i)) >> 32n);
  }

  get callSite(): Caller {
    return this.who ?? this.lastSite() ?? (this.who = this.shared.callerOf(this.emu, this.retAddr, this.target));
  }

  /** The routine's last direct caller when this call comes from the same return address (no BigInt made), else null. */
  private lastSite(): Caller | null {
    const t = this.target;
    return t.lastWho !== null && t.lastGen === this.emu.map.modules.generation && t.lastRetLo === this.retLo() && t.lastRetHi === this.retHi() ? t.lastWho : null;
  }

  get caller(): { module: string; rva: number } | null {
    return this.callSite.caller;
  }

  get pool(): PoolServices {
    return this;
  }

  /** Whether the emulator records API calls (handlers skip formatting their trace text otherwise). */
  get tracing(): boolean {
    return this.emu.options.trace === true;
  }

  allocate(size: number, tag: number, poolType: number, zero: boolean): bigint {
    const { caller, callerText, moduleKey } = this.callSite;
    return this.emu.pool.allocate(size, tag, poolType, zero, moduleKey ?? caller?.module.toLowerCase() ?? "(kernel)", caller ? callerText : null, this.target.poolBy);
  }

  free(a: bigint | null, tag: number | null, arg?: number): void {
    const { caller, callerText } = this.callSite;
    const site = caller ? callerText : null;
    if (arg !== undefined && arg >= 0 && arg < 4 && this.shared.regArgs) {
      const e = ROW_A0 + arg;
      this.emu.pool.freeAt(this.word(2 * e + LO), this.word(2 * e + HI), tag, site);
    } else this.emu.pool.free(a ?? this.arg(arg ?? 0), tag, site);
  }

  callGuest(address: bigint, args: bigint[], cdecl = false): bigint {
    // (x86: a cdecl callback by contract is not held to the stdcall stack check of calls.ts.)
    if (cdecl) this.emu.calls.cdeclNext = true;
    const r = this.emu.call(address, args, `callback ${this.emu.where(address)}`);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value;
  }

  describe(args: ArgDisplay[] | (() => ArgDisplay[])): void {
    this.extras().described = args;
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
    return this.shared.cpu;
  }

  // Exception dispatch: x64 .pdata/.xdata (seh.ts); x86 the FS:[0] registration chain (seh-x86.ts).
  get seh(): SehServices | undefined {
    if (this.emu.cpu.arch === "x86") return (this.extras().seh ??= sehServicesX86(this.emu, this.target.apiName, this.callSite.callerText, this.retAddr, this.target.thunk.conv));
    if (this.emu.cpu.arch !== "x64") return undefined;
    return (this.extras().seh ??= sehServices(this.emu, this.target.apiName, this.callSite.callerText, this.retAddr));
  }

  /** The arguments as the trace shows them. */
  shown(): ArgDisplay[] {
    const d = this.described;
    if (typeof d === "function") return d();
    return d ?? Array.from({ length: this.target.thunk.def?.argc ?? 4 }, (_, i) => "0x" + this.arg(i).toString(16));
  }
}
