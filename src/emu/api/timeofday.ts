/**
 * ZwQuerySystemInformation(SystemTimeOfDayInformation = 3): SYSTEM_TIMEOFDAY_INFORMATION, 48
 * bytes (winternl.h publishes it as 48 opaque bytes; the field names and offsets are those the
 * native-API headers publish, e.g. phnt's ntexapi.h — facts, no code): BootTime 0, CurrentTime 8 (LARGE_INTEGER, FILETIME units, UTC),
 * TimeZoneBias 16 (LARGE_INTEGER, 100 ns), TimeZoneId 24, Reserved 28 (ULONG), BootTimeBias 32,
 * SleepTimeBias 40 (ULONGLONG). kmdll's machine booted at BOOT_SYSTEM_TIME, runs in UTC
 * (TimeZoneBias 0, as ExSystemTimeToLocalTime is the identity; TimeZoneId 0,
 * TIME_ZONE_ID_UNKNOWN), never slept and never had its clock set: CurrentTime is
 * KeQuerySystemTime's value, BootTime + interrupt time, both biases 0.
 * The buffer may be shorter than the structure (the caller gets its first Length bytes, as
 * callers built for the older 32-byte form get theirs); a longer one is STATUS_INFO_LENGTH_MISMATCH.
 * ReturnLength (optional) gets the bytes written.
 */
import type { ApiContext } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { BOOT_SYSTEM_TIME, clockOf } from "./ke.js";

export const SYSTEM_TIMEOFDAY_INFORMATION_SIZE = 48;

export function timeOfDayInformation(ctx: ApiContext, buf: bigint, len: number, ret: bigint): number {
  if (len > SYSTEM_TIMEOFDAY_INFORMATION_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  const img = new Uint8Array(SYSTEM_TIMEOFDAY_INFORMATION_SIZE);
  const dv = new DataView(img.buffer);
  dv.setBigUint64(0, BOOT_SYSTEM_TIME, true);
  dv.setBigUint64(8, clockOf(ctx).systemTime(), true);
  if (len > 0) ctx.mem.write(buf, img.subarray(0, len));
  if (ret !== 0n) ctx.mem.setU32(ret, len);
  return STATUS.SUCCESS;
}
