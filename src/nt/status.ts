import { headerStatusName, headerStatusValue } from "./status-names.js";

/** NTSTATUS values kmdll reports (values from ntstatus.h / Microsoft Learn "NTSTATUS Values"). */
export const STATUS = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INVALID_PARAMETER: 0xc000000d,
  NO_MEMORY: 0xc0000017,
  CONFLICTING_ADDRESSES: 0xc0000018,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  PROCEDURE_NOT_FOUND: 0xc000007a,
  INVALID_IMAGE_FORMAT: 0xc000007b,
  INSUFFICIENT_RESOURCES: 0xc000009a,
  NOT_SUPPORTED: 0xc00000bb,
  INVALID_DEVICE_REQUEST: 0xc0000010,
  IMAGE_ALREADY_LOADED: 0xc000010e,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_ENTRIES: 0x8000001a,
  DRIVER_ORDINAL_NOT_FOUND: 0xc0000262,
  DRIVER_ENTRYPOINT_NOT_FOUND: 0xc0000263,
  DRIVER_UNABLE_TO_LOAD: 0xc000026c,
  INVALID_IMAGE_NOT_MZ: 0xc000012f,
  IMAGE_MACHINE_TYPE_MISMATCH: 0x4000000e,
  DEVICE_NOT_READY: 0xc00000a3,
  OBJECT_TYPE_MISMATCH: 0xc0000024,
  INVALID_DEVICE_STATE: 0xc0000184,
  // API layer (src/emu/api)
  TIMEOUT: 0x00000102,
  OBJECT_NAME_EXISTS: 0x40000000,
  INVALID_INFO_CLASS: 0xc0000003,
  INVALID_HANDLE: 0xc0000008,
  OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  NAME_TOO_LONG: 0xc0000106,
  CANNOT_DELETE: 0xc0000121,
  KEY_DELETED: 0xc000017c,
  INTEGER_OVERFLOW: 0xc0000095,
  MUTANT_NOT_OWNED: 0xc0000046,
  SEMAPHORE_LIMIT_EXCEEDED: 0xc0000047,
  // Requests from user mode (src/emu/user): what drivers complete reads, writes and IOCTLs with (ntstatus.h).
  ACCESS_VIOLATION: 0xc0000005,
  DATATYPE_MISALIGNMENT: 0x80000002,
  END_OF_FILE: 0xc0000011,
  DISK_FULL: 0xc000007f,
  NO_SUCH_DEVICE: 0xc000000e,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  INVALID_BUFFER_SIZE: 0xc0000206,
  DEVICE_BUSY: 0x80000011,
  CANCELLED: 0xc0000120,
  PRIVILEGE_NOT_HELD: 0xc0000061,
  DEVICE_DOES_NOT_EXIST: 0xc00000c0,
  NOT_FOUND: 0xc0000225,
  REPARSE_POINT_NOT_RESOLVED: 0xc0000280,
} as const;

export type StatusName = keyof typeof STATUS;

const byValue = new Map<number, string>(Object.entries(STATUS).map(([k, v]) => [v, `STATUS_${k}`]));

/** "0xC0000034" — the canonical form used in traces and JSON. */
export function formatStatus(status: number): string {
  return "0x" + (status >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

/** "STATUS_OBJECT_NAME_NOT_FOUND" or undefined: kmdll's own names first, then every name ntstatus.h defines. */
export function statusName(status: number): string | undefined {
  return byValue.get(status >>> 0) ?? headerStatusName(status);
}

/** NT_SUCCESS(): severity success or informational. */
export function ntSuccess(status: number): boolean {
  return (status | 0) >= 0;
}

/** Parse "0xC0000034", "3221225524" or "STATUS_OBJECT_NAME_NOT_FOUND". */
export function parseStatus(text: string): number | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return parseInt(t, 16) >>> 0;
  if (/^\d+$/.test(t)) return Number(t) >>> 0;
  const name = t.replace(/^STATUS_/, "") as StatusName;
  return name in STATUS ? STATUS[name] : headerStatusValue("STATUS_" + name);
}
