/**
 * WDFKEY, the slice real drivers use first (wdfregistry.h, wdfdevice.h; Microsoft Learn:
 * WdfDeviceOpenRegistryKey, WdfRegistryQueryULong, WdfRegistryClose):
 *
 *   WdfDeviceOpenRegistryKey(Device, DeviceInstanceKeyType, DesiredAccess, KeyAttributes, Key):
 *     IoOpenDeviceRegistryKey on the device's PDO. PLUGPLAY_REGKEY_DEVICE (1) is the instance's
 *     `Enum\<instance>\Device Parameters` key, PLUGPLAY_REGKEY_DRIVER (2) the driver's key (here
 *     `Enum\<instance>\Driver`: kmdll keeps no Control\Class keys), both created when missing;
 *     WDF_REGKEY_DEVICE_SUBKEY / WDF_REGKEY_DRIVER_SUBKEY (KMDF 1.25+ per-driver subkeys) and other
 *     types are STATUS_INVALID_PARAMETER. A device without a PDO (a control device) cannot have one:
 *     STATUS_INVALID_DEVICE_REQUEST, as IoOpenDeviceRegistryKey answers for a device that is not a PDO.
 *     The WDFKEY owns a kernel key handle; it is parented to the device unless KeyAttributes name a parent.
 *   WdfRegistryQueryULong(Key, ValueName, Value): STATUS_OBJECT_NAME_NOT_FOUND for a missing value,
 *     STATUS_OBJECT_TYPE_MISMATCH unless it is a 4-byte REG_DWORD (FxRegKey::_QueryULong).
 *   WdfRegistryClose(Key): closes the handle and deletes the WDFKEY.
 *   WdfDriverOpenParametersRegistryKey(Driver, DesiredAccess, KeyAttributes, Key): the service key's
 *     `Parameters` subkey (`<RegistryPath>\Parameters`, created when missing — IoOpenDriverRegistryKey
 *     with DriverRegKeyParameters for read access, FxRegKey::Create under RegistryPath otherwise;
 *     microsoft/Windows-Driver-Frameworks src/framework/shared/core/km/fxdriverapikm.cpp). The WDFKEY
 *     is parented to the driver unless KeyAttributes name a parent.
 * NULL required pointers and handles of the wrong kind are WDF_VIOLATION reports.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr } from "../../nt/arch-layout.js";
import { api, describeUnicode, hex, readCounted, unicodeText } from "../api/util.js";
import { keyOf, registryOf } from "../api/zw.js";
import { closeHandle, insertHandle } from "../obmgr/index.js";
import { keyHandleClosing } from "../api/regnotify.js";
import { nodeOfPdo, pnpState } from "../pnp/state.js";
import { WDF01000 } from "./ldr.js";
import { deleteObject, newObject, objectOf, readAttributes, validateAttributes } from "./objects.js";
import { required } from "./memory.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const PLUGPLAY_REGKEY_DEVICE = 1;
const PLUGPLAY_REGKEY_DRIVER = 2;
const REG_DWORD = 4;

function openDeviceKey(ctx: ApiContext): number {
  const [devH, type, access, attrs, out] = [ctx.arg(1), ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(devH), hex(type), hex(access), hex(attrs), hex(out)]);
  const dev = objectOf(ctx, devH, "device", "Device");
  required(ctx, out, "Key");
  putPtr(ctx.mem, out, 0n);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  if (type !== PLUGPLAY_REGKEY_DEVICE && type !== PLUGPLAY_REGKEY_DRIVER) {
    return STATUS.INVALID_PARAMETER;
  }
  const node = dev.pdo !== undefined ? nodeOfPdo(pnpState(ctx.kernel), dev.pdo) : undefined;
  if (!node) return STATUS.INVALID_DEVICE_REQUEST;
  const sub = type === PLUGPLAY_REGKEY_DEVICE ? "Device Parameters" : "Driver";
  const k = keyObject(ctx, `\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\${node.instance}\\${sub}`, access, attrs, dev.handle);
  if (k === null) return STATUS.OBJECT_NAME_NOT_FOUND;
  putPtr(ctx.mem, out, k);
  return STATUS.SUCCESS;
}

/** A WDFKEY owning a kernel handle to `path` (created when missing); null when the path cannot be made. */
function keyObject(ctx: ApiContext, path: string, access: number, attrs: bigint, defaultParent: bigint): bigint | null {
  const r = registryOf(ctx.kernel).createKey(path);
  if (!r) return null;
  const a = readAttributes(ctx, attrs);
  if (a.parent !== null) objectOf(ctx, a.parent, null, "KeyAttributes->ParentObject");
  const handle = insertHandle(ctx.kernel, { type: "Key", data: { key: r.key }, access, kernelHandle: true });
  const k = newObject(ctx, "key", a, { keyHandle: handle });
  if (k.parent === null) k.parent = defaultParent;
  k.dispose = (c) => {
    keyHandleClosing(c, handle);
    closeHandle(c, handle);
  };
  return k.handle;
}

function openParametersKey(ctx: ApiContext): number {
  const [drvH, access, attrs, out] = [ctx.arg(1), ctx.u32(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(ctx.arg(0)), hex(drvH), hex(access), hex(attrs), hex(out)]);
  required(ctx, out, "Key");
  putPtr(ctx.mem, out, 0n);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  const drv = objectOf(ctx, drvH, "driver", "Driver");
  // FxDriver's NUL-terminated copy of RegistryPath (WdfDriverCreate).
  let path = "";
  for (let p = drv.registryPath ?? 0n; p !== 0n && path.length < 512; p += 2n) {
    const c = ctx.mem.u16(p);
    if (c === 0) break;
    path += String.fromCharCode(c);
  }
  if (path === "") return STATUS.OBJECT_NAME_NOT_FOUND;
  const k = keyObject(ctx, `${path}\\Parameters`, access, attrs, drv.handle);
  if (k === null) return STATUS.OBJECT_NAME_NOT_FOUND;
  putPtr(ctx.mem, out, k);
  return STATUS.SUCCESS;
}

function queryULong(ctx: ApiContext): number {
  const [keyH, nameP, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), hex(out)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  required(ctx, out, "Value");
  const c = readCounted(ctx.mem, nameP);
  if (c.length % 2 !== 0 || c.length > c.maximumLength || (c.length > 0 && c.buffer === 0n)) return STATUS.INVALID_PARAMETER;
  const name = unicodeText(ctx.mem, nameP) ?? "";
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const v = key.value(name);
  if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
  if (v.type !== REG_DWORD || v.data.length !== 4) {
    return STATUS.OBJECT_TYPE_MISMATCH;
  }
  ctx.mem.write(out, v.data);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceOpenRegistryKey", 6, openDeviceKey),
  fx("WdfRegistryQueryULong", 4, queryULong),
  fx("WdfDriverOpenParametersRegistryKey", 5, openParametersKey),
  fx("WdfRegistryClose", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    deleteObject(ctx, objectOf(ctx, ctx.arg(1), "key", "Key"));
  }),
];
