/**
 * portcls.sys's registry key objects (Microsoft Learn: PcNewRegistryKey, IRegistryKey; portcls.h,
 * method order and the RegistryKeyType values of mingw-w64's ddk/portcls.h). 201 of the 299
 * portcls adapters of the DriverPack set fresh4 import PcNewRegistryKey; Conexant's HD audio
 * adapters read their settings with it in StartDevice.
 *
 *   PcNewRegistryKey(OutRegistryKey, OuterUnknown, RegistryKeyType, DesiredAccess, DeviceObject,
 *     SubDevice, ObjectAttributes, CreateOptions, Disposition): GeneralRegistryKey (0) opens or
 *     creates the key ObjectAttributes names (ZwCreateKey with CreateOptions; *Disposition when
 *     given); DeviceRegistryKey (1), DriverRegistryKey (2) and HwProfileRegistryKey (3) open the
 *     adapter's hardware key, its software (driver) key, and the hardware key of the current
 *     hardware profile (IoOpenDeviceRegistryKey on its PDO with PLUGPLAY_REGKEY_DEVICE,
 *     PLUGPLAY_REGKEY_DRIVER, PLUGPLAY_REGKEY_DEVICE | PLUGPLAY_REGKEY_CURRENT_HWPROFILE); DeviceObject
 *     must then be an adapter device PcAddAdapterDevice made. DeviceInterfaceRegistryKey (4), the
 *     key of a subdevice's device interface, is a gap (kmdll registers no interface per subdevice).
 *     A General key without ObjectAttributes, a device key without an adapter device, or another
 *     type: STATUS_INVALID_PARAMETER. The open's own failure is returned as it is.
 *   IRegistryKey: QueryKey, EnumerateKey, QueryValueKey, EnumerateValueKey, SetValueKey go to the
 *     Zw routine of the same name on the object's handle, QueryRegistryValues to
 *     RtlQueryRegistryValues(RTL_REGISTRY_HANDLE), NewSubKey opens or creates a subkey (a new
 *     IRegistryKey: ZwCreateKey relative to the handle), DeleteKey to ZwDeleteKey; the last Release
 *     closes the handle (ZwClose). The routines run as the emulated kernel's (their trace shows them).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { envOf, kalloc, kfree } from "../iomgr/index.js";
import { PORTCLS_MODULE, newObject, thisObject, type Method } from "./portcls-com.js";
import { adapterPdo } from "./portcls-adapter.js";

const B = (n: number) => BigInt(n);
const TAG = 0x6b526350; // 'PcRk'
const IID_IRegistryKey = "{e8da4302-f304-11d0-958b-00c04fb925d3}";
const OBJ_KERNEL_HANDLE = 0x200;
const OBJ_CASE_INSENSITIVE = 0x40;
const KEY_TYPES = ["GeneralRegistryKey", "DeviceRegistryKey", "DriverRegistryKey", "HwProfileRegistryKey", "DeviceInterfaceRegistryKey"];

/** Call a kernel export by name with these arguments: its NTSTATUS. */
function kernelCall(ctx: ApiContext, name: string, args: bigint[]): number {
  const at = ctx.kernel.resolveKernelExport?.(name) ?? null;
  if (at === null) ctx.fault("internal", `portcls's registry key needs ntoskrnl!${name}, which the emulated kernel does not export`);
  return Number(BigInt.asUintN(32, ctx.callGuest(at, args))) >>> 0;
}

/** A scratch block of pool for out parameters and OBJECT_ATTRIBUTES, freed by `done`. */
function scratch(ctx: ApiContext, size: number): { at: bigint; done: () => void } {
  const at = kalloc(envOf(ctx), size, TAG);
  ctx.mem.write(at, new Uint8Array(size));
  return { at, done: () => kfree(envOf(ctx), at) };
}

const forward = (name: string, argc: number): Method => [name, argc + 1, (ctx) => {
  const o = thisObject(ctx, `IRegistryKey::${name}`);
  return B(kernelCall(ctx, `Zw${name}`, [o.handle!, ...Array.from({ length: argc }, (_, i) => ctx.arg(i + 1))]));
}];

const METHODS: Method[] = [
  forward("QueryKey", 4),
  forward("EnumerateKey", 5),
  forward("QueryValueKey", 5),
  forward("EnumerateValueKey", 5),
  ["SetValueKey", 5, (ctx) => {
    const o = thisObject(ctx, "IRegistryKey::SetValueKey");
    // ZwSetValueKey(Key, ValueName, TitleIndex 0, Type, Data, DataSize).
    return B(kernelCall(ctx, "ZwSetValueKey", [o.handle!, ctx.arg(1), 0n, ctx.arg(2), ctx.arg(3), ctx.arg(4)]));
  }],
  ["QueryRegistryValues", 3, (ctx) => {
    const o = thisObject(ctx, "IRegistryKey::QueryRegistryValues");
    return B(kernelCall(ctx, "RtlQueryRegistryValues", [0x40000000n /* RTL_REGISTRY_HANDLE */, o.handle!, ctx.arg(1), ctx.arg(2), 0n]));
  }],
  ["NewSubKey", 7, (ctx) => {
    const o = thisObject(ctx, "IRegistryKey::NewSubKey");
    const [out, , access, name, options, disposition] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.u32(5), ctx.arg(6)];
    return B(openKey(ctx, out, o.handle!, name, access, options, disposition));
  }],
  ["DeleteKey", 1, (ctx) => B(kernelCall(ctx, "ZwDeleteKey", [thisObject(ctx, "IRegistryKey::DeleteKey").handle!]))],
];

/** A registry key object over an open kernel handle, written to *out. */
function keyObject(ctx: ApiContext, out: bigint, handle: bigint): void {
  const o = newObject(ctx, "IRegistryKey", METHODS, { kind: "registryKey", iids: [IID_IRegistryKey], handle, destroy: (c) => void kernelCall(c, "ZwClose", [handle]) });
  putPtr(ctx.mem, out, o.addr);
}

/** ZwCreateKey of `name` (a UNICODE_STRING) relative to `root` (0: absolute), then the key object. */
function openKey(ctx: ApiContext, out: bigint, root: bigint, name: bigint, access: number, options: number, disposition: bigint): number {
  const OA = LAYOUT.OBJECT_ATTRIBUTES;
  const s = scratch(ctx, OA.$size + 8);
  const oa = s.at;
  const m = ctx.mem;
  m.setU32(oa + B(OA.Length), OA.$size);
  putPtr(m, oa + B(OA.RootDirectory), root);
  putPtr(m, oa + B(OA.ObjectName), name);
  m.setU32(oa + B(OA.Attributes), OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE);
  const status = createKey(ctx, out, oa, access, options, disposition, s.at + B(OA.$size));
  s.done();
  return status;
}

function createKey(ctx: ApiContext, out: bigint, oa: bigint, access: number, options: number, disposition: bigint, handleAt: bigint): number {
  const status = kernelCall(ctx, "ZwCreateKey", [handleAt, B(access), oa, 0n, 0n, B(options), disposition]);
  if (ntSuccess(status)) keyObject(ctx, out, getPtr(ctx.mem, handleAt));
  else putPtr(ctx.mem, out, 0n);
  return status;
}

function newRegistryKey(ctx: ApiContext): number {
  const [out, outer, type, access, dev, sub, oa, options, disposition] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.u32(3), ctx.arg(4), ctx.arg(5), ctx.arg(6), ctx.u32(7), ctx.arg(8)];
  ctx.describe([hex(out), hex(outer), KEY_TYPES[type] ?? String(type), hex(access), hex(dev), hex(sub), hex(oa), hex(options), hex(disposition)]);
  if (out === 0n || !ctx.mem.isMapped(out, ptrSize())) ctx.fault("bugcheck", `PcNewRegistryKey: OutRegistryKey ${hex(out)} is not writable`, { code: "0x0000001E" });
  putPtr(ctx.mem, out, 0n);
  const bad = (why: string): number => {
    ctx.warn(`PcNewRegistryKey(${KEY_TYPES[type] ?? type}): ${why}: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  };
  if (type === 0) {
    if (oa === 0n) return bad("GeneralRegistryKey without ObjectAttributes");
    const s = scratch(ctx, 8);
    const status = createKey(ctx, out, oa, access, options, disposition, s.at);
    s.done();
    return status;
  }
  if (type === 4) ctx.fault("unimplemented-api", "kmdll does not implement portcls's DeviceInterfaceRegistryKey (PcNewRegistryKey): no device interface exists per subdevice");
  if (type > 4) return bad(`RegistryKeyType ${type} is not one of portcls.h's`);
  const pdo = adapterPdo(ctx.kernel, dev);
  if (pdo === null) return bad(`DeviceObject ${hex(dev)} is not an adapter device PcAddAdapterDevice made`);
  // PLUGPLAY_REGKEY_DEVICE 1, PLUGPLAY_REGKEY_DRIVER 2, PLUGPLAY_REGKEY_CURRENT_HWPROFILE 4 (wdm.h).
  const keyType = type === 1 ? 1n : type === 2 ? 2n : 5n;
  const s = scratch(ctx, 8);
  const status = kernelCall(ctx, "IoOpenDeviceRegistryKey", [pdo, keyType, B(access), s.at]);
  if (ntSuccess(status)) keyObject(ctx, out, getPtr(ctx.mem, s.at));
  s.done();
  return status;
}

/**
 * PcGetDeviceProperty(DeviceObject, DeviceProperty, BufferLength, PropertyBuffer, ResultLength)
 * (Learn: "returns the requested device property from the registry"; the DEVICE_REGISTRY_PROPERTY
 * values of IoGetDeviceProperty): IoGetDeviceProperty on the adapter's PDO, its status as it is.
 * IPort::GetDeviceProperty(DeviceProperty, BufferLength, PropertyBuffer, ResultLength) asks the same
 * of the port's device (./portcls-objects.ts). A device that is not an adapter PcAddAdapterDevice
 * made: STATUS_INVALID_PARAMETER.
 */
export function deviceProperty(ctx: ApiContext, what: string, dev: bigint, args: bigint[]): number {
  const pdo = adapterPdo(ctx.kernel, dev);
  if (pdo === null) {
    ctx.warn(`${what}: ${hex(dev)} is not an adapter device PcAddAdapterDevice made: STATUS_INVALID_PARAMETER`);
    return STATUS.INVALID_PARAMETER;
  }
  return kernelCall(ctx, "IoGetDeviceProperty", [pdo, ...args]);
}

export const registryKeyApis: ApiDefinition[] = [
  api(PORTCLS_MODULE, "PcNewRegistryKey", 9, newRegistryKey),
  api(PORTCLS_MODULE, "PcGetDeviceProperty", 5, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), String(ctx.u32(1)), String(ctx.u32(2)), hex(ctx.arg(3)), hex(ctx.arg(4))]);
    return deviceProperty(ctx, "PcGetDeviceProperty", ctx.arg(0), [B(ctx.u32(1)), B(ctx.u32(2)), ctx.arg(3), ctx.arg(4)]);
  }),
];
