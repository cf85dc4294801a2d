/**
 * The last kernel call that returned an error NTSTATUS while a DriverEntry runs: executor.ts sets
 * `failedCallWatch.current` around the call, dispatch.ts fills it in (only statuses 0xC… that
 * ntstatus.h names), and a failed DriverEntry's message quotes it, as "ZwQueryValueKey(...) →
 * 0xC0000034 STATUS_OBJECT_NAME_NOT_FOUND (called from x.sys+0x1ccf)" — the likeliest reason the
 * driver gave up. Guest code runs on one JS thread, one DriverEntry at a time, so one slot
 * serves every emulator of the process; null when nothing is watched (the per-call cost is one
 * comparison).
 *
 * A size probe is not a reason: a call answering STATUS_INFO_LENGTH_MISMATCH or
 * STATUS_BUFFER_TOO_SMALL that the same routine then answers with success (the driver asked for
 * the size, allocated, asked again) gives the slot back to the failure before it.
 */
import type { FailedCall } from "../executor.js";

export type { FailedCall };

export interface FailedCallSlot {
  call: FailedCall | null;
  /** The last failure was a size probe of this routine; `before` is what the slot held before it. */
  probe?: { routine: string; before: FailedCall | null };
}

export const failedCallWatch: { current: FailedCallSlot | null } = { current: null };

/** STATUS_INFO_LENGTH_MISMATCH, STATUS_BUFFER_TOO_SMALL: "ask again with a bigger buffer". */
export const SIZE_PROBE_STATUSES: ReadonlySet<number> = new Set([0xc0000004, 0xc0000023]);

