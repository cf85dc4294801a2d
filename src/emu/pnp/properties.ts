/**
 * IoGetDeviceProperty over kmdll's device tree (Microsoft Learn, "IoGetDeviceProperty function";
 * DEVICE_REGISTRY_PROPERTY of wdm.h). What the tree knows is answered: HardwareID and CompatibleIDs
 * (REG_MULTI_SZ), PhysicalDeviceObjectName (the PDO's name), EnumeratorName (the instance path's
 * first part: "ROOT"), InstallState (InstallStateInstalled: the device has a driver). The other
 * properties Windows keeps in the device's registry keys, written from the INF at installation
 * (DeviceDescription, ClassName, Manufacturer, ...): kmdll's tree has none, so STATUS_OBJECT_NAME_NOT_FOUND
 * (what IoGetDeviceProperty returns for a property with no value) and a warning naming the gap. A
 * value past DevicePropertyContainerID is STATUS_INVALID_PARAMETER_2; a device object that is not a
 * PDO, STATUS_INVALID_DEVICE_REQUEST. A short buffer: STATUS_BUFFER_TOO_SMALL with the needed length.
 */
import type { ApiContext } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { ioState } from "../iomgr/index.js";
import { nodeOfPdo, pnpState } from "./state.js";

const STATUS_INVALID_PARAMETER_2 = 0xc00000f0;
const NAMES = [
  "DeviceDescription", "HardwareID", "CompatibleIDs", "BootConfiguration", "BootConfigurationTranslated", "ClassName", "ClassGuid",
  "DriverKeyName", "Manufacturer", "FriendlyName", "LocationInformation", "PhysicalDeviceObjectName", "BusTypeGuid", "LegacyBusType",
  "BusNumber", "EnumeratorName", "Address", "UINumber", "InstallState", "RemovalPolicy", "ResourceRequirements", "AllocatedResources", "ContainerID",
];

/** DevicePropertyXxx in words. */
export const propertyName = (p: number): string => (p < NAMES.length ? `DeviceProperty${NAMES[p]}` : String(p));

/** The property's bytes, or a failure status. */
function value(ctx: ApiContext, pdo: bigint, prop: number): Uint8Array | number {
  const n = nodeOfPdo(pnpState(ctx.kernel), pdo);
  if (!n) return STATUS.INVALID_DEVICE_REQUEST;
  if (prop >= NAMES.length) return STATUS_INVALID_PARAMETER_2;
  const wide = (s: string) => {
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) { b[2 * i] = s.charCodeAt(i) & 0xff; b[2 * i + 1] = s.charCodeAt(i) >> 8; }
    return b;
  };
  const multi = (ids: string[]) => wide(ids.map((s) => s + "\0").join("") + "\0");
  if (prop === 1) return multi(n.hardwareIds);
  if (prop === 2) return multi(n.compatibleIds);
  const name = ioState(ctx.kernel).devices.get(pdo)?.name ?? null;
  if (prop === 0xb && name !== null) return wide(name + "\0");
  if (prop === 0xf) return wide(n.instance.split("\\")[0]! + "\0");
  if (prop === 0x12) return new Uint8Array(4); // InstallStateInstalled
  ctx.warn(`${ctx.api}(${propertyName(prop)}): kmdll's device tree has no such value for ${n.instance} (Windows takes it from the device's INF installation): STATUS_OBJECT_NAME_NOT_FOUND`);
  return STATUS.OBJECT_NAME_NOT_FOUND;
}

/** IoGetDeviceProperty(pdo, prop, len, buf, &result). */
export function getDeviceProperty(ctx: ApiContext, pdo: bigint, prop: number, len: number, buf: bigint, result: bigint): number {
  const v = value(ctx, pdo, prop);
  if (typeof v === "number") return v;
  if (result !== 0n) ctx.mem.setU32(result, v.length);
  if (len < v.length || buf === 0n) return STATUS.BUFFER_TOO_SMALL;
  ctx.mem.write(buf, v);
  return STATUS.SUCCESS;
}
