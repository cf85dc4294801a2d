/**
 * Privileged instructions seen through the addon's instruction hook (Engine.setInsnHook):
 *   - `in`/`out`: served from the machine model's port latches (machine/ports.ts), one `hardware`
 *     event each (kind "port"); port I/O outside the ports granted to the driver (machine/resources.ts)
 *     is a verifier finding;
 *   - `syscall`/`sysenter`: a verifier finding (kernel code has no business entering the system
 *     call path); Unicorn then goes on after the instruction;
 *   - watched sites (./watch.ts) reached: rdmsr with any MSR (served from the machine model),
 *     wrmsr (a finding, dropped), lgdt/lidt (a finding, dropped), sgdt/sidt (a warning; they run).
 * Unicorn 2.0.1 does not sync the PC before `in`/`out`, so the hook sees the start of the
 * translation block: the site named is the first matching `in`/`out` opcode from there
 * (exact unless an earlier instruction of the block holds the same byte).
 */
import type { Emulator } from "../emulator.js";
import type { PeImage } from "../../formats/pe/types.js";
import { scanWatchSites, type WatchOp } from "./watch.js";
import { instructionEvent } from "./hw-event.js";
import { msrValue, msrName, noteEntryMsr } from "./trap.js";
import { machineOf } from "../machine/state.js";
import { readPort, writePort, type PortSize } from "../machine/ports.js";
import { portGranted } from "../machine/resources.js";
import { addr64 } from "../layout.js";
import { operandAddress } from "../store-length.js";

const KIND_IN = 0, KIND_OUT = 1, KIND_SYSCALL = 2, KIND_SYSENTER = 3, KIND_WATCH = 4;

/** The `in`/`out` instruction at or after `from` matching the access (see the file comment); `from` when none is found. */
function ioSite(emu: Emulator, from: bigint, out: boolean, port: number, size: number): bigint {
  let bytes: Uint8Array;
  try {
    bytes = emu.mem.read(from, 96);
  } catch {
    return from;
  }
  const imm = out ? [0xe6, 0xe7] : [0xe4, 0xe5];
  const dx = out ? [0xee, 0xef] : [0xec, 0xed];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const wide = size > 1;
    const prefixOk = size === 2 ? i > 0 && bytes[i - 1] === 0x66 : size === 4 ? !(i > 0 && bytes[i - 1] === 0x66) : true;
    if (b === dx[wide ? 1 : 0] && prefixOk) return from + BigInt(size === 2 ? i - 1 : i);
    if (b === imm[wide ? 1 : 0] && prefixOk && i + 1 < bytes.length && bytes[i + 1] === port) return from + BigInt(size === 2 ? i - 1 : i);
  }
  return from;
}

/**
 * x86 lgdt/lidt: loaded (the 6-byte operand: 16-bit limit, 32-bit base; Intel SDM vol. 2, LGDT/
 * LIDT) and a warning. 32-bit Windows has no Kernel Patch Protection, so a driver that reloads
 * the IDT register after patching a gate (strace.sys's int 2Eh hook) or loads a copy of the
 * table works there; on x64 it is bug check 0x109 (types 2 and 3, a processor IDT / GDT) and
 * stays an error, dropped. kmdll delivers no interrupt through the table (system.ts), so the
 * register only changes what sidt/sgdt store. An operand kmdll cannot read: not handled.
 */
function loadTableX86(emu: Emulator, kind: "lgdt" | "lidt", pc: bigint): boolean {
  if (emu.cpu.arch !== "x86") return false;
  const { uc } = emu;
  let base: bigint, limit: bigint;
  try {
    const at = operandAddress(uc.read(pc, 15), pc, (n) => (n < emu.gprIds.length ? uc.regRead(emu.gprIds[n]!) : 0n), true);
    if (at === null) return false;
    const b = emu.mem.read(at, 6);
    limit = BigInt(b[0]! | (b[1]! << 8));
    base = BigInt((b[2]! | (b[3]! << 8) | (b[4]! << 16) | (b[5]! << 24)) >>> 0);
  } catch {
    return false;
  }
  if (kind === "lidt") uc.setIdtr?.(base, limit);
  else uc.setGdtr(base, limit);
  emu.verifier.finding(emu, {
    rule: "privileged-descriptor-table-load",
    level: "warning",
    message: `${kind} at ${emu.where(pc)}: the ${kind === "lgdt" ? "GDT" : "IDT"} register loaded with base ${addr64(base)}, limit 0x${limit.toString(16)}; done, as on 32-bit Windows (no PatchGuard on x86; on x64 it is CRITICAL_STRUCTURE_CORRUPTION 0x109)`,
    rip: pc,
  });
  return true;
}

export class InstructionHooks {
  /** Watched addresses (./watch.ts) → the instruction that would start there. */
  readonly watched = new Map<bigint, WatchOp>();
  /** The engine holds the hook weakly; this object keeps it alive. */
  private readonly fn: (kind: number, pc: bigint, port: bigint, size: number, value: bigint) => bigint | number | undefined;
  readonly available: boolean;

  constructor(private readonly emu: Emulator) {
    this.fn = (kind, pc, port, size, value) => this.onInsn(kind, pc, port, size, value);
    // x86 instructions only (in/out, syscall, rdmsr...): nothing to watch on ARM64.
    this.available = typeof emu.uc.setInsnHook === "function" && emu.cpu.arch !== "arm64";
    if (this.available) emu.uc.setInsnHook!(this.fn);
  }

  /** Watch the candidate sites of an image just mapped at `base` (its bytes as laid out, after patching). */
  watchImage(name: string, base: bigint, image: PeImage, mem: Uint8Array): void {
    if (!this.available) return;
    const { sites, dropped } = scanWatchSites(image, mem, this.emu.cpu.arch === "x64");
    for (const [rva, op] of sites) {
      const a = base + BigInt(rva);
      this.watched.set(a, op);
      this.emu.uc.watchCode!(a);
    }
    if (dropped) this.emu.emit({ event: "warning", module: name, message: `${name}: ${dropped} more possible rdmsr/wrmsr/lgdt/lidt sites than the ${sites.size} watched; those are not observed`, rule: "privileged-watch-limit" });
  }

  /** Stop watching an unmapped image's range. */
  unwatchRange(base: bigint, size: number): void {
    if (!this.available) return;
    const end = base + BigInt(size);
    for (const a of [...this.watched.keys()]) {
      if (a < base || a >= end) continue;
      this.watched.delete(a);
      this.emu.uc.unwatchCode!(a);
    }
  }

  private onInsn(kind: number, pc: bigint, port: bigint, size: number, value: bigint): bigint | number | undefined {
    const emu = this.emu;
    switch (kind) {
      case KIND_IN:
      case KIND_OUT: {
        const p = Number(port & 0xffffn);
        const sz = (size === 2 || size === 4 ? size : 1) as PortSize;
        const site = ioSite(emu, pc, kind === KIND_OUT, p, sz);
        const st = machineOf(emu.kernel);
        const v = kind === KIND_IN ? readPort(st, p, sz) : writePort(st, p, sz, Number(value & 0xffffffffn));
        instructionEvent(emu, "port", kind === KIND_IN ? "read" : "write", p, sz, v, site);
        this.checkPort(site, p, sz, kind === KIND_IN ? "in" : "out");
        return kind === KIND_IN ? v : undefined;
      }
      case KIND_SYSCALL:
      case KIND_SYSENTER: {
        const what = kind === KIND_SYSCALL ? "syscall" : "sysenter";
        emu.verifier.finding(emu, {
          rule: "privileged-syscall",
          message: `${what} at ${emu.where(pc)}: kernel-mode code entering the system-call path (the user-mode entry, IA32_LSTAR / SYSENTER_EIP); ignored`,
          rip: pc,
        });
        return undefined;
      }
      case KIND_WATCH:
        return this.onWatched(pc);
    }
    return undefined;
  }

  private checkPort(site: bigint, port: number, size: number, what: string): void {
    const emu = this.emu;
    const mod = emu.moduleAt(site);
    if (!mod || mod.builtin) return;
    const g = portGranted(emu.kernel, mod.name, port, size);
    if (g === "granted") return;
    const text = `${what} ${size === 1 ? "byte" : size === 2 ? "word" : "dword"} port 0x${port.toString(16)} at ${emu.where(site)}`;
    if (g === "outside")
      emu.verifier.finding(emu, { rule: "port-io-outside-resources", message: `${text}: outside the I/O port ranges assigned to ${mod.name}`, rip: site });
    else
      emu.verifier.finding(emu, {
        rule: "port-io-outside-resources",
        level: "warning",
        message: `${text}: ${mod.name} was assigned no I/O port resources (a legacy driver, or resources the run did not model)`,
        rip: site,
      });
  }

  private onWatched(pc: bigint): undefined {
    const emu = this.emu;
    const op = this.watched.get(pc);
    if (!op) return undefined;
    const { uc, C } = emu;
    const [rax, rcx, rdx] = [emu.gprIds[0]!, emu.gprIds[1]!, emu.gprIds[2]!];
    const pcId = emu.cpu.pcId(C);
    switch (op.kind) {
      case "rdmsr": {
        const msr = Number(uc.regRead(rcx) & 0xffffffffn);
        const v = msrValue(emu, msr);
        emu.emit({
          event: "warning",
          message: `rdmsr of MSR ${msrName(msr)} (computed) at ${emu.where(pc)}: ${v === undefined ? "not in the machine model, reads 0" : `machine model value ${addr64(v)}`}`,
          rule: "privileged-rdmsr",
        });
        noteEntryMsr(emu, msr, v, pc);
        const x = v ?? 0n;
        instructionEvent(emu, "msr", "read", msr, 8, x, pc);
        uc.regWriteMany([rax, rdx], [x & 0xffffffffn, (x >> 32n) & 0xffffffffn]);
        break;
      }
      case "wrmsr": {
        const msr = Number(uc.regRead(rcx) & 0xffffffffn);
        const x = ((uc.regRead(rdx) & 0xffffffffn) << 32n) | (uc.regRead(rax) & 0xffffffffn);
        instructionEvent(emu, "msr", "write", msr, 8, x, pc);
        emu.verifier.finding(emu, {
          rule: "privileged-wrmsr",
          message: `wrmsr to MSR ${msrName(msr)} (computed) at ${emu.where(pc)} (value ${addr64(x)}): a driver changing processor state it does not own; dropped`,
          rip: pc,
        });
        break;
      }
      case "lgdt":
      case "lidt":
        if (loadTableX86(emu, op.kind, pc)) break;
        emu.verifier.finding(emu, {
          rule: "privileged-descriptor-table-load",
          message: `${op.kind} at ${emu.where(pc)}: a driver loading the ${op.kind === "lgdt" ? "global" : "interrupt"} descriptor table register; dropped`,
          rip: pc,
        });
        break;
      case "sgdt":
      case "sidt":
        emu.verifier.finding(emu, {
          rule: "privileged-descriptor-table-read",
          level: "warning",
          message: `${op.kind} at ${emu.where(pc)}: reads the ${op.kind === "sgdt" ? "GDT" : "IDT"} register (the emulator's value; drivers use it to find or hook kernel tables)`,
          rip: pc,
        });
        return undefined; // runs as is
    }
    uc.regWrite(pcId, pc + BigInt(op.length));
    return undefined;
  }
}
