/**
 * x86 structured exception handling, frame based, as the 32-bit Windows kernel does it: the
 * EXCEPTION_REGISTRATION chain at FS:[0] (NT_TIB.ExceptionList, the first field of the KPCR),
 * each record { Next, Handler } on the stack of the function that installed it.
 *
 * - Dispatch (RtlDispatchException): walk the chain from FS:[0]; a record off the stack or
 *   misaligned ends the search; a handler that fails the image's /SAFESEH check (the load-config
 *   SEHandlerTable, or IMAGE_DLLCHARACTERISTICS_NO_SEH) ends it too; each handler is called as
 *   `EXCEPTION_DISPOSITION __cdecl handler(ExceptionRecord, EstablisherFrame, ContextRecord,
 *   DispatcherContext)`: ExceptionContinueExecution (0) resumes at the (possibly edited)
 *   CONTEXT, ExceptionContinueSearch (1) goes on to the next record.
 * - `_except_handler3` (ntoskrnl's export, what MSVC's and clang-cl's x86 `__try` frames
 *   register): the frame is MSVC's C9 layout — [reg-8] saved ESP, [reg-4] EXCEPTION_POINTERS,
 *   reg = { Next, Handler, ScopeTable, TryLevel }, the function's EBP at reg+0x10 — and the scope
 *   table entries { EnclosingLevel, FilterFunc, HandlerFunc } (FilterFunc NULL: a __finally).
 *   Filters and termination handlers run with EBP = reg+0x10; a positive filter unwinds the
 *   frames above (RtlUnwind), runs this frame's inner __finally blocks (_local_unwind2), sets
 *   TryLevel to the enclosing level and continues at HandlerFunc with that EBP and the saved ESP.
 * - RtlUnwind(TargetFrame, TargetIp, ExceptionRecord, ReturnValue): calls the handlers of every
 *   record above TargetFrame with EXCEPTION_UNWINDING (EXCEPTION_EXIT_UNWIND when TargetFrame is
 *   NULL), unlinking each from FS:[0], and returns to its caller (x86 semantics: TargetIp unused).
 *
 * Sources: the documented x86 layouts (winnt.h CONTEXT for i386, EXCEPTION_RECORD32,
 * EXCEPTION_REGISTRATION_RECORD), the MSVC C9 SEH frame conventions as published (Matt Pietrek,
 * "A Crash Course on the Depths of Win32 Structured Exception Handling", MSJ 1997) and the
 * load-config SafeSEH fields (PE/COFF specification). The code is ours.
 */
import type { Emulator } from "./emulator.js";
import type { CpuContext } from "./seh-unwind.js";
import { EmuStop } from "./faults.js";
import { noncontinuableException } from "./seh-reports.js";
import { Seh, SehResume, EXCEPTION_NONCONTINUABLE, EXCEPTION_UNWINDING, EXCEPTION_EXIT_UNWIND, type ExceptionInfo } from "./seh.js";
import { stackSlot } from "./layout.js";

/** End of the registration chain. */
export const EXCEPTION_CHAIN_END = 0xffffffffn;
/** CONTEXT (i386): 0x2CC bytes; ContextFlags 0, SegGs 0x8C..., Edi 0x9C, Esi 0xA0, Ebx 0xA4, Edx 0xA8, Ecx 0xAC, Eax 0xB0, Ebp 0xB4, Eip 0xB8, SegCs 0xBC, EFlags 0xC0, Esp 0xC4, SegSs 0xC8. */
export const CONTEXT86_SIZE = 0x2cc;
const C86 = { Flags: 0, SegGs: 0x8c, SegFs: 0x90, SegEs: 0x94, SegDs: 0x98, Edi: 0x9c, Esi: 0xa0, Ebx: 0xa4, Edx: 0xa8, Ecx: 0xac, Eax: 0xb0, Ebp: 0xb4, Eip: 0xb8, SegCs: 0xbc, EFlags: 0xc0, Esp: 0xc4, SegSs: 0xc8 };
/** CONTEXT_i386 | CONTROL | INTEGER | SEGMENTS. */
const CONTEXT86_FULL = 0x10007;
/** EXCEPTION_RECORD (32-bit): Code 0, Flags 4, Record 8, Address 12, NumberParameters 16, Information 20 (15 ULONG_PTRs). */
const RECORD86_SIZE = 0x50;
/** The x86 GPRs in the emulator's order (EAX ECX EDX EBX ESP EBP ESI EDI) → CONTEXT offsets. */
const GPR_AT = [C86.Eax, C86.Ecx, C86.Edx, C86.Ebx, C86.Esp, C86.Ebp, C86.Esi, C86.Edi];
const ESP = 4;

const ContinueExecution = 0n;
const ContinueSearch = 1n;

interface Dispatch86 {
  record: bigint;
  context: bigint;
  dc: bigint;
  pointers: bigint;
}

/** A handler that took control elsewhere and ran that code to the end of an outer guest call: its value. */
export class SehCompleted extends Error {
  constructor(
    readonly value: bigint,
    readonly esp: bigint,
  ) {
    super("structured exception handling: a handler transferred control to an outer frame, which returned");
    this.name = "SehCompleted";
  }
}

export class SehX86 {
  private readonly active: Dispatch86[] = [];
  /** Termination handlers being run by a local unwind (for _abnormal_termination). */
  private unwinding = 0;

  constructor(private readonly emu: Emulator) {}

  private get list(): bigint {
    return this.emu.system.kpcr;
  }
  exceptionList(): bigint {
    return BigInt(this.emu.mem.u32(this.list));
  }
  setExceptionList(v: bigint): void {
    this.emu.mem.setU32(this.list, Number(BigInt.asUintN(32, v)));
  }

  writeContext(at: bigint, ctx: CpuContext): void {
    const b = new Uint8Array(CONTEXT86_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(C86.Flags, CONTEXT86_FULL, true);
    dv.setUint32(C86.SegCs, 0x08, true);
    for (const o of [C86.SegDs, C86.SegEs, C86.SegSs]) dv.setUint32(o, 0x10, true);
    dv.setUint32(C86.SegFs, 0x30, true);
    GPR_AT.forEach((o, i) => dv.setUint32(o, Number(BigInt.asUintN(32, ctx.regs[i] ?? 0n)), true));
    dv.setUint32(C86.Eip, Number(BigInt.asUintN(32, ctx.rip)), true);
    dv.setUint32(C86.EFlags, Number(ctx.eflags & 0xffffffffn), true);
    this.emu.mem.write(at, b);
  }

  readContext(at: bigint): CpuContext {
    const m = this.emu.mem;
    return { regs: GPR_AT.map((o) => BigInt(m.u32(at + BigInt(o)))), rip: BigInt(m.u32(at + BigInt(C86.Eip))), eflags: BigInt(m.u32(at + BigInt(C86.EFlags))) };
  }

  private writeRecord(at: bigint, e: ExceptionInfo): void {
    const b = new Uint8Array(RECORD86_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, e.code >>> 0, true);
    dv.setUint32(4, e.flags >>> 0, true);
    dv.setUint32(12, Number(BigInt.asUintN(32, e.address)), true);
    const n = Math.min(15, e.params.length);
    dv.setUint32(16, n, true);
    for (let i = 0; i < n; i++) dv.setUint32(20 + 4 * i, Number(BigInt.asUintN(32, e.params[i]!)), true);
    this.emu.mem.write(at, b);
  }

  /** The caller's context at an API thunk: EIP = the return address, ESP past it and the `popBytes` the routine pops. */
  callerContext(popBytes: number): CpuContext {
    const { uc, C } = this.emu;
    const regs = uc.regReadMany(this.emu.gprIds);
    const esp = regs[ESP]!;
    const eip = BigInt(this.emu.mem.u32(esp));
    regs[ESP] = esp + 4n + BigInt(popBytes);
    return { regs, rip: eip, eflags: uc.regRead(C.regsX86.EFLAGS) };
  }

  currentContext(eip: bigint): CpuContext {
    const { uc, C } = this.emu;
    return { regs: uc.regReadMany(this.emu.gprIds), rip: eip, eflags: uc.regRead(C.regsX86.EFLAGS) };
  }

  /** Whether [at, at+size) lies on one of the kernel stacks of the guest calls in progress. */
  private onStack(at: bigint, size: number): boolean {
    const base = this.emu.cpu.space.stacksBase;
    for (let d = 0; d <= this.emu.calls.depth; d++) {
      const s = stackSlot(d, base);
      if (at >= s.low && at + BigInt(size) <= s.high) return true;
    }
    return false;
  }

  /**
   * RtlIsValidHandler: a handler in an image marked IMAGE_DLLCHARACTERISTICS_NO_SEH is invalid; in
   * an image whose load config has a SafeSEH table (SEHandlerTable/SEHandlerCount at 0x40/0x44 of
   * IMAGE_LOAD_CONFIG_DIRECTORY32) it must be listed there; one outside every image is invalid.
   * Null when valid, else why not.
   */
  invalidHandler(handler: bigint): string | null {
    const mod = this.emu.map.moduleAt(handler);
    if (!mod) return `the handler ${this.emu.where(handler)} is not in any loaded image`;
    if (mod.builtin) return null;
    if (mod.image.optional.dllCharacteristics & 0x400) return `${mod.name} is marked IMAGE_DLLCHARACTERISTICS_NO_SEH but registers the handler ${this.emu.where(handler)}`;
    const dir = mod.image.dataDirectories[10];
    if (!dir || dir.virtualAddress === 0 || dir.size < 0x48) return null;
    const m = this.emu.mem;
    const lc = mod.base + BigInt(dir.virtualAddress);
    if (!m.isMapped(lc, 0x48) || m.u32(lc) < 0x48) return null;
    const table = BigInt(m.u32(lc + 0x40n));
    const count = m.u32(lc + 0x44n);
    if (table === 0n) return null;
    const rva = Number(handler - mod.base);
    for (let i = 0; i < Math.min(count, 0x100000); i++) if (m.u32(table + BigInt(4 * i)) === rva) return null;
    return `the handler ${this.emu.where(handler)} is not in ${mod.name}'s /SAFESEH table (${count} handler(s))`;
  }

  /** Call a registration's handler (cdecl, 4 arguments) as guest code: its EXCEPTION_DISPOSITION. */
  private callHandler(handler: bigint, rec: bigint, reg: bigint, ctxPtr: bigint, dc: bigint): bigint {
    // (cdecl by contract: not held to the stdcall check of driver callbacks, calls.ts.)
    this.emu.calls.cdeclNext = true;
    const r = this.emu.call(handler, [rec, reg, ctxPtr, dc], `exception handler ${this.emu.where(handler)}`);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value & 0xffffffffn;
  }

  /** Call a filter or termination handler of an _except_handler3 frame, with EBP = the frame's. */
  private callFrameCode(address: bigint, ebp: bigint, what: string): bigint {
    const r = this.emu.call(address, [], `${what} ${this.emu.where(address)}`, false, ebp);
    if (!r.ok) throw new EmuStop(r.fault);
    return r.value & 0xffffffffn;
  }

  /**
   * RtlDispatchException: the handlers of the registration chain, innermost first. Returns false
   * when none handles it (the caller reports it); a resumed context is a SehResume.
   */
  dispatch(e: ExceptionInfo, start: CpuContext): false {
    const mem = this.emu.mem;
    const need = CONTEXT86_SIZE + RECORD86_SIZE + 16;
    const area = (start.regs[ESP]! - 0x100n - BigInt(need)) & ~0xfn;
    if (!mem.isMapped(area, need)) return false;
    const d: Dispatch86 = { context: area, record: area + BigInt(CONTEXT86_SIZE), dc: 0n, pointers: 0n };
    d.dc = d.record + BigInt(RECORD86_SIZE);
    d.pointers = d.dc + 8n;
    this.writeContext(d.context, start);
    this.writeRecord(d.record, e);
    mem.setU32(d.dc, 0);
    mem.setU32(d.pointers, Number(d.record));
    mem.setU32(d.pointers + 4n, Number(d.context));
    this.active.push(d);
    try {
      let reg = this.exceptionList();
      for (let n = 0; reg !== EXCEPTION_CHAIN_END && n < 4096; n++) {
        // A record off the stack or misaligned: Windows stops the search (EXCEPTION_STACK_INVALID).
        if ((reg & 3n) !== 0n || !this.onStack(reg, 8)) return false;
        const handler = BigInt(mem.u32(reg + 4n));
        const bad = this.invalidHandler(handler);
        if (bad) {
          this.emu.emit({ event: "warning", module: this.emu.map.moduleAt(handler)?.name ?? "?", message: `exception ${Seh.describe(e.code)}: ${bad}; the exception is not dispatched to it (RtlIsValidHandler)` });
          return false;
        }
        const disposition = this.callHandler(handler, d.record, reg, d.context, d.dc);
        if (disposition === ContinueExecution) {
          if (e.flags & EXCEPTION_NONCONTINUABLE)
            throw noncontinuableException(this.emu, Seh.describe(e.code), e.origin, e.address);
          throw new SehResume(this.readContext(d.context));
        }
        reg = BigInt(mem.u32(reg));
      }
      return false;
    } finally {
      this.active.pop();
    }
  }

  /**
   * RtlUnwind: call the handlers of the records above `target` with EXCEPTION_UNWINDING and unlink
   * them; returns (x86). A target that is not on the chain is a bugcheck report.
   */
  unwind(target: bigint, recIn: bigint, caller: CpuContext): void {
    const mem = this.emu.mem;
    const d = this.active.find((x) => x.record === recIn) ?? this.active[this.active.length - 1];
    let rec = recIn;
    let ctxPtr = d?.context ?? 0n;
    let dc = d?.dc ?? 0n;
    if (rec === 0n || ctxPtr === 0n) {
      const area = (caller.regs[ESP]! - 0x100n - BigInt(CONTEXT86_SIZE + RECORD86_SIZE + 16)) & ~0xfn;
      ctxPtr = area;
      this.writeContext(ctxPtr, caller);
      dc = area + BigInt(CONTEXT86_SIZE + RECORD86_SIZE);
      mem.setU32(dc, 0);
      if (rec === 0n) {
        rec = area + BigInt(CONTEXT86_SIZE);
        this.writeRecord(rec, { code: 0xc0000027 /* STATUS_UNWIND */, flags: 0, address: caller.rip, params: [], origin: "" });
      }
    }
    mem.setU32(rec + 4n, (mem.u32(rec + 4n) | EXCEPTION_UNWINDING | (target === 0n ? EXCEPTION_EXIT_UNWIND : 0)) >>> 0);
    let reg = this.exceptionList();
    for (let n = 0; reg !== EXCEPTION_CHAIN_END && reg !== target && n < 4096; n++) {
      if ((reg & 3n) !== 0n || !this.onStack(reg, 8)) break;
      if (target !== 0n && reg > target) break;
      const handler = BigInt(mem.u32(reg + 4n));
      if (!this.invalidHandler(handler)) this.callHandler(handler, rec, reg, ctxPtr, dc);
      reg = BigInt(mem.u32(reg));
      this.setExceptionList(reg);
    }
    if (target !== 0n && reg !== target)
      throw new EmuStop(this.emu.faults.report("bugcheck", `RtlUnwind: the target frame 0x${target.toString(16)} is not on the exception registration chain (STATUS_INVALID_UNWIND_TARGET)`, caller.rip, { code: "0x0000001E" }));
  }

  /** _local_unwind2(reg, stop): run the __finally blocks of the frame from its TryLevel out to `stop` (exclusive). */
  localUnwind(reg: bigint, stop: number): void {
    const mem = this.emu.mem;
    const table = BigInt(mem.u32(reg + 8n));
    for (let n = 0; n < 4096; n++) {
      const level = mem.u32(reg + 12n) | 0;
      if (level === -1 || level === stop) break;
      const entry = table + BigInt(12 * level);
      mem.setU32(reg + 12n, mem.u32(entry));
      if (mem.u32(entry + 4n) === 0) {
        this.unwinding++;
        try {
          this.callFrameCode(BigInt(mem.u32(entry + 8n)), reg + 0x10n, "termination handler");
        } finally {
          this.unwinding--;
        }
      }
    }
  }

  /** _abnormal_termination(): inside a __finally run by an unwind. */
  abnormalTermination(): number {
    return this.unwinding > 0 ? 1 : 0;
  }

  /** _except_handler3(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext). */
  exceptHandler3(rec: bigint, reg: bigint, ctxPtr: bigint, caller: CpuContext): bigint {
    const mem = this.emu.mem;
    const flags = mem.u32(rec + 4n);
    if (flags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND)) {
      this.localUnwind(reg, -1);
      return ContinueSearch;
    }
    // EXCEPTION_POINTERS at [reg-4], for _exception_info()/_exception_code() in the filter.
    const d = this.active.find((x) => x.record === rec);
    let pointers = d?.pointers ?? 0n;
    if (pointers === 0n) {
      pointers = (caller.regs[ESP]! - 0x80n) & ~0xfn;
      mem.setU32(pointers, Number(rec));
      mem.setU32(pointers + 4n, Number(ctxPtr));
    }
    mem.setU32(reg - 4n, Number(pointers));
    const table = BigInt(mem.u32(reg + 8n));
    const ebp = reg + 0x10n;
    let level = mem.u32(reg + 12n) | 0;
    for (let n = 0; level !== -1 && n < 4096; n++) {
      const entry = table + BigInt(12 * level);
      const enclosing = mem.u32(entry) | 0;
      const filter = BigInt(mem.u32(entry + 4n));
      if (filter !== 0n) {
        const v = filter === 1n ? 1 : Number(BigInt.asIntN(32, this.callFrameCode(filter, ebp, "exception filter")));
        if (v < 0) return ContinueExecution;
        if (v > 0) {
          // Unwind the frames above this one, then this frame's inner __finally blocks; continue at the __except block.
          this.unwind(reg, rec, caller);
          this.localUnwind(reg, level);
          mem.setU32(reg + 12n, enclosing >>> 0);
          const regs = d ? this.readContext(d.context).regs : [...caller.regs];
          regs[0] = BigInt(mem.u32(rec));
          regs[ESP] = BigInt(mem.u32(reg - 8n));
          regs[5] = ebp;
          throw new SehResume({ regs, rip: BigInt(mem.u32(entry + 8n)), eflags: 0x202n });
        }
      }
      level = enclosing;
    }
    return ContinueSearch;
  }
}
