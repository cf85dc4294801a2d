/**
 * Driver Verifier findings: structured `verifier` events with a rule id, the Windows bug check
 * Driver Verifier would raise (code and parameters), the call site and a backtrace. An
 * error-level finding fails `kmdll call` and `kmdll sim` (exit 1). docs/verifier.md lists the rules.
 */
import type { Emulator } from "../emulator.js";

export type VerifierLevel = "error" | "warning";

export interface FindingInput {
  rule: string;
  message: string;
  /** Where the driver did it (defaults to the current RIP). */
  rip?: bigint;
  level?: VerifierLevel;
  /** Driver Verifier's bug check: code ("0x000000C4") and its four parameters ("$site": the driver address of the finding). */
  bugcheck?: { code: string; parameters?: string[] };
}

export type VerifierMode = "none" | "standard" | "all";

/** Parse a --verifier value; null when it is not a mode. */
export function verifierMode(v: string): VerifierMode | null {
  return v === "none" || v === "standard" || v === "all" ? v : null;
}

function isDriver(emu: Emulator, a: bigint): boolean {
  const m = emu.moduleAt(a);
  return m !== null && !m.builtin;
}

export class Verifier {
  findings = 0;
  /** rule@site already reported: a rule broken again at the same place (a loop) is one finding. */
  private readonly seen = new Set<string>();
  constructor(readonly mode: VerifierMode = "standard") {}

  get enabled(): boolean {
    return this.mode !== "none";
  }

  finding(emu: Emulator, f: FindingInput): void {
    if (!this.enabled) return;
    let rip = f.rip ?? emu.uc.regRead(emu.cpu.pcId(emu.C));
    // Reported from a kernel routine's handler: the site is its caller (the return address at
    // [SP], pointer-sized, or LR on ARM64).
    if (f.rip === undefined && emu.thunks.get(rip)) {
      try {
        rip = emu.faults.returnAddress();
      } catch {
        /* keep the thunk */
      }
    }
    // A tail call into the kernel, or a check made after the driver returned: name the innermost
    // driver routine in progress (as API callers are named for tail calls).
    if (f.rip === undefined && !isDriver(emu, rip)) {
      for (let i = emu.calls.targets.length - 1; i >= 0; i--)
        if (isDriver(emu, emu.calls.targets[i]!)) {
          rip = emu.calls.targets[i]!;
          break;
        }
    }
    const key = `${f.rule}@${rip}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const report = emu.faults.report("internal", f.message, rip);
    const level = f.level ?? "error";
    if (level === "error") this.findings++;
    emu.emit({
      event: "verifier",
      level,
      rule: f.rule,
      message: f.message,
      ...(report.module ? { module: report.module } : {}),
      site: report.rip,
      ...(f.bugcheck ? { bugcheck: f.bugcheck.code, parameters: (f.bugcheck.parameters ?? []).map((p) => (p === "$site" ? `0x${rip.toString(16)}` : p)) } : {}),
      backtrace: report.backtrace,
    });
  }
}
