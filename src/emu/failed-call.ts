/**
 * The last kernel call that returned an error NTSTATUS while a DriverEntry runs: executor.ts sets
 * `failedCallWatch.current` around the call, dispatch.ts fills it in (only statuses 0xC… that
 * ntstatus.h names), and a failed DriverEntry's message quotes it, as "ZwQueryValueKey(...) →
 * 0xC0000034 STATUS_OBJECT_NAME_NOT_FOUND (called from x.sys+0x1ccf)" — the likeliest reason the
 * driver gave up. Guest code runs on one JS thread, one DriverEntry at a time, so one slot
 * serves every emulator of the process; null when nothing is watched (the per-call cost is one
 * comparison).
 */
import type { FailedCall } from "../executor.js";

export type { FailedCall };

export const failedCallWatch: { current: { call: FailedCall | null } | null } = { current: null };

