/**
 * Serving the privileged instructions patched at load (./privileged.ts) when the guest reaches
 * them: CR8 is the current processor's IRQL (KernelState.irql, the same IRQL KeRaiseIrql and
 * spin locks change); rdmsr reads the machine model's MSRs (0 with a warning for the others);
 * wrmsr is reported (a verifier finding: drivers do not own the processor's MSRs) and dropped;
 * `mov reg, cr3` reads the page-table model's CR3 on x64 (machine/paging.ts); on x86 it reads 0,
 * as ARM64 translation-table registers do, and is noted as an emulator gap: a later fault in the
 * run has kind "emulator-gap" (never the driver's crash).
 */
import type { Emulator } from "../emulator.js";
import type { PrivilegedOp } from "./privileged.js";
import { machineOf } from "../machine/state.js";
import { addr64 } from "../layout.js";
import { instructionEvent } from "./hw-event.js";
import { CR3 } from "../machine/paging.js";
import { noteModelGap } from "../machine/gaps.js";
import { CR0_WP } from "../wp-store.js";
import { syscallMsr } from "../ssdt-x64.js";
import { noteServiceTableWrites } from "../ssdt-table.js";

const MSR_NAMES: Record<number, string> = {
  0x10: "IA32_TIME_STAMP_COUNTER", 0x1b: "IA32_APIC_BASE", 0x174: "IA32_SYSENTER_CS", 0x176: "IA32_SYSENTER_EIP",
  0xc0000080: "IA32_EFER", 0xc0000081: "IA32_STAR", 0xc0000082: "IA32_LSTAR", 0xc0000084: "IA32_FMASK",
  0xc0000100: "IA32_FS_BASE", 0xc0000101: "IA32_GS_BASE", 0xc0000102: "IA32_KERNEL_GS_BASE",
  0x19b: "IA32_THERM_INTERRUPT", 0x19c: "IA32_THERM_STATUS", 0x1a2: "MSR_TEMPERATURE_TARGET", 0x1b1: "IA32_PACKAGE_THERM_STATUS", 0x1b2: "IA32_PACKAGE_THERM_INTERRUPT",
};

const CR_WHAT: Record<number, string> = {
  0: "CR0 (WP, paging and protection bits; clearing WP is how rootkits write read-only memory)",
  2: "CR2 (the page-fault address)",
  3: "CR3 (the page-table base)",
  4: "CR4 (SMEP, SMAP and other protection features)",
};

export const msrName = (msr: number) => `0x${msr.toString(16).toUpperCase()}${MSR_NAMES[msr] ? ` (${MSR_NAMES[msr]})` : ""}`;

/**
 * What rdmsr of `msr` reads: the machine model's value; IA32_GS_BASE is the KPCR (x64 kernel
 * mode); IA32_LSTAR / IA32_CSTAR are KiSystemCall64 / KiSystemCall32 (x64, ../ssdt-x64.ts); else undefined.
 */
export function msrValue(emu: Emulator, msr: number): bigint | undefined {
  const v = machineOf(emu.kernel).spec.msrs.get(msr);
  if (v !== undefined) return v;
  if (emu.cpu.arch !== "x64") return undefined;
  if (msr === 0xc0000101) return emu.uc.regRead(emu.C.regs.GS_BASE);
  return syscallMsr(emu.thunks, msr);
}

/**
 * x86 `mov cr0` that changes only CR0.WP (bit 16): done, and a warning. 32-bit Windows has no
 * Kernel Patch Protection (Microsoft Learn, "Kernel Patch Protection" / bug check 0x109: x64
 * only) and Driver Verifier has no rule on control registers, so a driver clearing WP around a
 * store into read-only memory (rootkit.com's SSDT hooks, JiurlPortHide, kzwenum) works there;
 * while WP is clear its stores into read-only image pages are made (../wp-store.ts). x64, or any
 * other CR0 change (PE, PG, CD …), stays an error and is dropped. Returns true when handled.
 */
function x86WpToggle(emu: Emulator, cr: number, value: bigint, rip: bigint): boolean {
  if (emu.cpu.arch !== "x86" || cr !== 0) return false;
  const id = emu.C.regsX86.CR0;
  const now = emu.uc.regRead(id) & 0xffffffffn;
  const next = value & 0xffffffffn;
  if (((now ^ next) & ~CR0_WP) !== 0n) return false;
  if (now !== next) emu.uc.regWrite(id, next);
  emu.verifier.finding(emu, {
    rule: "privileged-cr-write",
    level: "warning",
    message: `mov cr0, ${addr64(next)} at ${emu.where(rip)}: ${next & CR0_WP ? "sets CR0.WP again" : "clears CR0.WP (write protection): kernel-mode stores into read-only pages succeed until it is set again"}; done, as on 32-bit Windows (no PatchGuard on x86; on x64 it is CRITICAL_STRUCTURE_CORRUPTION 0x109 type 0x15)`,
    rip,
  });
  return true;
}

/** Machine state kmdll does not model was read or written (machine/gaps.ts). */
function unmodelled(emu: Emulator, rip: bigint, what: string): void {
  noteModelGap(emu.kernel, what, emu.moduleAt(rip)?.name);
}

/**
 * MSRs that hold the kernel's system-call entry points (Intel SDM vol. 3, "SYSCALL/SYSRET",
 * "SYSENTER"): on Windows IA32_LSTAR is KiSystemCall64(Shadow), the start of the scans rootkits
 * make for KeServiceDescriptorTable. kmdll's x64 ntoskrnl has KiSystemCall64 and KiSystemCall32
 * (../ssdt-x64.ts); x86 (SYSENTER_EIP) and ARM64 have no system-call code, so there rdmsr reads 0
 * without a machine-file value and this is noted as an emulator gap: the driver's fault on the 0
 * it read is then kmdll's gap, not "Windows would have crashed".
 */
const ENTRY_MSRS = new Set([0xc0000082, 0xc0000083, 0x176]);
export function noteEntryMsr(emu: Emulator, msr: number, value: bigint | undefined, rip: bigint): void {
  if (value === undefined && ENTRY_MSRS.has(msr)) unmodelled(emu, rip, `the system-call entry point: rdmsr of ${msrName(msr)} at ${emu.where(rip)} reads 0 (kmdll's ntoskrnl has no system-call entry code for this architecture)`);
}

/** Serve the patched instruction at `rip`; returns the address to resume at, or null when `rip` is no patched site. */
export function servePrivileged(emu: Emulator, rip: bigint): bigint | null {
  // ARM64: Unicorn leaves PC at the trapping UDF or just past it.
  if (emu.cpu.arch === "arm64" && !emu.privileged.has(rip) && emu.privileged.has(rip - 4n)) rip -= 4n;
  const op: PrivilegedOp | undefined = emu.privileged.get(rip);
  if (!op) return null;
  const { uc, C } = emu;
  const reg = (n: number) => emu.gprIds[n]!;
  switch (op.kind) {
    case "cr8-read":
      uc.regWrite(reg(op.reg), BigInt(emu.kernel.irql));
      break;
    case "cr8-write":
      emu.kernel.irql = Number(uc.regRead(reg(op.reg)) & 0xfn);
      break;
    case "rdmsr": {
      const v = msrValue(emu, op.msr);
      emu.emit({
        event: "warning",
        message: `rdmsr of MSR ${msrName(op.msr)} at ${emu.where(rip)}: ${v === undefined ? "not in the machine model, reads 0" : `machine model value ${addr64(v)}`}`,
        rule: "privileged-rdmsr",
      });
      noteEntryMsr(emu, op.msr, v, rip);
      const x = v ?? 0n;
      instructionEvent(emu, "msr", "read", op.msr, 8, x, rip);
      uc.regWriteMany([reg(0), reg(2)], [x & 0xffffffffn, (x >> 32n) & 0xffffffffn]); // EDX:EAX
      break;
    }
    case "cr-write":
      instructionEvent(emu, "cr", "write", op.cr, 8, uc.regRead(reg(op.reg)), rip);
      // Setting CR0.WP again ends a write to read-only memory: service table entries changed since are events now (../ssdt-table.ts).
      if (op.cr === 0) noteServiceTableWrites(emu, rip);
      if (x86WpToggle(emu, op.cr, uc.regRead(reg(op.reg)), rip)) break;
      emu.verifier.finding(emu, {
        rule: "privileged-cr-write",
        message: `mov cr${op.cr}, ${addr64(uc.regRead(reg(op.reg)))} at ${emu.where(rip)}: ${CR_WHAT[op.cr] ?? "a control register"} changed by a driver; dropped`,
        rip,
      });
      break;
    case "cr-read": {
      if (emu.cpu.arch !== "x64") {
        // x86 (PAE or not): no page-table model. CR3 reads 0, as before kmdll modelled x64
        // paging (a driver may check it and give up); a later fault is then kmdll's gap.
        unmodelled(emu, rip, `x86 page tables: mov ${emu.cpu.gprNames[op.reg]?.toLowerCase() ?? "reg"}, cr3 at ${emu.where(rip)} reads 0 (the page-directory base)`);
        instructionEvent(emu, "cr", "read", op.cr, 4, 0n, rip);
        uc.regWrite(reg(op.reg), 0n);
        break;
      }
      instructionEvent(emu, "cr", "read", op.cr, 8, CR3, rip);
      uc.regWrite(reg(op.reg), CR3);
      break;
    }
    case "arm64-sysreg":
      unmodelled(emu, rip, `ARM64 translation tables: ${op.write ? `msr ${op.name} at ${emu.where(rip)} is dropped` : `mrs ${op.name} at ${emu.where(rip)} reads 0`}`);
      if (!op.write && op.reg < 31) uc.regWrite(reg(op.reg), 0n);
      break;
    case "wrmsr":
      instructionEvent(emu, "msr", "write", op.msr, 8, ((uc.regRead(reg(2)) & 0xffffffffn) << 32n) | (uc.regRead(reg(0)) & 0xffffffffn), rip);
      emu.verifier.finding(emu, {
        rule: "privileged-wrmsr",
        message: `wrmsr to MSR ${msrName(op.msr)} at ${emu.where(rip)} (value ${addr64(((uc.regRead(reg(2)) & 0xffffffffn) << 32n) | (uc.regRead(reg(0)) & 0xffffffffn))}): a driver changing processor state it does not own; dropped`,
        rip,
      });
      break;
  }
  return rip + BigInt(op.length);
}
