/**
 * Which kind of driver callback a guest call is (set by the I/O manager and the scheduler around
 * the call), so the checks at its return (./checks.ts) report the bug check Driver Verifier uses
 * for that kind: a dispatch routine's IRQL change is 0xC9/0x05, a completion routine's 0xC4/0xFA,
 * a worker routine's 0xE1 ...
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";

export interface CallbackInfo {
  /**
   * "lock": a routine whose contract is to change the IRQL or hold a lock on return (a cancel-safe
   * queue's CsqAcquireLock/CsqReleaseLock); "cancel": a cancel routine, called with the cancel spin
   * lock held, which it releases. The return checks do not apply to either.
   */
  kind: "dispatch" | "completion" | "dpc" | "work-item" | "thread" | "lock" | "cancel";
  routine: bigint;
  /** dispatch: the device object; completion: the device object the routine gets. */
  device?: bigint;
  irp?: bigint;
  /** work item: its parameter and address. */
  parameter?: bigint;
  item?: bigint;
}

const stack = componentState("verifier.callbacks", () => [] as CallbackInfo[]);

/** Run `fn` (the guest call of a callback) with `info` as the callback in progress. */
export function asCallback<T>(kernel: KernelState, info: CallbackInfo, fn: () => T): T {
  const s = stack(kernel);
  s.push(info);
  try {
    return fn();
  } finally {
    s.pop();
  }
}

/** The callback in progress if it is the guest routine at `routine` (the innermost one). */
export function callbackAt(kernel: KernelState, routine: bigint): CallbackInfo | undefined {
  const s = stack(kernel);
  const top = s[s.length - 1];
  return top && top.routine === routine ? top : undefined;
}
