/**
 * Context-switched system threads (docs/emulator.md, "Scheduler"): each thread the driver
 * creates runs on a kernel stack of its own, and its CPU registers are saved when it blocks, so
 * that a long-lived worker (a loop of waits) can be parked and resumed later.
 *
 * The emulator has one host call stack, so a thread runs as a guest call started by the
 * scheduler (from a scheduling point of the flow that is running: a wait, a delay, the idle pass
 * after a top-level call) and ends that call when it blocks: its wait handler saves the
 * registers at the API call, then points the stack at the return sentinel so that the routine's
 * own `ret` ends the guest call normally. (The engine is never stopped from inside a hook to
 * switch: with Unicorn 2.0.1, a real driver's outer run went on after such an inner stop with its
 * API hooks skipped — the kernel routines it called next simply returned.) Resuming writes the registers back, returns from the kernel routine (the value goes to
 * RAX/EAX, the stub's `ret`/`ret N` is done here) and starts the engine there. A thread can only
 * be parked at its own top level (no kernel routine of the host in between); a wait inside a
 * nested callback keeps the thread running and runs the others from there instead.
 */
import type { Emulator } from "./emulator.js";
import type { ApiContext, ThreadCpu, ThreadHost, ThreadSlice } from "./api/types.js";
import type { FaultReport } from "./faults.js";
import { GuestFault } from "./memory.js";
import { liveThreads, queuedWork, runIdle } from "./sched/index.js";
import { guestCall } from "./calls.js";
import { EmuStop } from "./faults.js";
import { KTHREAD_APCSTATE_PROCESS, KTHREAD_PROCESS, GS_CURRENT_THREAD, X86_KPCR, X86_KTHREAD_APCSTATE_PROCESS, X86_KTHREAD_PROCESS } from "./system.js";
import { STACK_SIZE } from "./layout.js";

/** Thread stacks start this far above the per-depth call stacks; one 128 KiB slot (64 KiB mapped, the rest guard) each. */
const THREAD_STACKS_OFFSET = 0x1000000n;
const THREAD_STACK_STRIDE = 0x20000n;
/** Threads alive at once (each holds a stack). */
export const MAX_THREADS = 64;

export function threadHost(emu: Emulator): ThreadHost {
  const free: number[] = [];
  const mapped = new Set<number>();
  let nextSlot = 0;
  const stackOf = (slot: number) => {
    const low = emu.cpu.space.stacksBase + THREAD_STACKS_OFFSET + THREAD_STACK_STRIDE * BigInt(slot) + (THREAD_STACK_STRIDE - BigInt(STACK_SIZE));
    return { low, high: low + BigInt(STACK_SIZE) };
  };
  return {
    maxThreads: MAX_THREADS,
    depth: () => emu.calls.depth,
    run(t: ThreadCpu, label: string): ThreadSlice {
      if (t.slot === undefined) {
        const slot = free.shift() ?? (nextSlot < MAX_THREADS ? nextSlot++ : -1);
        if (slot < 0) throw new EmuStop(emu.report("internal", `more than ${MAX_THREADS} system threads alive at once (the emulator's limit)`, t.start));
        if (!mapped.has(slot)) {
          // Over JS memory when the addon can, as the per-depth stacks (the API hook reads [SP] there directly).
          if (emu.C.features?.includes("mapHost")) emu.uc.mapHost(stackOf(slot).low, new ArrayBuffer(STACK_SIZE), 3);
          else emu.uc.mapMemory(stackOf(slot).low, STACK_SIZE, 3);
          mapped.add(slot);
        }
        t.slot = slot;
      }
      const stack = stackOf(t.slot);
      // The depth the thread's own code runs at: a wait there can park it.
      t.depth = emu.calls.depth + 1;
      const resume = t.saved ? { regs: t.saved.regs, pc: t.saved.pc } : undefined;
      t.saved = undefined;
      t.switched = undefined;
      const r = guestCall(emu, t.start, t.args ?? [t.arg], label, emu.options.timeoutMs, false, undefined, { stack, resume, stopped: () => t.switched !== undefined });
      if (!r.ok) throw new EmuStop(r.fault);
      return t.switched === "park" ? { kind: "parked" } : { kind: "exited", value: r.value };
    },
    park(t: ThreadCpu, exit: boolean): void {
      const { uc, C, cpu } = emu;
      const ids = [...emu.gprIds, cpu.flagsId(C)];
      const regs = uc.regReadMany([...ids, cpu.pcId(C)]);
      const pc = regs.pop()!;
      if (cpu.returnInLr) {
        // ARM64: the stub is a RET to X30 (LR); SP is the last GPR. Resuming returns to LR with
        // every register as it was (no stack arguments to pop); the RET now goes to the sentinel.
        const lr = emu.gprIds[30]!;
        const sp = regs[emu.gprIds.length - 1]!;
        if (!exit) t.saved = { regs: [...regs], pc: regs[30]! };
        uc.regWrite(lr, cpu.space.returnSentinel);
        uc.regWrite(cpu.spId(C), (sp - 0x100n) & ~0xfn);
        t.switched = exit ? "exit" : "park";
        return;
      }
      const sp = regs[4]!;
      if (!exit) {
        // At the API hook: PC = the routine's stub, [SP] = the return address. Resuming returns
        // from the routine as its stub would (x86 stdcall `ret N` pops the arguments too).
        const stub = uc.read(pc, 3);
        const pop = stub[0] === 0xc2 ? stub[1]! | (stub[2]! << 8) : 0;
        regs[4] = sp + BigInt(cpu.ptrSize + pop);
        t.saved = { regs, pc: emu.readPtr(sp) };
      }
      // The stub's return goes to the sentinel, below everything the thread has on its stack.
      const out = (sp - 0x100n) & ~0xfn;
      emu.writePtr(out, cpu.space.returnSentinel);
      uc.regWrite(cpu.spId(C), out);
      t.switched = exit ? "exit" : "park";
    },
    resumeValue(t: ThreadCpu, value: bigint): void {
      if (!t.saved) return;
      // RAX (x64) / EAX (x86) is the first register of the saved set.
      t.saved.regs[0] = emu.cpu.ptrSize === 4 ? BigInt.asUintN(32, value) : BigInt.asUintN(64, value);
    },
    release(t: ThreadCpu): void {
      if (t.slot !== undefined) free.push(t.slot);
      t.slot = undefined;
    },
    setCurrentThread(kthread: bigint): void {
      emu.kernel.currentThread = kthread;
      if (emu.cpu.arch === "x86") emu.mem.setU32(emu.system.kpcr + BigInt(X86_KPCR.CurrentThread), Number(kthread));
      else emu.mem.setU64(emu.system.kpcr + BigInt(GS_CURRENT_THREAD), kthread);
    },
    initThread(kthread: bigint): void {
      const p = emu.system.process;
      if (emu.cpu.arch === "x86") {
        emu.mem.setU32(kthread + BigInt(X86_KTHREAD_APCSTATE_PROCESS), Number(p));
        emu.mem.setU32(kthread + BigInt(X86_KTHREAD_PROCESS), Number(p));
      } else {
        emu.mem.setU64(kthread + BigInt(KTHREAD_APCSTATE_PROCESS), p);
        emu.mem.setU64(kthread + BigInt(KTHREAD_PROCESS), p);
      }
    },
    mainThread: () => emu.system.thread,
  };
}

/** An ApiContext for the scheduler when no kernel routine is in progress (the idle pass). */
function hostContext(emu: Emulator): ApiContext {
  return {
    api: "ntoskrnl.exe!KiIdleLoop",
    arg: () => 0n,
    u32: () => 0,
    i32: () => 0,
    hi32: () => 0,
    mem: emu.mem,
    pool: { allocate: () => 0n, free: () => {} },
    caller: null,
    callGuest: (a, args) => {
      const r = emu.call(a, args, `callback ${emu.where(a)}`);
      if (!r.ok) throw new EmuStop(r.fault);
      return r.value;
    },
    describe: () => {},
    dbgPrint: () => {},
    warn: (message, extra) => emu.emit({ event: "warning", message, ...extra }),
    fault: (kind, message, extra) => {
      throw new EmuStop(emu.report(kind, message, emu.uc.regRead(emu.cpu.pcId(emu.C)), extra ?? {}));
    },
    kernel: emu.kernel,
  };
}

const idling = new WeakSet<Emulator>();

/**
 * After a top-level call returned: the system threads that are ready (new, or woken by what the
 * call signaled) run until each ends or blocks again. A fault in one is the call's outcome.
 */
export function idlePass(emu: Emulator): FaultReport | null {
  if (idling.has(emu) || emu.calls.depth !== 0 || emu.broken) return null;
  const ctx = hostContext(emu);
  if (!liveThreads(ctx).length && !queuedWork(ctx)) return null;
  idling.add(emu);
  try {
    runIdle(ctx);
    return null;
  } catch (e) {
    if (e instanceof EmuStop) return e.report;
    if (e instanceof GuestFault) return emu.report(e.access === "read" ? "invalid-read" : "invalid-write", `${e.message} in the scheduler`, 0n, { address: e.address });
    throw e;
  } finally {
    idling.delete(emu);
  }
}
