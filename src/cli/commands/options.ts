/** Option parsers shared by several commands. */
import { InvalidArgumentError } from "commander";
import { verifierMode, type VerifierMode } from "../../emu/verifier/index.js";
import { specialPoolOption, type SpecialPoolOption } from "../../emu/verifier/special-pool.js";

/** --max-events N: a whole number from 1 to 10^9. */
export function maxEventsArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1e9) throw new InvalidArgumentError("expected a whole number from 1 to 1000000000");
  return n;
}

/** --timeout: seconds, 0 < S ≤ 3600 (call, sim, surface). */
export function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError("expected seconds (0 < S ≤ 3600)");
  return n;
}

/** --unimplemented: fault or stub (call, sim). */
export function mode(v: string): "fault" | "stub" {
  if (v !== "fault" && v !== "stub") throw new InvalidArgumentError("expected 'fault' or 'stub'");
  return v;
}

/** --special-pool: off, overrun or underrun (call, sim). */
export function specialPoolOpt(v: string): SpecialPoolOption {
  const m = specialPoolOption(v);
  if (!m) throw new InvalidArgumentError("expected 'off', 'overrun' or 'underrun'");
  return m;
}

/** --verifier: none, standard or all (call, sim). */
export function verifierOpt(v: string): VerifierMode {
  const m = verifierMode(v);
  if (!m) throw new InvalidArgumentError("expected 'none', 'standard' or 'all'");
  return m;
}
