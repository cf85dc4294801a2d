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
 *   WdfRegistryAssignULong(Key, ValueName, Value): a REG_DWORD written as ZwSetValueKey does (a
 *     malformed ValueName STATUS_INVALID_PARAMETER; fxregistryapi.cpp).
 *   WdfRegistryAssignValue(Key, ValueName, ValueType, ValueLength, Value): the value of that type
 *     and those bytes, written as ZwSetValueKey does (Microsoft Learn, wdfregistry.h; the framework's
 *     FxRegKey::_SetValue calls ZwSetValueKey): a malformed ValueName STATUS_INVALID_PARAMETER, a
 *     NULL ValueName or Value (with a nonzero ValueLength) a WDF_VIOLATION report.
 *   WdfRegistryQueryUnicodeString(Key, ValueName, ValueByteLength, Value): a REG_SZ / REG_EXPAND_SZ into
 *     the caller's UNICODE_STRING (its trailing NUL not counted in Length); a malformed string or a Value
 *     with MaximumLength 0 STATUS_INVALID_PARAMETER, data longer than MaximumLength (or no Value)
 *     STATUS_BUFFER_OVERFLOW with *ValueByteLength the data's length, another type STATUS_OBJECT_TYPE_MISMATCH.
 *   WdfRegistryQueryMultiString(Key, ValueName, StringsAttributes, Collection): each string of a
 *     REG_MULTI_SZ becomes a WDFSTRING added to the collection; another type STATUS_OBJECT_TYPE_MISMATCH,
 *     no data STATUS_RESOURCE_DATA_NOT_FOUND, data that is not double-NUL terminated (or of odd length)
 *     STATUS_OBJECT_TYPE_MISMATCH (FxRegKey::_VerifyMultiSzString).
 *   WdfRegistryClose(Key): closes the handle and deletes the WDFKEY.
 *   WdfRegistryCreateKey: createKey below. WdfRegistryWdmGetHandle(Key): the key handle the WDFKEY owns.
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
import { REG_NOTIFY_CHANGE_LAST_SET, REG_NOTIFY_CHANGE_NAME, keyHandleClosing, registryChanged } from "../api/regnotify.js";
import { nodeOfPdo, pnpState } from "../pnp/state.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, validateAttributes } from "./objects.js";
import { deleteObject } from "./lifetime.js";
import { required } from "./memory.js";
import type { RegistryKey } from "../../nt/registry.js";
import { getPtr } from "../../nt/arch-layout.js";
import { wdfState } from "./objects.js";
import { assignString, newString } from "./strings.js";
import { collectionAdd } from "./collection.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const PLUGPLAY_REGKEY_DEVICE = 1;
const PLUGPLAY_REGKEY_DRIVER = 2;
const REG_DWORD = 4;
const REG_SZ = 1;
const REG_EXPAND_SZ = 2;
const REG_MULTI_SZ = 7;
const STATUS_RESOURCE_DATA_NOT_FOUND = 0xc0000089;
const STATUS_INVALID_BUFFER_SIZE = 0xc0000206;

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

/** A WDFKEY owning a kernel handle to `path` (created when missing; an opened key as given); null when the path cannot be made. */
function keyObject(ctx: ApiContext, path: string | RegistryKey, access: number, attrs: bigint, defaultParent: bigint): bigint | null {
  const r = typeof path === "string" ? registryOf(ctx.kernel).createKey(path) : { key: path };
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

/** A UNICODE_STRING as FxValidateUnicodeString accepts it (even lengths, Length <= MaximumLength, a Buffer when not empty). */
function validString(ctx: ApiContext, us: bigint): boolean {
  const c = readCounted(ctx.mem, us);
  return c.length % 2 === 0 && c.maximumLength % 2 === 0 && c.length <= c.maximumLength && (c.length === 0 || c.buffer !== 0n);
}

/**
 * What WdfRegistryOpenKey and WdfRegistryCreateKey check first: ParentKey a WDFKEY (or none),
 * KeyName and Key given (WDF_VIOLATION otherwise), *Key cleared, KeyAttributes and KeyName valid.
 * The parent's registry key (null: KeyName is a full path) and the name, or an NTSTATUS.
 */
function keyRequest(ctx: ApiContext, parentH: bigint, nameP: bigint, attrs: bigint, out: bigint): { base: RegistryKey | null; name: string } | number {
  const parent = parentH === 0n ? null : objectOf(ctx, parentH, "key", "ParentKey");
  required(ctx, nameP, "KeyName");
  required(ctx, out, "Key");
  putPtr(ctx.mem, out, 0n);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const name = unicodeText(ctx.mem, nameP) ?? "";
  if (!parent) return { base: null, name };
  const base = keyOf(ctx, parent.keyHandle!);
  return typeof base === "number" ? base : { base, name };
}

/**
 * WdfRegistryOpenKey(ParentKey, KeyName, DesiredAccess, KeyAttributes, Key) (FxRegKey::Open, ZwOpenKey):
 * KeyName relative to ParentKey's key, or a full \REGISTRY path without one; a missing key
 * STATUS_OBJECT_NAME_NOT_FOUND (it is not created); the WDFKEY is parented to the driver unless
 * KeyAttributes name a parent. NULL KeyName / Key and a ParentKey that is no WDFKEY: WDF_VIOLATION.
 */
function openKey(ctx: ApiContext): number {
  const [parentH, nameP, access, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(parentH), describeUnicode(ctx, nameP), hex(access), hex(attrs), hex(out)]);
  const req = keyRequest(ctx, parentH, nameP, attrs, out);
  if (typeof req === "number") return req;
  const { base, name } = req;
  const reg = registryOf(ctx.kernel);
  const key = base ? (name === "" ? base : reg.openRelative(base, name)) : reg.openKey(name);
  if (!key) return STATUS.OBJECT_NAME_NOT_FOUND;
  const drv = getPtr(ctx.mem, ctx.arg(0));
  const k = keyObject(ctx, key, access, attrs, wdfState(ctx.kernel).objects.has(drv) ? drv : 0n);
  if (k === null) return STATUS.OBJECT_NAME_NOT_FOUND;
  putPtr(ctx.mem, out, k);
  return STATUS.SUCCESS;
}

/**
 * WdfRegistryCreateKey(ParentKey, KeyName, DesiredAccess, CreateOptions, CreateDisposition,
 * KeyAttributes, Key) (FxRegKey::Create over ZwCreateKey): as WdfRegistryOpenKey, but a missing key
 * is created (its parent must exist: STATUS_OBJECT_NAME_NOT_FOUND otherwise, as ZwCreateKey);
 * *CreateDisposition (optional) is REG_CREATED_NEW_KEY (1) or REG_OPENED_EXISTING_KEY (2);
 * REG_OPTION_VOLATILE (1) makes a new key volatile.
 */
function createKey(ctx: ApiContext): number {
  const [parentH, nameP, access, options, disposition, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.u32(4), ctx.arg(5), ctx.arg(6), ctx.arg(7)];
  ctx.describe([hex(ctx.arg(0)), hex(parentH), describeUnicode(ctx, nameP), hex(access), hex(options), hex(disposition), hex(attrs), hex(out)]);
  const req = keyRequest(ctx, parentH, nameP, attrs, out);
  if (typeof req === "number") return req;
  const { base, name } = req;
  const reg = registryOf(ctx.kernel);
  let key = base ? (name === "" ? base : reg.openRelative(base, name)) : reg.openKey(name);
  let created = false;
  if (!key) {
    const parts = name.split("\\").filter(Boolean);
    const leaf = parts.pop() ?? "";
    const up = base ? (parts.length ? reg.openRelative(base, parts.join("\\")) : base) : reg.openKey("\\" + parts.join("\\"));
    if (!up || leaf === "" || (!base && up.parent === null)) return STATUS.OBJECT_NAME_NOT_FOUND;
    const r = reg.createChild(up, leaf);
    key = r.key;
    created = r.created;
    if (options & 1) key.volatile = true;
    if (created) registryChanged(ctx, up, REG_NOTIFY_CHANGE_NAME);
  }
  const drv = getPtr(ctx.mem, ctx.arg(0));
  const k = keyObject(ctx, key, access, attrs, wdfState(ctx.kernel).objects.has(drv) ? drv : 0n);
  if (k === null) return STATUS.OBJECT_NAME_NOT_FOUND;
  if (disposition !== 0n) ctx.mem.setU32(disposition, created ? 1 : 2);
  putPtr(ctx.mem, out, k);
  return STATUS.SUCCESS;
}

/**
 * WdfRegistryQueryValue(Key, ValueName, ValueLength, Value, ValueLengthQueried, ValueType)
 * (FxRegKey::_QueryValue over ZwQueryValueKey(KeyValuePartialInformation)): a missing value
 * STATUS_OBJECT_NAME_NOT_FOUND; data longer than ValueLength (or Value NULL and data present)
 * STATUS_BUFFER_OVERFLOW with its length and type reported; else the data is copied.
 */
function queryValue(ctx: ApiContext): number {
  const [keyH, nameP, len, value, lenOut, typeOut] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), String(len), hex(value), hex(lenOut), hex(typeOut)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const v = key.value(unicodeText(ctx.mem, nameP) ?? "");
  if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
  const fits = v.data.length === 0 || (value !== 0n && len >= v.data.length);
  if (fits && value !== 0n) ctx.mem.write(value, v.data);
  if (lenOut !== 0n) ctx.mem.setU32(lenOut, v.data.length);
  if (typeOut !== 0n) ctx.mem.setU32(typeOut, v.type);
  return fits ? STATUS.SUCCESS : STATUS.BUFFER_OVERFLOW;
}

/**
 * WdfRegistryQueryString(Key, ValueName, String): a REG_SZ / REG_EXPAND_SZ value into the WDFSTRING
 * (its trailing NUL dropped); another type STATUS_OBJECT_TYPE_MISMATCH, an empty value
 * STATUS_RESOURCE_DATA_NOT_FOUND, more than 65535 bytes STATUS_INVALID_BUFFER_SIZE (fxregistryapi.cpp).
 */
function queryString(ctx: ApiContext): number {
  const [keyH, nameP, strH] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), hex(strH)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  required(ctx, strH, "String");
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const str = objectOf(ctx, strH, "string", "String");
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const v = key.value(unicodeText(ctx.mem, nameP) ?? "");
  if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
  if (v.type !== REG_SZ && v.type !== REG_EXPAND_SZ) return STATUS.OBJECT_TYPE_MISMATCH;
  if (v.data.length === 0) return STATUS_RESOURCE_DATA_NOT_FOUND;
  if (v.data.length > 0xffff) return STATUS_INVALID_BUFFER_SIZE;
  let n = v.data.length & ~1;
  if (n >= 2 && v.data[n - 2] === 0 && v.data[n - 1] === 0) n -= 2;
  return assignString(ctx, str, v.data.slice(0, n));
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

function assignULong(ctx: ApiContext): number {
  const [keyH, nameP, value] = [ctx.arg(1), ctx.arg(2), ctx.u32(3)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), hex(value)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value, true);
  registryOf(ctx.kernel).setValue(key, unicodeText(ctx.mem, nameP) ?? "", REG_DWORD, data);
  registryChanged(ctx, key, REG_NOTIFY_CHANGE_LAST_SET);
  return STATUS.SUCCESS;
}

function assignValue(ctx: ApiContext): number {
  const [keyH, nameP, type, len, value] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.u32(4), ctx.arg(5)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), String(type), String(len), hex(value)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  if (len !== 0) required(ctx, value, "Value");
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  registryOf(ctx.kernel).setValue(key, unicodeText(ctx.mem, nameP) ?? "", type, len === 0 ? new Uint8Array(0) : ctx.mem.read(value, len));
  registryChanged(ctx, key, REG_NOTIFY_CHANGE_LAST_SET);
  return STATUS.SUCCESS;
}

function queryUnicodeString(ctx: ApiContext): number {
  const [keyH, nameP, lenOut, us] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), hex(lenOut), hex(us)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  if (!validString(ctx, nameP) || (us !== 0n && !validString(ctx, us))) return STATUS.INVALID_PARAMETER;
  const room = us === 0n ? 0 : readCounted(ctx.mem, us).maximumLength;
  if (us !== 0n && room === 0) return STATUS.INVALID_PARAMETER;
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const v = key.value(unicodeText(ctx.mem, nameP) ?? "");
  if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
  const fits = v.data.length <= room;
  if (fits && v.type !== REG_SZ && v.type !== REG_EXPAND_SZ) return STATUS.OBJECT_TYPE_MISMATCH;
  if (lenOut !== 0n) ctx.mem.setU16(lenOut, v.data.length & 0xffff);
  if (!fits) return STATUS.BUFFER_OVERFLOW;
  if (us !== 0n && v.data.length > 0) {
    ctx.mem.write(readCounted(ctx.mem, us).buffer, v.data);
    let n = v.data.length & ~1;
    if (n >= 2 && v.data[n - 2] === 0 && v.data[n - 1] === 0) n -= 2;
    ctx.mem.setU16(us, n);
  } else if (us !== 0n) ctx.mem.setU16(us, 0);
  return STATUS.SUCCESS;
}

function queryMultiString(ctx: ApiContext): number {
  const [keyH, nameP, attrs, collH] = [ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  ctx.describe([hex(ctx.arg(0)), hex(keyH), describeUnicode(ctx, nameP), hex(attrs), hex(collH)]);
  const k = objectOf(ctx, keyH, "key", "Key");
  required(ctx, nameP, "ValueName");
  required(ctx, collH, "Collection");
  const bad = validateAttributes(ctx, attrs, { parentRequired: false });
  if (bad !== 0) return bad;
  if (!validString(ctx, nameP)) return STATUS.INVALID_PARAMETER;
  const coll = objectOf(ctx, collH, "collection", "Collection");
  const key = keyOf(ctx, k.keyHandle!);
  if (typeof key === "number") return key;
  const v = key.value(unicodeText(ctx.mem, nameP) ?? "");
  if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
  if (v.type !== REG_MULTI_SZ) return STATUS.OBJECT_TYPE_MISMATCH;
  const d = v.data;
  if (d.length === 0) return STATUS_RESOURCE_DATA_NOT_FOUND;
  const n = d.length;
  if (n % 2 !== 0 || n < 4 || d[n - 1] !== 0 || d[n - 2] !== 0 || d[n - 3] !== 0 || d[n - 4] !== 0) return STATUS.OBJECT_TYPE_MISMATCH;
  const a = readAttributes(ctx, attrs);
  for (let i = 0; i + 1 < n && (d[i] !== 0 || d[i + 1] !== 0); ) {
    let j = i;
    while (d[j] !== 0 || d[j + 1] !== 0) j += 2;
    const s = newString(ctx, a, d.slice(i, j));
    if (!s) return STATUS.INSUFFICIENT_RESOURCES;
    collectionAdd(coll, s);
    i = j + 2;
  }
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  fx("WdfDeviceOpenRegistryKey", 6, openDeviceKey),
  fx("WdfRegistryQueryUnicodeString", 5, queryUnicodeString),
  fx("WdfRegistryQueryMultiString", 5, queryMultiString),
  fx("WdfRegistryAssignULong", 4, assignULong),
  fx("WdfRegistryAssignValue", 6, assignValue),
  fx("WdfRegistryQueryULong", 4, queryULong),
  fx("WdfDriverOpenParametersRegistryKey", 5, openParametersKey),
  fx("WdfRegistryOpenKey", 6, openKey),
  fx("WdfRegistryCreateKey", 8, createKey),
  // WdfRegistryWdmGetHandle(Key): the kernel key handle the WDFKEY owns (Learn: valid until the WDFKEY is closed).
  fx("WdfRegistryWdmGetHandle", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return objectOf(ctx, ctx.arg(1), "key", "Key").keyHandle!;
  }),
  fx("WdfRegistryQueryValue", 7, queryValue),
  fx("WdfRegistryQueryString", 4, queryString),
  fx("WdfRegistryClose", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    deleteObject(ctx, objectOf(ctx, ctx.arg(1), "key", "Key"));
  }),
];
