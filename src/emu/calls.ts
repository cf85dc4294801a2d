/**
 * Guest calls: running guest code at an address with integer arguments (MS x64 convention) on
 * the kernel stack of its nesting depth, until it returns to the sentinel, faults or runs out of
 * time. Handlers call back into the guest (completion routines, dispatch routines) as nested
 * calls; the outer frames are kept for backtraces.
 */
import type { Emulator } from "./emulator.js";
import { EmuStop, type RunResult } from "./faults.js";
import { MAX_CALL_DEPTH, RETURN_SENTINEL, stackSlot } from "./layout.js";

export class CallStack {
  /** Guest calls in progress. */
  depth = 0;
  /** Entry addresses of the guest calls in progress, innermost last (who is running, for tail calls). */
  readonly targets: bigint[] = [];
  /** Registers (GPRs, EFLAGS, RIP) at each API hook that started a nested guest call, outermost first. */
  readonly outerFrames: bigint[][] = [];
  /** Wall-clock deadline of the current top-level call (Date.now() units). */
  deadline = 0;
}

/** Call guest code at `address` with integer arguments (MS x64). Nested when called from a handler. */
export function guestCall(emu: Emulator, address: bigint, args: bigint[], label: string | undefined, timeoutMs: number): RunResult {
  const { uc, C, calls, faults } = emu;
  if (emu.broken) return { ok: false, fault: faults.brokenReport(address) };
  const depth = calls.depth;
  if (depth >= MAX_CALL_DEPTH) {
    return { ok: false, fault: faults.report("stack-overflow", `guest calls nested deeper than ${MAX_CALL_DEPTH} levels`, address) };
  }
  const nested = depth > 0;
  const saved = nested ? uc.regReadMany([...emu.gprIds, C.regs.EFLAGS, C.regs.RIP]) : null;
  if (saved) calls.outerFrames.push(saved);
  const slot = stackSlot(depth);
  const extra = Math.max(0, args.length - 4);
  const top = slot.high - 0x100n;
  const rsp = ((top - 0x20n - BigInt(8 * extra)) & ~0xfn) - 8n;
  const frame = new Uint8Array(8 + 0x20 + 8 * extra);
  const dv = new DataView(frame.buffer);
  dv.setBigUint64(0, RETURN_SENTINEL, true);
  for (let i = 4; i < args.length; i++) dv.setBigUint64(0x28 + 8 * (i - 4), BigInt.asUintN(64, args[i]!), true);
  uc.write(rsp, frame);
  const R = C.regs;
  const ids = [R.RCX, R.RDX, R.R8, R.R9, R.RSP, R.RAX, R.RBP];
  const vals = [args[0] ?? 0n, args[1] ?? 0n, args[2] ?? 0n, args[3] ?? 0n, rsp, 0n, 0n].map((v) => BigInt.asUintN(64, v));
  uc.regWriteMany(ids, vals);
  if (!nested) {
    calls.deadline = Date.now() + timeoutMs;
    uc.regWrite(R.GS_BASE, emu.system.kpcr);
    uc.regWrite(R.EFLAGS, 0x202n); // IF set, DF clear (the ABI requires DF = 0 on entry)
  }
  const budgetMs = Math.max(1, calls.deadline - Date.now());
  calls.depth++;
  calls.targets.push(address);
  const timeout = (rip: bigint): RunResult => ({
    ok: false,
    fault: faults.report("timeout", `time budget of ${timeoutMs / 1000} s exceeded${label ? ` in ${label}` : ""}`, rip),
  });
  try {
    let err: number;
    try {
      err = uc.start(address, RETURN_SENTINEL, budgetMs * 1000, 0);
    } catch (e) {
      if (e instanceof EmuStop) return { ok: false, fault: e.report };
      return { ok: false, fault: faults.report("internal", `emulator error: ${(e as Error).message}`, uc.regRead(R.RIP)) };
    }
    if (err === C.err.ENGINE_ABORTED) {
      emu.broken = `the CPU emulator (Unicorn) aborted while translating guest code${label ? ` in ${label}` : ""} (an encoding it cannot handle); this emulator instance cannot run anything else`;
      return { ok: false, fault: faults.brokenReport(address) };
    }
    const rip = uc.regRead(R.RIP);
    const nf = uc.lastFault();
    if (nf.timedOut && rip !== RETURN_SENTINEL && err === 0) return timeout(rip);
    if (err !== 0 || nf.interrupt >= 0 || nf.invalidInstruction) return { ok: false, fault: faults.nativeFault(err, rip, nf) };
    if (rip !== RETURN_SENTINEL) {
      if (nf.timedOut) return timeout(rip);
      const hlt = faults.byteAt(rip - 1n) === 0xf4;
      const at = hlt ? rip - 1n : rip;
      return { ok: false, fault: faults.report("cpu-exception", hlt ? `hlt instruction at ${emu.where(at)}` : `execution stopped at ${emu.where(rip)}`, at) };
    }
    return { ok: true, value: uc.regRead(R.RAX) };
  } finally {
    calls.depth--;
    calls.targets.pop();
    if (saved) calls.outerFrames.pop();
    if (saved && !emu.broken) uc.regWriteMany([...emu.gprIds, C.regs.EFLAGS], saved.slice(0, emu.gprIds.length + 1));
  }
}
