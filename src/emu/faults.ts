/**
 * Fault reports: what stopped a guest call (CPU exception, wild access, stack overflow, pool
 * misuse, use after free), with the registers and a backtrace unwound through the images'
 * .pdata — across nested guest calls made by API handlers.
 */
import type { FaultKind } from "../events.js";
import type { NativeEngine } from "./native.js";
import type { Emulator } from "./emulator.js";
import type { PoolProblem } from "./pool.js";
import type { ModuleMap } from "./module-map.js";
import { tagText } from "./pool.js";
import { unwindOne } from "./unwind.js";
import { arm64Trap, backtraceArm64 } from "./arm64-faults.js";
import { specialPoolFault, specialPoolProblem } from "./verifier/special-report.js";
import { modelGapsOf } from "./machine/gaps.js";
import { MAX_CALL_DEPTH, STACK_SIZE, addr64, stackSlot } from "./layout.js";

export interface FaultReport {
  kind: FaultKind;
  message: string;
  /** Module the fault happened in (or that called the API), if any. */
  module?: string;
  /** "mydriver.sys+0x1023" or the raw address. */
  rip: string;
  ripAddress: bigint;
  /** Nearest export of the module at RIP, "LoadPrinterDriver+0x13". */
  symbol?: string;
  /** The faulting data/fetch address. */
  address?: bigint;
  api?: string;
  registers: Record<string, string>;
  backtrace: string[];
  extra?: Record<string, unknown>;
}

export type RunResult = { ok: true; value: bigint } | { ok: false; fault: FaultReport };

/** Thrown inside the emulator to stop the current run with a report (crosses the native hook). */
export class EmuStop extends Error {
  constructor(readonly report: FaultReport) {
    super(report.message);
    this.name = "EmuStop";
  }
}

const GAP_SENSITIVE = new Set<FaultKind>(["invalid-read", "invalid-write", "invalid-fetch", "cpu-exception"]);

export const GPR = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"] as const;

/** __fastfail codes (winnt.h). */
const FAST_FAIL: Record<number, string> = {
  0: "FAST_FAIL_LEGACY_GS_VIOLATION", 1: "FAST_FAIL_VTGUARD_CHECK_FAILURE", 2: "FAST_FAIL_STACK_COOKIE_CHECK_FAILURE", 3: "FAST_FAIL_CORRUPT_LIST_ENTRY",
  4: "FAST_FAIL_INCORRECT_STACK", 5: "FAST_FAIL_INVALID_ARG", 6: "FAST_FAIL_GS_COOKIE_INIT", 7: "FAST_FAIL_FATAL_APP_EXIT", 8: "FAST_FAIL_RANGE_CHECK_FAILURE",
  10: "FAST_FAIL_GUARD_ICALL_CHECK_FAILURE",
};

const INTERRUPT_NAMES: Record<number, string> = {
  0: "divide error (#DE)", 1: "debug trap", 3: "breakpoint (int3)", 4: "overflow (#OF)", 5: "bound range (#BR)", 6: "invalid opcode (#UD)",
  13: "general protection fault (#GP)", 14: "page fault (#PF)", 0x29: "__fastfail (int 0x29)", 0x2c: "assertion failure (int 0x2c)", 0x2d: "debug service (int 0x2d)",
};

export class FaultReporter {
  constructor(private readonly emu: Emulator) {}

  /** Build a fault report from the current CPU state. */
  report(kind: FaultKind, message: string, rip: bigint, extra: Record<string, unknown> = {}): FaultReport {
    // The driver used machine state kmdll does not model (machine/gaps.ts: x86 CR3, ARM64 TTBRs, the
    // page-table view limit): a CPU fault after that is most likely the made-up value at work —
    // kmdll's gap, not the driver's crash.
    const gaps = modelGapsOf(this.emu.kernel);
    if (gaps.length && GAP_SENSITIVE.has(kind)) {
      message = `kmdll does not model ${gaps.join("; ")}: ${message} (the driver went on with a value kmdll made up)`;
      kind = "emulator-gap";
    }
    const { uc, C, map, thunks, cpu } = this.emu;
    const names = cpu.gprNames;
    const regsV = uc.regReadMany([...this.emu.gprIds, cpu.pcId(C), cpu.flagsId(C)]);
    // Reported at an API thunk on behalf of its caller: the return address has not been popped yet.
    if (rip !== regsV[names.length] && !cpu.returnInLr) {
      const t = thunks.get(regsV[names.length]!);
      if (t) regsV[4] = regsV[4]! + BigInt(cpu.ptrSize);
    }
    const registers: Record<string, string> = {};
    const show = (v: bigint) => (cpu.ptrSize === 4 ? "0x" + BigInt.asUintN(32, v).toString(16).padStart(8, "0") : addr64(v));
    names.forEach((r, i) => (registers[r] = show(regsV[i]!)));
    registers[cpu.pcName] = show(rip);
    registers.EFLAGS = "0x" + regsV[names.length + 1]!.toString(16);
    const mod = map.moduleAt(rip);
    const { address, api, ...rest } = extra as { address?: bigint; api?: string } & Record<string, unknown>;
    // The driver's own faulting instruction: its first bytes (up to 15, an x86 instruction's maximum), for llvm-objdump / triage reports.
    if (api === undefined && mod && !mod.builtin && rest["instructionBytes"] === undefined) {
      let n = 15;
      while (n > 0 && !this.emu.mem.isMapped(rip, n)) n--;
      if (n > 0) rest["instructionBytes"] = [...this.emu.mem.read(rip, n)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    }
    return {
      kind,
      message,
      module: mod?.name,
      rip: map.where(rip),
      ripAddress: rip,
      symbol: map.nearestExport(rip),
      address,
      api,
      registers,
      backtrace: this.backtrace(rip, regsV.slice(0, names.length)),
      extra: Object.keys(rest).length ? rest : undefined,
    };
  }

  /** Frames from RIP outward, unwound with the images' .pdata. */
  backtrace(rip: bigint, regs: bigint[]): string[] {
    const { mem, map, thunks, calls, cpu } = this.emu;
    if (cpu.arch === "x86") return this.backtraceX86(rip, regs);
    if (cpu.arch === "arm64") return backtraceArm64(this.emu, rip, regs);
    const RETURN_SENTINEL = cpu.space.returnSentinel;
    const GPR = cpu.gprNames;
    const out: string[] = [];
    let r = [...regs];
    let pc = rip;
    // Nested guest calls: when a frame returns to the sentinel, continue in the code that called
    // the API whose handler made the nested call.
    let outer = calls.outerFrames.length;
    for (let i = 0; i < 48; i++) {
      if (pc === RETURN_SENTINEL) {
        if (outer === 0) break;
        const f = calls.outerFrames[--outer]!;
        const thunk = thunks.get(f[GPR.length + 1]!);
        out.push(`${thunk ? `${thunk.module.replace(/\.(exe|dll|sys)$/i, "")}!${thunk.name}` : map.where(f[GPR.length + 1]!)} (kernel, called back into the driver)`);
        r = f.slice(0, GPR.length);
        try {
          pc = mem.u64(r[4]!);
        } catch {
          break;
        }
        r[4] = r[4]! + 8n;
        continue;
      }
      const sym = map.nearestExport(pc);
      out.push(`${map.where(pc)}${sym ? ` (${sym})` : ""}`);
      const mod = map.moduleAt(pc);
      const m = mod && !mod.builtin ? mod : null;
      const before = [...r];
      let f = unwindOne(mem, m, r, pc);
      if (!f && i === 0 && m) {
        // A stack overflow faults with RSP already in the guard, typically right after the
        // prolog's allocation: unwind as if the whole prolog had run.
        r = before;
        f = unwindOne(mem, m, r, pc, true);
      }
      if (!f || f.rip === 0n) break;
      pc = f.rip;
    }
    return out;
  }

  /**
   * x86: no .pdata; frames follow the EBP chain ([ebp] = caller's EBP, [ebp+4] = return address)
   * as long as it stays on the stack and returns into a module (code built without frame
   * pointers shows its innermost frame only).
   */
  private backtraceX86(eip: bigint, regs: bigint[]): string[] {
    const { map, cpu } = this.emu;
    const out: string[] = [];
    const name = (pc: bigint) => {
      const sym = map.nearestExport(pc);
      return `${map.where(pc)}${sym ? ` (${sym})` : ""}`;
    };
    out.push(name(eip));
    let ebp = regs[5] ?? 0n;
    const esp = regs[4] ?? 0n;
    // A leaf without a frame pointer (the common case of a fault): its return address is at [ESP]
    // when the bytes before it are a call instruction.
    try {
      const ret = this.emu.readPtr(esp);
      if (ret !== cpu.space.returnSentinel && map.moduleAt(ret) && this.isCallBefore(ret) && ret !== this.emu.readPtr(ebp + 4n)) out.push(name(ret));
    } catch {
      // [ESP] or [EBP+4] unreadable: the EBP chain below decides.
    }
    for (let i = 0; i < 32 && ebp > esp && ebp - esp < 0x100000n; i++) {
      let next: bigint;
      let ret: bigint;
      try {
        next = this.emu.readPtr(ebp);
        ret = this.emu.readPtr(ebp + 4n);
      } catch {
        break;
      }
      if (ret === cpu.space.returnSentinel || !map.moduleAt(ret)) break;
      out.push(name(ret));
      if (next <= ebp) break;
      ebp = next;
    }
    return out;
  }

  /** Whether the instruction ending at `ret` is a call (E8 rel32, FF /2 with a register, [reg+disp8] or [disp32] operand). */
  private isCallBefore(ret: bigint): boolean {
    const b = (k: number) => this.byteAt(ret - BigInt(k));
    if (b(5) === 0xe8) return true;
    if (b(6) === 0xff && b(5) === 0x15) return true;
    if (b(2) === 0xff && ((b(1) ?? 0) & 0xf8) === 0xd0) return true;
    if (b(3) === 0xff && ((b(2) ?? 0) & 0xf8) === 0x50) return true;
    return false;
  }

  /** The report every call gets once Unicorn has aborted. */
  brokenReport(address: bigint): FaultReport {
    return { kind: "internal", message: this.emu.broken!, rip: this.emu.map.where(address), ripAddress: address, registers: {}, backtrace: [] };
  }

  byteAt(a: bigint): number | null {
    try {
      return this.emu.mem.u8(a);
    } catch {
      return null;
    }
  }

  /** The address of the trapping instruction that raised `intno` (RIP is after it). */
  private trapInstruction(rip: bigint, intno: number): bigint {
    if (intno === 3 && this.byteAt(rip - 1n) === 0xcc) return rip - 1n;
    if (this.byteAt(rip - 2n) === 0xcd && this.byteAt(rip - 1n) === intno) return rip - 2n;
    return rip;
  }

  /** A report for what stopped Unicorn (memory fault, interrupt, invalid instruction). */
  nativeFault(err: number, rip: bigint, nf: ReturnType<NativeEngine["lastFault"]>): FaultReport {
    const { C, map } = this.emu;
    const M = C.mem;
    if (nf.memType !== undefined && nf.address !== undefined) {
      const a = nf.address;
      const freed = this.emu.scratch.freedAt(a, Math.max(1, nf.size ?? 1));
      const access = nf.memType === M.READ_UNMAPPED || nf.memType === M.READ_PROT ? "read" : nf.memType === M.WRITE_UNMAPPED || nf.memType === M.WRITE_PROT ? "write" : "fetch";
      if (freed) return this.report("use-after-free", `use after free: ${access} of ${nf.size} byte(s) at ${addr64(a)} (${freed}) at ${map.where(rip)}`, rip, { address: a });
      const special = specialPoolFault(this.emu, a, access, nf.size ?? 1, nf.pc ?? rip);
      if (special) return special;
      const prot = nf.memType === M.READ_PROT || nf.memType === M.WRITE_PROT || nf.memType === M.FETCH_PROT;
      const pageable = prot ? this.emu.pageable.fault(a, access, nf.size ?? 1, nf.pc ?? rip) : null;
      if (pageable) return pageable;
      for (let d = 0; d < MAX_CALL_DEPTH; d++) {
        const s = stackSlot(d, this.emu.cpu.space.stacksBase);
        if (a >= s.guardLow && a < s.low && access !== "fetch")
          return this.report("stack-overflow", `stack overflow: ${access} at ${addr64(a)} in the guard below the ${STACK_SIZE / 1024} KiB kernel stack at ${map.where(rip)}`, rip, { address: a });
      }
      // One frame larger than the whole stack: RSP itself already lies below the current stack
      // (past the guard), and the access is at or just below RSP.
      const depth = this.emu.calls.depth;
      if (access !== "fetch" && depth > 0) {
        const s = stackSlot(depth - 1, this.emu.cpu.space.stacksBase);
        const rsp = this.emu.uc.regRead(this.emu.cpu.spId(C));
        if (rsp < s.low && s.low - rsp <= 0x10000000n && a + 0x1000n >= rsp && a < s.low)
          return this.report("stack-overflow", `stack overflow: a frame of ${s.high - rsp} bytes or more exceeds the ${STACK_SIZE / 1024} KiB kernel stack (${access} at ${addr64(a)}) at ${map.where(rip)}`, rip, { address: a });
      }
      const kind: FaultKind = access === "read" ? "invalid-read" : access === "write" ? "invalid-write" : "invalid-fetch";
      const what = access === "fetch" ? `invalid fetch: jump to ${addr64(a)}` : `invalid ${access} of ${nf.size} byte(s) at ${addr64(a)}`;
      const protText = prot ? " (protection)" : "";
      if (access === "fetch" && !map.moduleAt(a)) {
        // A call through a wild pointer: the return address on the stack names the call site.
        const site = this.callSiteOnStack();
        if (site) {
          const r = this.report(kind, `${what}${protText} (called from ${site.text})`, rip, { address: a });
          return { ...r, module: r.module ?? site.module };
        }
      }
      const beside = access === "read" ? besideBuiltin(map, a) : "";
      const text = beside || this.emu.cpu.arch !== "x64" ? null : textAddress(a);
      // besideBuiltin: structured too (`outsideBuiltin`), for scripts telling a dependency on Windows' code from a crash.
      return this.report(kind, `${what}${protText} at ${map.where(rip)}${beside}${text?.note ?? ""}`, rip, { address: a, ...(beside ? { outsideBuiltin: true } : {}), ...(text ? { textPointer: text.source } : {}) });
    }
    if (nf.interrupt >= 0 && this.emu.cpu.arch === "arm64") {
      const t = arm64Trap(this.emu, rip, nf.interrupt);
      return this.report("cpu-exception", `${t.text} at ${map.where(t.at)}`, t.at, { interrupt: nf.interrupt });
    }
    if (nf.interrupt >= 0) {
      let n = INTERRUPT_NAMES[nf.interrupt] ?? `interrupt 0x${nf.interrupt.toString(16)}`;
      if (nf.interrupt === 0x29) {
        // __fastfail(code): the code is in ECX (winnt.h FAST_FAIL_*); Windows bugchecks KERNEL_SECURITY_CHECK_FAILURE (0x139).
        const code = Number(this.emu.uc.regRead(this.emu.cpu.regId(this.emu.C, "RCX")) & 0xffffffffn);
        n += ` code ${code}${FAST_FAIL[code] ? ` (${FAST_FAIL[code]})` : ""}, KERNEL_SECURITY_CHECK_FAILURE (0x139)`;
      }
      // Software interrupts are traps (RIP is past the instruction): report the instruction itself.
      const at = this.trapInstruction(rip, nf.interrupt);
      return this.report("cpu-exception", `${n} at ${map.where(at)}`, at, { interrupt: nf.interrupt });
    }
    if (nf.invalidInstruction || err === C.err.INSN_INVALID) return this.report("cpu-exception", `invalid instruction at ${map.where(rip)}`, rip);
    return this.report("cpu-exception", `emulation error ${err} at ${map.where(rip)}`, rip);
  }

  /** At a routine's entry: the return address its caller left at [SP] (x64, x86) or in LR (ARM64). */
  returnAddress(): bigint {
    const { uc, C, cpu } = this.emu;
    if (cpu.returnInLr) return uc.regRead(C.regsArm64.X30!);
    return this.emu.readPtr(uc.regRead(cpu.spId(C)));
  }

  /** The driver return address at [RSP], if any (the caller of a call that just jumped somewhere wild). */
  private callSiteOnStack(): { module: string; text: string } | null {
    const { mem, map, uc, C } = this.emu;
    try {
      void mem;
      const ret = this.returnAddress();
      const m = map.moduleAt(ret);
      if (!m || m.builtin) return null;
      return { module: m.name, text: map.where(ret) };
    } catch {
      return null;
    }
  }

  /** Pool misuse found by the allocator: a warning (tag mismatch) or a stop (double/foreign free). */
  poolProblem(p: PoolProblem): void {
    const { mem, uc, C, pool } = this.emu;
    if (p.kind === "special-fallback") return specialPoolProblem(this.emu, p, 0n);
    const site = p.site ?? "(unknown)";
    if (p.kind === "tag-mismatch") {
      this.emu.emit({
        event: "warning",
        message: `ExFreePoolWithTag: tag '${tagText(p.tag)}' does not match the allocation's tag '${tagText(p.block.tag)}' at ${addr64(p.address)} (freed from ${site})`,
        address: addr64(p.address),
      });
      return;
    }
    // Called from ExFreePool* at its thunk: the caller's address is at [rsp].
    void mem;
    const retAddr = this.returnAddress();
    if (p.kind === "special-corruption") return specialPoolProblem(this.emu, p, retAddr);
    if (p.kind === "double-free") {
      throw new EmuStop(
        this.report("double-free", `double free of pool block ${addr64(p.address)} (tag '${tagText(p.block.tag)}', ${p.block.size} bytes, allocated at ${p.block.site ?? "?"}) from ${site}`, retAddr, { address: p.address, tag: tagText(p.block.tag) }),
      );
    }
    const inside = p.inside ? ` (inside the '${tagText(p.inside.tag)}' block at ${addr64(p.inside.address)})` : pool.inPool(p.address) ? "" : " (not a pool address)";
    throw new EmuStop(this.report("foreign-free", `free of a pointer that is not a pool allocation: ${addr64(p.address)}${inside} from ${site}`, retAddr, { address: p.address }));
  }
}

/** The service key path the loader passes every service's DriverEntry (kernel/…: RegistryPath). */
const SERVICES_PATH = "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\";

/**
 * A non-canonical x64 address whose upper three 16-bit units are printable ASCII is UTF-16 text
 * read as a pointer (the lowest unit may carry a field offset added to it). When that text is part
 * of the services key path, the pointer came out of DriverEntry's RegistryPath string: the image
 * treats its second argument as a structure — the contract of a crash-dump port driver, whose
 * DriverEntry crashdmp.sys calls with a DUMP_INITIALIZATION_CONTEXT (wdm.h, ntddscsi.h), not a
 * service the Service Control Manager starts (three Avast dump drivers of the GitHub set, docs/qa.md
 * session 12). null when the address is not text.
 */
export function textAddress(a: bigint): { note: string; source: "registry-path" | "text" } | null {
  if (a >> 47n === 0n || a >> 47n === 0x1ffffn) return null;
  const units = [48n, 32n, 16n].map((s) => Number((a >> s) & 0xffffn));
  if (!units.every((u) => u >= 0x20 && u < 0x7f)) return null;
  const chars = units.reverse().map((u) => String.fromCharCode(u)).join("");
  if (SERVICES_PATH.toLowerCase().includes(chars.toLowerCase()))
    return {
      source: "registry-path",
      note: ` (the address is UTF-16 text "${chars}" of the services key path: the driver took a pointer out of DriverEntry's RegistryPath string, reading its second argument as a structure — as a crash-dump port driver does, whose DriverEntry crashdmp.sys calls with a DUMP_INITIALIZATION_CONTEXT; started as a service on Windows, it crashes the same way)`,
    };
  return { source: "text", note: ` (the address is UTF-16 text "${chars}" read as a pointer)` };
}

/** How far around a built-in module's image a read counts as running off it (a scan's stride is far smaller). */
const BESIDE_BUILTIN = 0x10000n;

/**
 * A read just outside one of kmdll's synthetic built-in images (ntoskrnl.exe, win32k.sys...):
 * drivers that search the real module's code for a byte pattern (an unexported routine, an
 * instruction) find nothing in an image that carries only export thunks, and their loop runs off
 * its end or start. The report says so: a dependency on Windows' own code, not a crash Windows
 * would have (docs/qa.md, helper "fresh2": three held-out drivers). "" otherwise.
 */
export function besideBuiltin(map: ModuleMap, a: bigint): string {
  for (const m of map.modules.values()) {
    if (!m.builtin) continue;
    const end = m.base + BigInt(m.size);
    if (a >= end && a < end + BESIDE_BUILTIN) return ` (${a - end} bytes past the end of kmdll's synthetic ${m.name} image: built-in modules carry export thunks, not Windows' code, so a driver scanning the real ${m.name}'s code for a byte pattern runs off it)`;
    if (a < m.base && a >= m.base - BESIDE_BUILTIN) return ` (${m.base - a} bytes before kmdll's synthetic ${m.name} image: built-in modules carry export thunks, not Windows' code, so a driver scanning the real ${m.name}'s code for a byte pattern runs off it)`;
  }
  return "";
}
