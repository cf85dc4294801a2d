/** wdm.h constants of the I/O manager (IRP major functions, flags, types, pool tags). */

// ---- wdm.h constants
export const IRP_MJ = {
  CREATE: 0x00, CLOSE: 0x02, READ: 0x03, WRITE: 0x04, DEVICE_CONTROL: 0x0e, INTERNAL_DEVICE_CONTROL: 0x0f, CLEANUP: 0x12, PNP: 0x1b,
} as const;
export const IRP_MJ_COUNT = 28;
export const IRP_MJ_NAMES = ["IRP_MJ_CREATE", "IRP_MJ_CREATE_NAMED_PIPE", "IRP_MJ_CLOSE", "IRP_MJ_READ", "IRP_MJ_WRITE", "IRP_MJ_QUERY_INFORMATION", "IRP_MJ_SET_INFORMATION", "IRP_MJ_QUERY_EA", "IRP_MJ_SET_EA", "IRP_MJ_FLUSH_BUFFERS", "IRP_MJ_QUERY_VOLUME_INFORMATION", "IRP_MJ_SET_VOLUME_INFORMATION", "IRP_MJ_DIRECTORY_CONTROL", "IRP_MJ_FILE_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CONTROL", "IRP_MJ_INTERNAL_DEVICE_CONTROL", "IRP_MJ_SHUTDOWN", "IRP_MJ_LOCK_CONTROL", "IRP_MJ_CLEANUP", "IRP_MJ_CREATE_MAILSLOT", "IRP_MJ_QUERY_SECURITY", "IRP_MJ_SET_SECURITY", "IRP_MJ_POWER", "IRP_MJ_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CHANGE", "IRP_MJ_QUERY_QUOTA", "IRP_MJ_SET_QUOTA", "IRP_MJ_PNP"];
export const majorName = (m: number): string => IRP_MJ_NAMES[m] ?? `IRP_MJ_0x${m.toString(16)}`;
export const IRP_MN_QUERY_INTERFACE = 0x08;
export const IRP_MJ_POWER = 0x16;
/** IRP_MN_* codes of IRP_MJ_PNP (wdm.h), by value; 0x0E and 0x18 are unused. */
export const PNP_MINOR_NAMES = [
  "IRP_MN_START_DEVICE", "IRP_MN_QUERY_REMOVE_DEVICE", "IRP_MN_REMOVE_DEVICE", "IRP_MN_CANCEL_REMOVE_DEVICE", "IRP_MN_STOP_DEVICE",
  "IRP_MN_QUERY_STOP_DEVICE", "IRP_MN_CANCEL_STOP_DEVICE", "IRP_MN_QUERY_DEVICE_RELATIONS", "IRP_MN_QUERY_INTERFACE",
  "IRP_MN_QUERY_CAPABILITIES", "IRP_MN_QUERY_RESOURCES", "IRP_MN_QUERY_RESOURCE_REQUIREMENTS", "IRP_MN_QUERY_DEVICE_TEXT",
  "IRP_MN_FILTER_RESOURCE_REQUIREMENTS", "IRP_MN_0x0E", "IRP_MN_READ_CONFIG", "IRP_MN_WRITE_CONFIG", "IRP_MN_EJECT", "IRP_MN_SET_LOCK",
  "IRP_MN_QUERY_ID", "IRP_MN_QUERY_PNP_DEVICE_STATE", "IRP_MN_QUERY_BUS_INFORMATION", "IRP_MN_DEVICE_USAGE_NOTIFICATION",
  "IRP_MN_SURPRISE_REMOVAL", "IRP_MN_0x18", "IRP_MN_DEVICE_ENUMERATED",
];
/** IRP_MN_* codes of IRP_MJ_POWER (wdm.h). */
export const POWER_MINOR_NAMES = ["IRP_MN_WAIT_WAKE", "IRP_MN_POWER_SEQUENCE", "IRP_MN_SET_POWER", "IRP_MN_QUERY_POWER"];
/** "IRP_MJ_PNP/IRP_MN_START_DEVICE" for PnP and power IRPs, the major name otherwise. */
export function irpName(major: number, minor: number): string {
  const names = major === IRP_MJ.PNP ? PNP_MINOR_NAMES : major === IRP_MJ_POWER ? POWER_MINOR_NAMES : null;
  return majorName(major) + (names ? `/${names[minor] ?? `IRP_MN_0x${minor.toString(16)}`}` : "");
}
export const IO_TYPE_DEVICE = 3;
export const IO_TYPE_FILE = 5;
export const IO_TYPE_IRP = 6;
export const IO_TYPE_DEVICE_OBJECT_EXTENSION = 13;
export const DO_BUFFERED_IO = 0x4;
export const DO_EXCLUSIVE = 0x8;
export const DO_DIRECT_IO = 0x10;
export const DO_DEVICE_HAS_NAME = 0x40;
export const DO_DEVICE_INITIALIZING = 0x80;
export const IRP_BUFFERED_IO = 0x10;
export const IRP_DEALLOCATE_BUFFER = 0x20;
export const IRP_INPUT_OPERATION = 0x40;
export const SL_PENDING_RETURNED = 0x01;
export const SL_INVOKE_ON_CANCEL = 0x20;
export const SL_INVOKE_ON_SUCCESS = 0x40;
export const SL_INVOKE_ON_ERROR = 0x80;
export const MDL_MAPPED_TO_SYSTEM_VA = 0x1;
export const MDL_SOURCE_IS_NONPAGED_POOL = 0x4;
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
export const STATUS_NO_SUCH_DEVICE = 0xc000000e;
export const KernelMode = 0;
export const UserMode = 1;
export const TAG_DEVICE = 0x20766544; // 'Dev '
export const TAG_FILE = 0x656c6946; // 'File'
export const TAG_IRP = 0x20707249; // 'Irp '
export const TAG_BUF = 0x20667542; // 'Buf '
export const TAG_MDL = 0x206c644d; // 'Mdl '

/** CTL_CODE(t,f,m,a) = t<<16 | a<<14 | f<<2 | m. */
export const ioctlMethod = (code: number): number => code & 3;
export const METHOD_NAMES = ["METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT", "METHOD_NEITHER"];

/** "0x80002003 (METHOD_BUFFERED)". */
export function ioctlDescribe(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, "0")} (${METHOD_NAMES[code & 3]})`;
}
