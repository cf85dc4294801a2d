/**
 * Guest calls: running guest code at an address with integer arguments (MS x64 convention) on
 * the kernel stack of its nesting depth, until it returns to the sentinel, faults or runs out of
 * time. Handlers call back into the guest (completion routines, dispatch routines) as nested
 * calls; the outer frames are kept for backtraces.
 */
import type { Emulator } from "./emulator.js";
import { EmuStop, type FaultReport, type RunResult } from "./faults.js";
import { GuestFault } from "./memory.js";
import { SehCompleted } from "./seh-x86.js";
import { SehResume, STATUS_ACCESS_VIOLATION, STATUS_BREAKPOINT, STATUS_ILLEGAL_INSTRUCTION, STATUS_INTEGER_DIVIDE_BY_ZERO, type ExceptionInfo } from "./seh.js";
import { MAX_CALL_DEPTH, stackSlot } from "./layout.js";
import { setLayoutArch } from "../nt/arch-layout.js";
import { arm64CallRegisters } from "./arch/arm64.js";
import { servePrivileged } from "./verifier/trap.js";
import { serveTableAccess } from "./paging-trap.js";
import { serveWpStore } from "./wp-store.js";
import { serveExecutablePool } from "./exec-pool.js";
import { noteServiceTableWrites } from "./ssdt-table.js";
import { noteProcessListWrites } from "./process-links.js";
import { inKernelCall, isKuserAccess, loopVerdict, newProbe, noteKuserRead, resumable, sliceMs, startProbe, stopProbe } from "./loop-probe.js";
import { BUILTIN_MODULES } from "./kernel-modules.js";
import { checkReturn, entryState } from "./verifier/checks.js";

/** Addresses below this are user mode (x64: the 128 TiB user half). */
const USER_ADDRESS_LIMIT = 0x0000800000000000n;
/** The x86 user address space ends at 2 GiB (MmSystemRangeStart 0x80000000). */
const USER_ADDRESS_LIMIT_X86 = 0x80000000n;

export class CallStack {
  /** Guest calls in progress. */
  depth = 0;
  /** Entry addresses of the guest calls in progress, innermost last (who is running, for tail calls). */
  readonly targets: bigint[] = [];
  /** Registers (GPRs, EFLAGS, RIP) at each API hook that started a nested guest call, outermost first. */
  readonly outerFrames: bigint[][] = [];
  /** Wall-clock deadline of the current top-level call (Date.now() units). */
  deadline = 0;
  /**
   * x86: the next guest call is a cdecl callback by contract (qsort's and bsearch's comparators),
   * so the stdcall stack check below does not apply to it. Read and cleared by guestCall.
   */
  cdeclNext = false;
  /** False while the basic-block hook is someone else's (surface sessions): no loop probe at a timeout (loop-probe.ts). */
  loopProbe = true;
  /** Kernel routines dispatched so far with an effect beyond their result (all but loop-probe.ts's PURE_ROUTINES), and the last one's name (the loop probe compares; dispatch.ts counts). */
  impureCalls = 0;
  lastImpure = "";
  /** The loop probe running now (the outermost call's last slice), if any. */
  activeProbe: import("./loop-probe.js").LoopProbe | null = null;
}

/**
 * The exception Windows raises for a CPU fault in driver code, when it is one it dispatches to
 * exception handlers: an invalid access to a user-mode address (STATUS_ACCESS_VIOLATION; an
 * invalid kernel address is a PAGE_FAULT_IN_NONPAGED_AREA bugcheck, never dispatched), divide
 * error, invalid opcode, breakpoint. Null for everything else (__fastfail, hlt, timeouts...).
 * Dispatched through .pdata/.xdata on x64 (seh.ts) and the FS:[0] registration chain on x86 (seh-x86.ts).
 */
function cpuException(fault: FaultReport, nf: { interrupt: number; invalidInstruction?: boolean }, x86: boolean): ExceptionInfo | null {
  const at = `at ${fault.rip}`;
  if ((fault.kind === "invalid-read" || fault.kind === "invalid-write" || fault.kind === "invalid-fetch") && fault.address !== undefined && fault.address < (x86 ? USER_ADDRESS_LIMIT_X86 : USER_ADDRESS_LIMIT)) {
    const rw = fault.kind === "invalid-read" ? 0n : fault.kind === "invalid-write" ? 1n : 8n;
    return { code: STATUS_ACCESS_VIOLATION, flags: 0, address: fault.ripAddress, params: [rw, fault.address], origin: `(${fault.message})` };
  }
  if (fault.kind !== "cpu-exception") return null;
  if (nf.interrupt === 0) return { code: STATUS_INTEGER_DIVIDE_BY_ZERO, flags: 0, address: fault.ripAddress, params: [], origin: at };
  if (nf.interrupt === 3) return { code: STATUS_BREAKPOINT, flags: 0, address: fault.ripAddress, params: [0n], origin: at };
  if (nf.interrupt === 6 || nf.invalidInstruction) return { code: STATUS_ILLEGAL_INSTRUCTION, flags: 0, address: fault.ripAddress, params: [], origin: at };
  return null;
}

/**
 * A system thread's run (src/emu/threads.ts): on its own stack, and either a fresh start of its
 * routine or a resumption from registers saved when it parked.
 */
export interface ThreadRun {
  stack: { low: bigint; high: bigint };
  resume?: { regs: bigint[]; pc: bigint };
  /** True when the thread parked or ended inside a kernel routine (the run reached the sentinel without returning). */
  stopped?: () => boolean;
}

/** Call guest code at `address` with integer arguments (the arch's convention). Nested when called from a handler. */
export function guestCall(emu: Emulator, address: bigint, args: bigint[], label: string | undefined, timeoutMs: number, exportCall = false, framePointer?: bigint, thread?: ThreadRun): RunResult {
  const { uc, C, calls, faults, cpu } = emu;
  const RETURN_SENTINEL = cpu.space.returnSentinel;
  setLayoutArch(cpu.arch);
  const pcId = cpu.pcId(C);
  if (emu.broken) return { ok: false, fault: faults.brokenReport(address) };
  const depth = calls.depth;
  if (depth >= MAX_CALL_DEPTH) {
    return { ok: false, fault: faults.report("stack-overflow", `guest calls nested deeper than ${MAX_CALL_DEPTH} levels`, address) };
  }
  const nested = depth > 0;
  // Service table entries changed by the routine running now, before it calls out (ssdt-table.ts; x86 and x64).
  if (nested && cpu.arch !== "arm64") noteServiceTableWrites(emu, calls.targets[calls.targets.length - 1] ?? address);
  // Processes taken out of (or put back in) ActiveProcessLinks by the routine running now (process-links.ts).
  if (nested) noteProcessListWrites(emu, calls.targets[calls.targets.length - 1] ?? address);
  const saved = nested ? uc.regReadMany([...emu.gprIds, cpu.flagsId(C), pcId]) : null;
  if (saved) calls.outerFrames.push(saved);
  const slot = stackSlot(depth, cpu.space.stacksBase);
  const top = (thread ? thread.stack.high : slot.high) - 0x100n;
  const cdeclCallback = calls.cdeclNext;
  calls.cdeclNext = false;
  /** x86: the stack pointer the routine starts with (its return address at [esp]), for the stdcall check on return. */
  let entrySp: bigint | undefined;
  if (!thread?.resume) {
    const { sp: rsp, frame } = cpu.callFrame(top, args, RETURN_SENTINEL);
    entrySp = rsp;
    uc.write(rsp, frame);
    const R = C.regs;
    if (cpu.arch === "x64") {
      const ids = [R.RCX, R.RDX, R.R8, R.R9, R.RSP, R.RAX, R.RBP];
      const vals = [args[0] ?? 0n, args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n, rsp, 0n, 0n].map((v) => BigInt.asUintN(64, v));
      uc.regWriteMany(ids, vals);
    } else if (cpu.arch === "arm64") {
      const { ids, values } = arm64CallRegisters(C, args, rsp, RETURN_SENTINEL, emu.system.kpcr);
      uc.regWriteMany(ids, values);
    } else {
      const X = C.regsX86;
      // Stack arguments (stdcall/cdecl); ECX/EDX also hold the first two, so a fastcall routine gets them too.
      uc.regWriteMany([X.ESP, X.EAX, X.EBP, X.ECX, X.EDX], [rsp, 0n, BigInt.asUintN(32, framePointer ?? 0n), BigInt.asUintN(32, args[0] ?? 0n), BigInt.asUintN(32, args[1] ?? 0n)]);
    }
  }
  if (!nested) {
    calls.deadline = Date.now() + timeoutMs;
    emu.system.enterKernelMode();
    uc.regWrite(cpu.flagsId(C), 0x202n); // IF set, DF clear (the ABI requires DF = 0 on entry)
  }
  if (thread?.resume) uc.regWriteMany([...emu.gprIds, cpu.flagsId(C)], thread.resume.regs);
  const entry = emu.verifier.enabled && !exportCall ? entryState(emu) : null;
  calls.depth++;
  calls.targets.push(address);
  // The last slice of a top-level call's budget runs under the loop probe (loop-probe.ts).
  const probe = nested ? null : newProbe(emu);
  const slice = sliceMs(timeoutMs);
  const timeout = (rip: bigint): RunResult => {
    const loop = probe?.on ? loopVerdict(emu, probe, rip, stopProbe(emu, probe), address) : probe ? inKernelCall(emu, rip) : null;
    const fault = faults.report("timeout", `time budget of ${timeoutMs / 1000} s exceeded${label ? ` in ${label}` : ""}`, rip, loop ? { loop } : {});
    // Where the driver was spinning: its innermost frame (the loop is there, or in what it calls).
    const builtin = (f: string) => (BUILTIN_MODULES as readonly string[]).includes(f.replace(/\+.*$/, "").toLowerCase());
    const own = fault.backtrace.find((f) => /\+0x/.test(f) && !builtin(f));
    if (own) fault.message += fault.backtrace[0] === own ? `; the driver was running at ${own}` : `; the driver was in ${fault.backtrace[0]}, called from ${own}`;
    if (loop?.own) fault.message += `: ${loop.why}`;
    return { ok: false, fault };
  };
  const owns = (sp: bigint): boolean => (sp >= slot.low && sp <= slot.high) || (thread !== undefined && sp >= thread.stack.low && sp <= thread.stack.high);
  try {
    let startAt = thread?.resume ? thread.resume.pc : address;
    const onThreadStack = (sp: bigint | undefined) => thread !== undefined && sp !== undefined && sp >= thread.stack.low && sp <= thread.stack.high;
    const owned = (e: SehResume): boolean => e.ownedBy(depth, cpu.space.stacksBase) || onThreadStack(e.ctx.regs[4]);
    // Structured exception handling may move execution (an __except block, a continued
    // exception): the run then goes on from that context on this same stack.
    const resume = (e: SehResume): void => {
      uc.regWriteMany([...emu.gprIds, cpu.flagsId(C)], [...e.ctx.regs, e.ctx.eflags]);
      startAt = e.ctx.rip;
    };
    for (;;) {
      let err: number;
      try {
        const until = probe && !probe.on ? calls.deadline - slice : calls.deadline;
        err = uc.start(startAt, RETURN_SENTINEL, Math.max(1, until - Date.now()) * 1000, 0);
      } catch (e) {
        if (e instanceof SehResume && owned(e)) {
          resume(e);
          continue;
        }
        if (e instanceof SehResume) throw e;
        if (e instanceof SehCompleted) {
          if (owns(e.esp)) return { ok: true, value: e.value };
          throw e;
        }
        if (e instanceof EmuStop) return { ok: false, fault: e.report };
        return { ok: false, fault: faults.report("internal", `emulator error: ${(e as Error).message}`, uc.regRead(pcId)) };
      }
      // Page-table memory (machine/paging-views.ts): a store into a view is a page-table write; an
      // access to an unmapped self-map address whose table is there maps its view. Then go on.
      if ((err === C.err.WRITE_PROT || err === C.err.READ_UNMAPPED || err === C.err.WRITE_UNMAPPED) && serveTableAccess(emu, err, calls.deadline)) {
        startAt = uc.regRead(pcId);
        continue;
      }
      // x86 with CR0.WP clear: a store into a read-only image page is made (wp-store.ts).
      if (err === C.err.WRITE_PROT && serveWpStore(emu, err, calls.deadline)) {
        startAt = uc.regRead(pcId);
        continue;
      }
      // A jump into executable nonpaged pool (exec-pool.ts): its pages become executable.
      if (err === C.err.FETCH_PROT && serveExecutablePool(emu, err)) {
        startAt = uc.regRead(pcId);
        continue;
      }
      // A privileged instruction patched at load (CR8 = IRQL, MSRs, CRs; ARM64: a UDF): serve it and go on.
      if ((err !== 0 || cpu.arch === "arm64") && emu.privileged.size) {
        const pf = uc.lastFault();
        if (pf.invalidInstruction || err === C.err.INSN_INVALID || (cpu.arch === "arm64" && pf.interrupt === 1)) {
          let next: bigint | null;
          try {
            next = servePrivileged(emu, uc.regRead(pcId));
          } catch (e) {
            if (e instanceof EmuStop) return { ok: false, fault: e.report };
            throw e;
          }
          if (next !== null) {
            startAt = next;
            continue;
          }
        }
      }
      if (err === C.err.ENGINE_ABORTED) {
        emu.broken = `the CPU emulator (Unicorn) aborted while translating guest code${label ? ` in ${label}` : ""} (an encoding it cannot handle); this emulator instance cannot run anything else`;
        return { ok: false, fault: faults.brokenReport(address) };
      }
      const rip = uc.regRead(pcId);
      const nf = uc.lastFault();
      // The budget's last slice begins: go on under the probe.
      // Only from a driver's own code or a read-only routine's thunk: stopped at another kernel
      // routine's thunk, the run could not be resumed there without calling it twice (it may have
      // run already) — the budget ends here, without a probe (and such a loop is not provable anyway).
      if (nf.timedOut && rip !== RETURN_SENTINEL && probe && !probe.on && Date.now() < calls.deadline && resumable(emu, rip)) {
        startProbe(emu, probe);
        startAt = rip;
        continue;
      }
      // The probed code read KUSER_SHARED_DATA: noted, the page readable again, the read redone.
      // (Also in a nested call made during the slice.)
      const active = calls.activeProbe;
      if (active?.on && active.kuserReadAt === undefined && (err === C.err.READ_PROT || err === C.err.WRITE_PROT) && isKuserAccess(emu, nf.address)) {
        noteKuserRead(emu, active, nf.pc ?? rip);
        startAt = nf.pc ?? rip;
        continue;
      }
      if (nf.timedOut && rip !== RETURN_SENTINEL && err === 0) return timeout(rip);
      if (err !== 0 || nf.interrupt >= 0 || nf.invalidInstruction) {
        const fault = faults.nativeFault(err, rip, nf);
        // A CPU exception Windows dispatches to the driver's handlers (__try/__except).
        // (ARM64: exception dispatch is not modelled — the CPU fault stands.)
        const exc = cpu.arch === "arm64" ? null : cpuException(fault, nf, cpu.arch === "x86");
        if (exc) {
          try {
            if (cpu.arch === "x86") emu.sehX86.dispatch(exc, emu.sehX86.currentContext(fault.ripAddress));
            else emu.seh.dispatch(exc, emu.seh.currentContext(fault.ripAddress));
          } catch (e) {
            if (e instanceof SehResume && owned(e)) {
              resume(e);
              continue;
            }
            if (e instanceof SehResume) throw e;
            if (e instanceof SehCompleted) {
              if (owns(e.esp)) return { ok: true, value: e.value };
              throw e;
            }
            if (e instanceof EmuStop) return { ok: false, fault: e.report };
            // The frames or unwind data are unreadable (a smashed stack, a broken image): the CPU fault stands.
            if (e instanceof GuestFault) return { ok: false, fault };
            throw e;
          }
        }
        return { ok: false, fault };
      }
      if (rip !== RETURN_SENTINEL) {
        if (nf.timedOut) return timeout(rip);
        const hlt = faults.byteAt(rip - 1n) === 0xf4;
        const at = hlt ? rip - 1n : rip;
        return { ok: false, fault: faults.report("cpu-exception", hlt ? `hlt instruction at ${emu.where(at)}` : `execution stopped at ${emu.where(rip)}`, at) };
      }
      if (thread?.stopped?.()) return { ok: true, value: 0n };
      const value = uc.regRead(cpu.retId(C));
      // x86 SEH: a handler that jumped into an outer call's frame (MSVC's _except_handler4 does)
      // ran that code to its end here: the outer call is the one that returned.
      if (cpu.arch === "x86" && nested) {
        const sp = uc.regRead(cpu.spId(C));
        if (!owns(sp)) throw new SehCompleted(value, sp);
      }
      const kuser = emu.system.kuserWritten();
      if (kuser >= 0) {
        const what = `ATTEMPTED_WRITE_TO_READONLY_MEMORY: KUSER_SHARED_DATA+0x${kuser.toString(16)} (read only on Windows) was written during ${label ?? emu.where(address)}`;
        return { ok: false, fault: faults.report("bugcheck", what, address, { code: "0x000000BE", address: emu.cpu.space.kuserSharedData + BigInt(kuser) }) };
      }
      if (entry) checkReturn(emu, entry, address, label, !nested);
      // System service table entries the routine changed (ssdt-table.ts; x86 and x64).
      if (cpu.arch !== "arm64") noteServiceTableWrites(emu, address);
      noteProcessListWrites(emu, address);
      if (cpu.arch === "x86" && entrySp !== undefined && args.length > 0 && !exportCall && !cdeclCallback && !thread) checkX86Pops(emu, entrySp, args.length, address, label);
      return { ok: true, value };
    }
  } finally {
    if (probe?.on) stopProbe(emu, probe);
    calls.depth--;
    calls.targets.pop();
    if (saved) calls.outerFrames.pop();
    if (saved && !emu.broken) uc.regWriteMany([...emu.gprIds, cpu.flagsId(C)], saved.slice(0, emu.gprIds.length + 1));
  }
}

/**
 * x86: the kernel calls a driver's callbacks (DriverEntry, DriverUnload, dispatch, completion and
 * DPC routines, DllInitialize, thread start routines...) as stdcall routines, which pop their
 * arguments (`ret N`); the WDK's headers declare the callback types without NTAPI and rely on the
 * WDK's x86 default /Gz (i386mk.inc). A routine that returns without popping any of them is a
 * cdecl one (compiled /Gd, or cdecl by its declaration): the kernel's stack is off by the
 * arguments' bytes after the call. Reported as a Driver Verifier warning (Driver Verifier has no
 * such check: the run goes on, with the stack this emulator resets for each call).
 */
function checkX86Pops(emu: Emulator, entrySp: bigint, argc: number, address: bigint, label: string | undefined): void {
  const sp = emu.uc.regRead(emu.cpu.spId(emu.C));
  if (sp !== entrySp + 4n) return;
  const what = label?.replace(/^callback /, "") ?? emu.where(address);
  emu.verifier.finding(emu, {
    rule: "x86-cdecl-callback",
    level: "warning",
    rip: address,
    message: `${what} returned without popping its ${4 * argc} bytes of arguments: a cdecl routine the kernel calls as stdcall (x86 WDK builds compile with /Gz; declare it with its callback type, e.g. DRIVER_DISPATCH, or NTAPI)`,
  });
}
