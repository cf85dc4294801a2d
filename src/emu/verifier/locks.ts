/**
 * What the current thread holds, for the checks at callback return (./checks.ts): spin locks
 * and fast mutexes by address with the site that acquired them. Recorded by the spin-lock and
 * fast-mutex handlers (api/ke.ts, api/ex.ts).
 */
import type { ApiContext, KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";

export interface Held {
  kind: "spin lock" | "fast mutex";
  site: string;
}

export const heldOf = componentState("verifier.held", () => new Map<bigint, Held>());

export function noteAcquired(kernel: KernelState, address: bigint, kind: Held["kind"], site: string): void {
  heldOf(kernel).set(address, { kind, site });
}

export function noteReleased(kernel: KernelState, address: bigint): void {
  heldOf(kernel).delete(address);
}

/** "ExAcquireFastMutex from drv.sys+0x1234". */
export function siteOf(ctx: ApiContext, api: string): string {
  return ctx.caller ? `${api} from ${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : api;
}
