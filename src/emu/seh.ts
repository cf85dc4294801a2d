/**
 * x64 structured exception handling, as the Windows kernel does it, from the images' own
 * .pdata/.xdata: exception dispatch (RtlDispatchException: walk the frames with RtlVirtualUnwind,
 * call each frame's language handler), the C-specific handler (__try/__except/__finally scope
 * tables) and unwinding (RtlUnwindEx: termination handlers, then continue at the target with the
 * target frame's context).
 *
 * Layouts and protocols are the documented ones (Microsoft Learn "x64 exception handling":
 * RUNTIME_FUNCTION, UNWIND_INFO, UNWIND_CODE, chained info, language-specific handler and its
 * DISPATCHER_CONTEXT; winnt.h CONTEXT / EXCEPTION_RECORD / SCOPE_TABLE_AMD64). The code is ours.
 *
 * Control transfers: a resumed context (an __except block, an ExceptionContinueExecution) is a
 * `SehResume` thrown to the guest call (src/emu/calls.ts) whose kernel stack holds the target
 * frame; that call sets the registers and goes on running there. Exceptions cross nested guest
 * calls: a frame search that reaches the return sentinel continues in the code that called the
 * API whose handler made the nested call, as Windows unwinds through kernel frames.
 */
import type { Emulator } from "./emulator.js";
import type { LoadedModule } from "./image.js";
import type { RuntimeFunction } from "../formats/pe/types.js";
import { EmuStop } from "./faults.js";
import { noncontinuableException } from "./seh-reports.js";
import { RETURN_SENTINEL, addr64, stackSlot } from "./layout.js";
import { functionEntry, virtualUnwind, UNW_FLAG_EHANDLER, UNW_FLAG_UHANDLER, type CpuContext, type UnwindResult } from "./seh-unwind.js";

export { functionEntry, UNW_FLAG_EHANDLER, UNW_FLAG_UHANDLER, type CpuContext, type UnwindResult } from "./seh-unwind.js";

/** EXCEPTION_RECORD.ExceptionFlags (ntdef.h / winnt.h). */
export const EXCEPTION_NONCONTINUABLE = 0x1;
export const EXCEPTION_UNWINDING = 0x2;
export const EXCEPTION_EXIT_UNWIND = 0x4;
export const EXCEPTION_TARGET_UNWIND = 0x20;

/** EXCEPTION_DISPOSITION. */
const ExceptionContinueExecution = 0n;
const ExceptionContinueSearch = 1n;


/** Status codes (ntstatus.h). */
export const STATUS_ACCESS_VIOLATION = 0xc0000005;
export const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
export const STATUS_INTEGER_DIVIDE_BY_ZERO = 0xc0000094;
export const STATUS_ILLEGAL_INSTRUCTION = 0xc000001d;
export const STATUS_BREAKPOINT = 0x80000003;
export const STATUS_PRIVILEGED_INSTRUCTION = 0xc0000096;
const STATUS_NONCONTINUABLE_EXCEPTION = 0xc0000025;
const STATUS_UNWIND = 0xc0000027;

const STATUS_NAMES: Record<number, string> = {
  [STATUS_ACCESS_VIOLATION]: "STATUS_ACCESS_VIOLATION",
  [STATUS_DATATYPE_MISALIGNMENT]: "STATUS_DATATYPE_MISALIGNMENT",
  [STATUS_INTEGER_DIVIDE_BY_ZERO]: "STATUS_INTEGER_DIVIDE_BY_ZERO",
  [STATUS_ILLEGAL_INSTRUCTION]: "STATUS_ILLEGAL_INSTRUCTION",
  [STATUS_BREAKPOINT]: "STATUS_BREAKPOINT",
  [STATUS_PRIVILEGED_INSTRUCTION]: "STATUS_PRIVILEGED_INSTRUCTION",
  [STATUS_NONCONTINUABLE_EXCEPTION]: "STATUS_NONCONTINUABLE_EXCEPTION",
};

/** CONTEXT (x64, winnt.h): size and the offsets used here. GPRs from Rax in unwind-code order. */
export const CONTEXT_SIZE = 0x4d0;
const CTX_FLAGS = 0x30;
const CTX_MXCSR = 0x34;
const CTX_SEGCS = 0x38;
const CTX_SEGSS = 0x42;
const CTX_EFLAGS = 0x44;
const CTX_RAX = 0x78;
const CTX_RIP = 0xf8;
/** CONTEXT_AMD64 | CONTROL | INTEGER | SEGMENTS | FLOATING_POINT. */
const CONTEXT_FULL = 0x10000b;
/** EXCEPTION_RECORD (x64): 0x98 bytes, up to 15 parameters. */
export const EXCEPTION_RECORD_SIZE = 0x98;
/** DISPATCHER_CONTEXT (x64). */
const DC_SIZE = 0x50;

export interface ExceptionInfo {
  code: number;
  flags: number;
  address: bigint;
  params: bigint[];
  /** How it came about, for reports ("invalid read of 4 byte(s) at 0x10", "ExRaiseStatus called from x.sys+0x1234"). */
  origin: string;
}

/** Continue the guest at this context (thrown to the guest call whose stack holds ctx.regs[RSP]). */
export class SehResume extends Error {
  constructor(readonly ctx: CpuContext) {
    super("structured exception handling: resume at " + addr64(ctx.rip));
    this.name = "SehResume";
  }
  /** Whether the resume target lies on the kernel stack of nesting depth `depth` (stacks from `base`). */
  ownedBy(depth: number, base?: bigint): boolean {
    const s = stackSlot(depth, base);
    const rsp = this.ctx.regs[4]!;
    return rsp >= s.low && rsp <= s.high;
  }
}

const RSP = 4;

interface Dispatch {
  record: bigint;
  context: bigint;
  /** The exception's context (what an unwind started from a handler begins with). */
  ctx: CpuContext;
}

/**
 * The SEH engine of one emulator. Guest memory for the records (CONTEXT, EXCEPTION_RECORD,
 * DISPATCHER_CONTEXT, EXCEPTION_POINTERS) is taken below the faulting frame's stack pointer,
 * as the kernel's trap handler does.
 */
export class Seh {
  private readonly active: Dispatch[] = [];

  constructor(private readonly emu: Emulator) {}

  /** The driver module and function entry covering a PC, or null (no .pdata entry: a leaf). */
  lookup(pc: bigint): { mod: LoadedModule; fn: RuntimeFunction } | null {
    const mod = this.emu.map.moduleAt(pc);
    if (!mod || mod.builtin) return null;
    const fn = functionEntry(mod, Number(pc - mod.base));
    return fn ? { mod, fn } : null;
  }

  /** RtlVirtualUnwind (see virtualUnwind in seh-unwind.ts). */
  virtualUnwind(handlerType: number, base: bigint, fn: RuntimeFunction, ctx: CpuContext): UnwindResult {
    return virtualUnwind(this.emu.mem, handlerType, base, fn, ctx);
  }

  // ------------------------------------------------------------------ guest records

  writeContext(at: bigint, ctx: CpuContext): void {
    const b = new Uint8Array(CONTEXT_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(CTX_FLAGS, CONTEXT_FULL, true);
    dv.setUint32(CTX_MXCSR, 0x1f80, true);
    dv.setUint16(CTX_SEGCS, 0x10, true);
    dv.setUint16(CTX_SEGSS, 0x18, true);
    dv.setUint32(CTX_EFLAGS, Number(ctx.eflags & 0xffffffffn), true);
    ctx.regs.forEach((v, i) => dv.setBigUint64(CTX_RAX + 8 * i, BigInt.asUintN(64, v), true));
    dv.setBigUint64(CTX_RIP, BigInt.asUintN(64, ctx.rip), true);
    this.emu.mem.write(at, b);
  }

  readContext(at: bigint): CpuContext {
    const b = this.emu.mem.read(at, CONTEXT_SIZE);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      regs: Array.from({ length: 16 }, (_, i) => dv.getBigUint64(CTX_RAX + 8 * i, true)),
      rip: dv.getBigUint64(CTX_RIP, true),
      eflags: BigInt(dv.getUint32(CTX_EFLAGS, true)),
    };
  }

  private writeRecord(at: bigint, e: ExceptionInfo): void {
    const b = new Uint8Array(EXCEPTION_RECORD_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, e.code >>> 0, true);
    dv.setUint32(4, e.flags >>> 0, true);
    dv.setBigUint64(0x10, BigInt.asUintN(64, e.address), true);
    const n = Math.min(15, e.params.length);
    dv.setUint32(0x18, n, true);
    for (let i = 0; i < n; i++) dv.setBigUint64(0x20 + 8 * i, BigInt.asUintN(64, e.params[i]!), true);
    this.emu.mem.write(at, b);
  }

  /** The caller's context at an API thunk: RIP = return address, RSP past it. */
  callerContext(): CpuContext {
    const { uc, C } = this.emu;
    const regs = uc.regReadMany(this.emu.gprIds);
    const rsp = regs[RSP]!;
    const rip = this.emu.mem.u64(rsp);
    regs[RSP] = rsp + 8n;
    return { regs, rip, eflags: uc.regRead(C.regs.EFLAGS) };
  }

  /** The CPU's context now (after a fault: RIP at the faulting instruction). */
  currentContext(rip: bigint): CpuContext {
    const { uc, C } = this.emu;
    return { regs: uc.regReadMany(this.emu.gprIds), rip, eflags: uc.regRead(C.regs.EFLAGS) };
  }

  // ------------------------------------------------------------------ dispatch

  /** Name an exception code: "0xC0000005 (STATUS_ACCESS_VIOLATION)". */
  static describe(code: number): string {
    const hex = "0x" + (code >>> 0).toString(16).toUpperCase().padStart(8, "0");
    return STATUS_NAMES[code >>> 0] ? `${hex} (${STATUS_NAMES[code >>> 0]})` : hex;
  }

  /**
   * RtlDispatchException: search the frames from `start` outwards (across nested guest calls)
   * for a handler. A handler that accepts it unwinds (throws SehResume); ExceptionContinueExecution
   * also resumes (SehResume at the context the handlers saw). Returns false when no frame handles
   * it (the caller reports it: KMODE_EXCEPTION_NOT_HANDLED, or the original CPU fault).
   */
  dispatch(e: ExceptionInfo, start: CpuContext): false {
    const mem = this.emu.mem;
    // The records live below the faulting frame, where the trap frame would be.
    const area = ((start.regs[RSP]! - 0x200n - BigInt(CONTEXT_SIZE + EXCEPTION_RECORD_SIZE + DC_SIZE + 0x40)) & ~0xfn) as bigint;
    if (!mem.isMapped(area, CONTEXT_SIZE + EXCEPTION_RECORD_SIZE + DC_SIZE + 0x40)) return false;
    const ctxPtr = area;
    const recPtr = ctxPtr + BigInt(CONTEXT_SIZE);
    const dcPtr = recPtr + BigInt(EXCEPTION_RECORD_SIZE);
    const ptrsPtr = dcPtr + BigInt(DC_SIZE);
    this.writeContext(ctxPtr, start);
    this.writeRecord(recPtr, e);
    mem.setU64(ptrsPtr, recPtr);
    mem.setU64(ptrsPtr + 8n, ctxPtr);
    const d: Dispatch = { record: recPtr, context: ctxPtr, ctx: { regs: [...start.regs], rip: start.rip, eflags: start.eflags } };
    this.active.push(d);
    try {
      const walk: CpuContext = { regs: [...start.regs], rip: start.rip, eflags: start.eflags };
      let level = this.emu.calls.depth - 1;
      for (let frames = 0; frames < 256; frames++) {
        if (walk.rip === RETURN_SENTINEL) {
          // The end of this guest call: go on in the code that called the API which made it.
          level--;
          if (level < 0) return false;
          const outer = this.emu.calls.outerFrames[level];
          if (!outer) return false;
          walk.regs = outer.slice(0, 16);
          walk.rip = mem.u64(walk.regs[RSP]!);
          walk.regs[RSP] = walk.regs[RSP]! + 8n;
          continue;
        }
        const hit = this.lookup(walk.rip);
        if (!hit) {
          // A leaf (or kernel code): the return address is at RSP.
          const m = this.emu.map.moduleAt(walk.rip);
          if (!m) return false;
          walk.rip = mem.u64(walk.regs[RSP]!);
          walk.regs[RSP] = walk.regs[RSP]! + 8n;
          continue;
        }
        const controlPc = walk.rip;
        const frame: CpuContext = { regs: [...walk.regs], rip: walk.rip, eflags: walk.eflags };
        const r = this.virtualUnwind(UNW_FLAG_EHANDLER, hit.mod.base, hit.fn, walk);
        if (r.handler !== null) {
          this.writeDispatcherContext(dcPtr, controlPc, hit.mod.base, hit.fn, r.establisher, 0n, ctxPtr, r.handler, r.handlerData);
          void frame;
          const disposition = this.callHandler(r.handler, recPtr, r.establisher, ctxPtr, dcPtr);
          if (disposition === ExceptionContinueExecution) {
            if (e.flags & EXCEPTION_NONCONTINUABLE) {
              throw noncontinuableException(this.emu, Seh.describe(e.code), e.origin, e.address);
            }
            throw new SehResume(this.readContext(ctxPtr));
          }
        }
        if (walk.regs[RSP]! <= frame.regs[RSP]! && walk.rip === frame.rip) return false; // no progress
      }
      return false;
    } finally {
      this.active.pop();
    }
  }

  private writeDispatcherContext(at: bigint, controlPc: bigint, base: bigint, fn: RuntimeFunction, establisher: bigint, targetIp: bigint, ctxPtr: bigint, handler: bigint, handlerData: bigint): void {
    const mem = this.emu.mem;
    // FunctionEntry points at the module's .pdata entry in guest memory.
    const mod = this.emu.map.moduleAt(base);
    let entry = 0n;
    const dir = mod?.image.dataDirectories[3];
    if (mod && dir && dir.virtualAddress) {
      const idx = mod.image.exceptionFunctions.indexOf(fn);
      if (idx >= 0) entry = base + BigInt(dir.virtualAddress + 12 * idx);
    }
    mem.setU64(at, controlPc);
    mem.setU64(at + 8n, base);
    mem.setU64(at + 0x10n, entry);
    mem.setU64(at + 0x18n, establisher);
    mem.setU64(at + 0x20n, targetIp);
    mem.setU64(at + 0x28n, ctxPtr);
    mem.setU64(at + 0x30n, handler);
    mem.setU64(at + 0x38n, handlerData);
    mem.setU64(at + 0x40n, 0n);
    mem.setU32(at + 0x48n, 0);
    mem.setU32(at + 0x4cn, 0);
  }

  /** Call a language handler: kmdll's own __C_specific_handler directly, guest code as a nested call. */
  private callHandler(handler: bigint, rec: bigint, establisher: bigint, ctxPtr: bigint, dc: bigint): bigint {
    if (handler === this.emu.kernelExport("ntoskrnl.exe", "__C_specific_handler", null)) return this.cSpecificHandler(rec, establisher, ctxPtr, dc);
    const r = this.emu.call(handler, [rec, establisher, ctxPtr, dc], `exception handler ${this.emu.where(handler)}`);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value & 0xffffffffn;
  }

  /** Call a filter or termination handler of the driver (nested guest call). */
  private callGuest(address: bigint, args: bigint[], what: string): bigint {
    const r = this.emu.call(address, args, `${what} ${this.emu.where(address)}`);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value;
  }

  /**
   * __C_specific_handler(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext):
   * the scope table (SCOPE_TABLE_AMD64: Count, then {Begin, End, Handler, JumpTarget} RVAs) of
   * __try blocks containing the PC. Dispatch: __except filters (Handler 1 = EXCEPTION_EXECUTE_HANDLER);
   * a positive filter unwinds to the __except block (JumpTarget) with the exception code in RAX;
   * a negative one continues execution. Unwind: __finally blocks (JumpTarget 0) run with
   * AbnormalTermination = TRUE, up to the target.
   */
  cSpecificHandler(rec: bigint, establisher: bigint, ctxPtr: bigint, dc: bigint): bigint {
    const mem = this.emu.mem;
    const flags = mem.u32(rec + 4n);
    const base = mem.u64(dc + 8n);
    const controlPc = Number(mem.u64(dc) - base);
    const data = mem.u64(dc + 0x38n);
    const count = mem.u32(data);
    if (count > 0x10000) return ExceptionContinueSearch;
    const scope = (i: number) => {
      const at = data + 4n + BigInt(16 * i);
      return { begin: mem.u32(at), end: mem.u32(at + 4n), handler: mem.u32(at + 8n), target: mem.u32(at + 12n) };
    };
    if ((flags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)) === 0) {
      const ptrs = this.exceptionPointers(rec, ctxPtr);
      for (let i = mem.u32(dc + 0x48n); i < count; i++) {
        const s = scope(i);
        if (controlPc < s.begin || controlPc >= s.end || s.target === 0) continue;
        let value: number;
        if (s.handler === 1) value = 1;
        else value = Number(BigInt.asIntN(32, this.callGuest(base + BigInt(s.handler), [ptrs, establisher], "exception filter") & 0xffffffffn));
        if (value < 0) return ExceptionContinueExecution;
        if (value > 0) {
          mem.setU32(dc + 0x48n, i + 1);
          this.unwindEx(establisher, base + BigInt(s.target), rec, BigInt(mem.u32(rec)), ctxPtr);
        }
      }
      return ExceptionContinueSearch;
    }
    const targetPc = Number(mem.u64(dc + 0x20n) - base);
    for (let i = mem.u32(dc + 0x48n); i < count; i++) {
      const s = scope(i);
      if (controlPc < s.begin || controlPc >= s.end) continue;
      if (flags & EXCEPTION_TARGET_UNWIND) {
        // The target lies in a __try of this same handler: stop before it (its scopes stay).
        let inner = false;
        for (let j = 0; j < count && !inner; j++) {
          const t = scope(j);
          inner = targetPc >= t.begin && targetPc < t.end && t.target === s.target && t.handler === s.handler;
        }
        if (inner) break;
      }
      if (s.target === 0) {
        // A __finally: runs once; the next scope is where a nested unwind would resume.
        mem.setU32(dc + 0x48n, i + 1);
        this.callGuest(base + BigInt(s.handler), [1n, establisher], "termination handler");
      } else if (flags & EXCEPTION_TARGET_UNWIND && s.target === targetPc) break;
    }
    return ExceptionContinueSearch;
  }

  /** EXCEPTION_POINTERS for a filter: next to the dispatch's records, or below the current stack. */
  private exceptionPointers(rec: bigint, ctxPtr: bigint): bigint {
    const d = this.active.find((x) => x.record === rec);
    const at = d ? rec + BigInt(EXCEPTION_RECORD_SIZE + DC_SIZE) : (this.emu.uc.regRead(this.emu.C.regs.RSP) - 0x100n) & ~0xfn;
    this.emu.mem.setU64(at, rec);
    this.emu.mem.setU64(at + 8n, ctxPtr);
    return at;
  }

  /**
   * RtlUnwindEx(TargetFrame, TargetIp, ExceptionRecord, ReturnValue, ContextRecord): from the
   * exception's context (or the caller's, when no dispatch of that record is active) call the
   * termination handlers of every frame up to the target frame, then continue at TargetIp with
   * the target frame's context and RAX = ReturnValue. Never returns.
   */
  unwindEx(targetFrame: bigint, targetIp: bigint, recIn: bigint, returnValue: bigint, ctxPtrIn: bigint, caller?: CpuContext): never {
    const mem = this.emu.mem;
    const d = this.active.find((x) => x.record === recIn || x.context === ctxPtrIn);
    const start = d ? d.ctx : caller ?? this.callerContext();
    const walk: CpuContext = { regs: [...start.regs], rip: start.rip, eflags: start.eflags };
    // Records for the unwind: reuse the dispatch's, else below the current stack.
    const area = d ? null : ((walk.regs[RSP]! - 0x200n - BigInt(CONTEXT_SIZE + EXCEPTION_RECORD_SIZE + DC_SIZE)) & ~0xfn);
    const rec = recIn !== 0n ? recIn : area! + BigInt(CONTEXT_SIZE);
    if (recIn === 0n) this.writeRecord(rec, { code: STATUS_UNWIND, flags: 0, address: targetIp, params: [], origin: "" });
    const ctxPtr = d ? d.context : area ?? ctxPtrIn;
    const dc = d ? d.record + BigInt(EXCEPTION_RECORD_SIZE) : area! + BigInt(CONTEXT_SIZE + EXCEPTION_RECORD_SIZE);
    const baseFlags = (mem.u32(rec + 4n) | EXCEPTION_UNWINDING | (targetFrame === 0n ? EXCEPTION_EXIT_UNWIND : 0)) >>> 0;
    let level = this.emu.calls.depth - 1;
    for (let frames = 0; frames < 256; frames++) {
      if (walk.rip === RETURN_SENTINEL) {
        level--;
        const outer = level >= 0 ? this.emu.calls.outerFrames[level] : undefined;
        if (!outer) break;
        walk.regs = outer.slice(0, 16);
        walk.rip = mem.u64(walk.regs[RSP]!);
        walk.regs[RSP] = walk.regs[RSP]! + 8n;
        continue;
      }
      const hit = this.lookup(walk.rip);
      if (!hit) {
        if (!this.emu.map.moduleAt(walk.rip)) break;
        walk.rip = mem.u64(walk.regs[RSP]!);
        walk.regs[RSP] = walk.regs[RSP]! + 8n;
        continue;
      }
      const before: CpuContext = { regs: [...walk.regs], rip: walk.rip, eflags: walk.eflags };
      const r = this.virtualUnwind(UNW_FLAG_UHANDLER, hit.mod.base, hit.fn, walk);
      const isTarget = r.establisher === targetFrame;
      if (r.handler !== null) {
        mem.setU32(rec + 4n, (baseFlags | (isTarget ? EXCEPTION_TARGET_UNWIND : 0)) >>> 0);
        this.writeContext(ctxPtr, before);
        this.writeDispatcherContext(dc, before.rip, hit.mod.base, hit.fn, r.establisher, targetIp, ctxPtr, r.handler, r.handlerData);
        this.callHandler(r.handler, rec, r.establisher, ctxPtr, dc);
      }
      if (isTarget) {
        before.regs[0] = returnValue;
        before.rip = targetIp;
        throw new SehResume(before);
      }
      if (targetFrame !== 0n && r.establisher > targetFrame) break;
    }
    throw new EmuStop(this.emu.faults.report("bugcheck", `RtlUnwindEx: the target frame ${addr64(targetFrame)} is not on the stack (unwinding to ${this.emu.where(targetIp)})`, targetIp));
  }
}
