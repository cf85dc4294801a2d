/**
 * IoGetDevicePropertyData over kmdll's device tree (Microsoft Learn, "IoGetDevicePropertyData function
 * (wdm.h)": STATUS_SUCCESS with *Type, STATUS_BUFFER_TOO_SMALL with *RequiredSize, STATUS_OBJECT_NAME_NOT_FOUND
 * for a property the device has no value of; Flags reserved, 0). The unified property keys are those of
 * devpkey.h (mingw-w64 include/devpkey.h: DEVPKEY_Device_* = {a45c254e-df1c-4efd-8020-67d146a850e0} with
 * the PIDs below, DEVPKEY_Device_InstanceId = {78c34fc8-104a-4aca-9ea4-524d52996e57},256); the types are
 * devpropdef.h's (DEVPROP_TYPE_STRING 0x12, DEVPROP_TYPE_STRING_LIST 0x2012, DEVPROP_TYPE_UINT32 7).
 * The tree answers what IoGetDeviceProperty answers (properties.ts: the IDs, the PDO's name, the
 * enumerator, the install state) and the instance ID; everything else Windows keeps from the INF
 * installation is STATUS_OBJECT_NAME_NOT_FOUND with a warning naming the gap. A device object that
 * is no PDO of a devnode: STATUS_INVALID_DEVICE_REQUEST (as IoGetDeviceProperty). Used by the KMDF
 * WdfDevice/WdfFdoInit[AllocAnd]QueryPropertyEx (wdf/propertyex.ts).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { hex, nt } from "../api/util.js";
import { deviceLabel } from "../iomgr/index.js";
import { nodeOfPdo, pnpState } from "./state.js";
import { getDeviceProperty } from "./properties.js";
import { guidAt } from "./interfaces.js";

const DEVICE_FMTID = "{a45c254e-df1c-4efd-8020-67d146a850e0}";
const INSTANCE_FMTID = "{78c34fc8-104a-4aca-9ea4-524d52996e57}";
export const DEVPROP_TYPE_UINT32 = 0x7;
export const DEVPROP_TYPE_STRING = 0x12;
export const DEVPROP_TYPE_STRING_LIST = 0x2012;

/** DEVPKEY_Device_<name> PID → [name, the DEVICE_REGISTRY_PROPERTY with the same value, its DEVPROPTYPE]. */
const DEVICE_KEYS: ReadonlyMap<number, [string, number, number]> = new Map([
  [2, ["DeviceDesc", 0, DEVPROP_TYPE_STRING]], [3, ["HardwareIds", 1, DEVPROP_TYPE_STRING_LIST]], [4, ["CompatibleIds", 2, DEVPROP_TYPE_STRING_LIST]],
  [9, ["Class", 5, DEVPROP_TYPE_STRING]], [11, ["Driver", 7, DEVPROP_TYPE_STRING]], [13, ["Manufacturer", 8, DEVPROP_TYPE_STRING]],
  [14, ["FriendlyName", 9, DEVPROP_TYPE_STRING]], [15, ["LocationInfo", 10, DEVPROP_TYPE_STRING]], [16, ["PDOName", 11, DEVPROP_TYPE_STRING]],
  [22, ["LegacyBusType", 13, DEVPROP_TYPE_UINT32]], [23, ["BusNumber", 14, DEVPROP_TYPE_UINT32]], [24, ["EnumeratorName", 15, DEVPROP_TYPE_STRING]],
  [30, ["Address", 16, DEVPROP_TYPE_UINT32]], [18, ["UINumber", 17, DEVPROP_TYPE_UINT32]], [36, ["InstallState", 18, DEVPROP_TYPE_UINT32]],
  [33, ["RemovalPolicy", 19, DEVPROP_TYPE_UINT32]],
]);

/** "DEVPKEY_Device_HardwareIds" or "{fmtid},pid". */
export function keyName(ctx: ApiContext, key: bigint): string {
  if (key === 0n) return "NULL";
  const fmtid = guidAt(ctx.mem, key);
  const pid = ctx.mem.u32(key + 16n);
  if (fmtid === DEVICE_FMTID && DEVICE_KEYS.has(pid)) return `DEVPKEY_Device_${DEVICE_KEYS.get(pid)![0]}`;
  if (fmtid === INSTANCE_FMTID && pid === 256) return "DEVPKEY_Device_InstanceId";
  return `${fmtid},${pid}`;
}

/** IoGetDevicePropertyData(Pdo, PropertyKey, Lcid, Flags, Size, Data, RequiredSize, Type) without the Flags check. */
export function getDevicePropertyData(ctx: ApiContext, pdo: bigint, key: bigint, size: number, data: bigint, required: bigint, type: bigint): number {
  const n = nodeOfPdo(pnpState(ctx.kernel), pdo);
  if (!n) return STATUS.INVALID_DEVICE_REQUEST;
  const fmtid = guidAt(ctx.mem, key);
  const pid = ctx.mem.u32(key + 16n);
  const put = (bytes: Uint8Array, t: number): number => {
    ctx.mem.setU32(required, bytes.length);
    ctx.mem.setU32(type, t);
    if (size < bytes.length || data === 0n) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(data, bytes);
    return STATUS.SUCCESS;
  };
  if (fmtid === INSTANCE_FMTID && pid === 256) {
    const s = n.instance + "\0";
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) { b[2 * i] = s.charCodeAt(i) & 0xff; b[2 * i + 1] = s.charCodeAt(i) >> 8; }
    return put(b, DEVPROP_TYPE_STRING);
  }
  const legacy = fmtid === DEVICE_FMTID ? DEVICE_KEYS.get(pid) : undefined;
  if (!legacy) {
    ctx.warn(`${ctx.api}(${keyName(ctx, key)}): kmdll's device tree keeps no such property for ${n.instance}: STATUS_OBJECT_NAME_NOT_FOUND`);
    return STATUS.OBJECT_NAME_NOT_FOUND;
  }
  // The legacy query into a scratch block of pool: its bytes are the property's value.
  const lenP = ctx.kernel.kernelPool?.allocate(4, 0x44706e50) ?? 0n; // 'PnpD'
  if (lenP === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  try {
    ctx.mem.setU32(lenP, 0);
    const first = getDeviceProperty(ctx, pdo, legacy[1], 0, 0n, lenP);
    if (first !== STATUS.BUFFER_TOO_SMALL) return first;
    const length = ctx.mem.u32(lenP);
    const buf = ctx.kernel.kernelPool?.allocate(Math.max(length, 1), 0x44706e50) ?? 0n;
    if (buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const st = getDeviceProperty(ctx, pdo, legacy[1], length, buf, lenP);
    const bytes = ctx.mem.read(buf, length);
    ctx.kernel.kernelPool?.free(buf);
    return st === STATUS.SUCCESS ? put(bytes, legacy[2]) : st;
  } finally {
    ctx.kernel.kernelPool?.free(lenP);
  }
}

export const apis: ApiDefinition[] = [
  nt("IoGetDevicePropertyData", 8, (ctx) => {
    const [pdo, key, lcid, flags, size, data, required, type] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.u32(3), ctx.u32(4), ctx.arg(5), ctx.arg(6), ctx.arg(7)];
    ctx.describe([deviceLabel(ctx, pdo), keyName(ctx, key), hex(lcid), hex(flags), String(size), hex(data), hex(required), hex(type)]);
    // Flags: "Reserved for system use. Drivers should set this value to 0" (Learn): not checked. NULL
    // PropertyKey / RequiredSize / Type are not checked either: the access faults, as in the kernel.
    if (flags !== 0) ctx.warn(`IoGetDevicePropertyData: Flags ${hex(flags)} is reserved and should be 0 (Learn)`);
    return getDevicePropertyData(ctx, pdo, key, size, data, required, type);
  }),
];
