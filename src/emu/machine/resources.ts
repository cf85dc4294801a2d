/**
 * I/O port ranges assigned to each driver (the CmResourceTypePort descriptors of the resources a
 * PnP driver is given at IRP_MN_START_DEVICE, or ranges a legacy driver claimed): what the
 * verifier's port I/O rule (verifier/insn.ts) checks `in`/`out` against. A machine file assigns
 * them (`resources`, docs/machine.md); other components grant ranges with grantPorts.
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";
import { machineOf } from "./state.js";

const grants = componentState("machine.portGrants", () => new Map<string, { base: number; length: number }[]>());

/** Give `module` the ports [base, base + length). */
export function grantPorts(kernel: KernelState, module: string, base: number, length: number): void {
  const key = module.toLowerCase();
  const g = grants(kernel);
  const list = g.get(key) ?? [];
  list.push({ base, length });
  g.set(key, list);
}

/** "granted", "outside" (the module has ranges, none covers the access) or "none" (the module has no ranges). */
export function portGranted(kernel: KernelState, module: string, port: number, size: number): "granted" | "outside" | "none" {
  const key = module.toLowerCase();
  const list = [...(grants(kernel).get(key) ?? []), ...(machineOf(kernel).spec.portResources.get(key) ?? [])];
  if (list.length === 0) return "none";
  return list.some((r) => port >= r.base && port + size <= r.base + r.length) ? "granted" : "outside";
}
