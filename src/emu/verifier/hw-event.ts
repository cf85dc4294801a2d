/**
 * `hardware` trace events for privileged instructions a driver executes itself (not through a
 * kernel routine): kind "port" (in/out: address = port), "msr" (rdmsr/wrmsr: address = MSR
 * number, size 8), "cr" (mov crN: address = N). They carry `via: "instruction"` and the site
 * (module+offset), so consumers (the surface detectors) tell them from HAL-routine accesses.
 */
import type { Emulator } from "../emulator.js";
import { hex } from "../api/util.js";

export function instructionEvent(
  emu: Emulator,
  kind: "port" | "msr" | "cr",
  op: "read" | "write",
  address: number | bigint,
  size: number,
  value: bigint | number,
  pc: bigint,
  extra: Record<string, unknown> = {},
): void {
  const mod = emu.moduleAt(pc);
  emu.emit({ event: "hardware", module: mod?.name ?? "?", kind, op, address: hex(address), size, value: hex(value), via: "instruction", site: emu.where(pc), ...extra });
}
