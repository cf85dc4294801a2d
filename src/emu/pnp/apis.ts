/**
 * Kernel routines of the PnP manager (ntoskrnl.exe): IoInvalidateDeviceRelations, device
 * interfaces (IoRegisterDeviceInterface, IoSetDeviceInterfaceState, IoGetDeviceInterfaces),
 * PnP notifications (IoRegisterPlugPlayNotification / IoUnregisterPlugPlayNotification(Ex)),
 * PoCallDriver, IoGetDeviceProperty for the IDs of a devnode and IoOpenDeviceRegistryKey.
 * Statuses follow the Microsoft Learn page of each routine.
 *
 * IoOpenDeviceRegistryKey(Pdo, DevInstKeyType, DesiredAccess, &Key) (wdm.h; Learn
 * nf-wdm-ioopendeviceregistrykey): a kernel handle to the devnode's hardware key
 * (PLUGPLAY_REGKEY_DEVICE 1: Enum\<instance>\Device Parameters) or software key
 * (PLUGPLAY_REGKEY_DRIVER 2: Enum\<instance>\Driver — kmdll keeps no Control\Class keys, as
 * WdfDeviceOpenRegistryKey in wdf/registry.ts), created when missing; with
 * PLUGPLAY_REGKEY_CURRENT_HWPROFILE (4) the same under Hardware Profiles\Current\System\
 * CurrentControlSet. Another type: STATUS_INVALID_PARAMETER; a device that is no PDO of a devnode:
 * STATUS_INVALID_DEVICE_REQUEST.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { describeUnicode, hex, nt, unicodeText, writeCounted } from "../api/util.js";
import { registryOf } from "../api/zw.js";
import { insertHandle } from "../obmgr/index.js";
import { newCallbackHandle, registerCallback, unregisterCallback } from "../api/notify.js";
import { callDriver, deviceLabel, envOf } from "../iomgr/index.js";
import { EventCategoryDeviceInterfaceChange, GUID_DEVICE_INTERFACE_ARRIVAL, findInterface, guidAt, notifyInterface, registerInterface, setInterfaceState } from "./interfaces.js";
import { nodeOfPdo, pnpState } from "./state.js";
import { getDeviceProperty, propertyName } from "./properties.js";

const TAG_IFACE = 0x66495050; // 'PPIf'
const PagedPool = 1;
const PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES = 1;
const DEVICE_INTERFACE_INCLUDE_NONACTIVE = 1;
const BusRelations = 0;
const CATEGORIES = ["EventCategoryReserved", "EventCategoryHardwareProfileChange", "EventCategoryDeviceInterfaceChange", "EventCategoryTargetDeviceChange", "EventCategoryKernelSoftRestart"];

/** A wide string (or MULTI_SZ when `multi`) in the caller's pool. */
function poolWide(ctx: ApiContext, strings: string[], multi: boolean): bigint {
  const text = multi ? strings.map((s) => s + "\0").join("") + "\0" : (strings[0] ?? "") + "\0";
  const p = ctx.pool.allocate(text.length * 2, TAG_IFACE, PagedPool, false);
  if (p === 0n) return 0n;
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    bytes[2 * i] = text.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = text.charCodeAt(i) >> 8;
  }
  ctx.mem.write(p, bytes);
  return p;
}

function pdoNode(ctx: ApiContext, pdo: bigint) {
  return nodeOfPdo(pnpState(ctx.kernel), pdo);
}

export const apis: ApiDefinition[] = [
  nt("IoInvalidateDeviceRelations", 2, (ctx) => {
    const [pdo, type] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([deviceLabel(ctx, pdo), ["BusRelations", "EjectionRelations", "PowerRelations", "RemovalRelations", "TargetDeviceRelation"][type] ?? String(type)]);
    const n = pdoNode(ctx, pdo);
    // Documented as a bug check when the device object is not a PDO the PnP manager knows.
    if (!n) ctx.fault("bugcheck", `IoInvalidateDeviceRelations(${deviceLabel(ctx, pdo)}): not the PDO of a devnode (PNP_DETECTED_FATAL_ERROR)`, { code: "0x000000CA", parameters: ["0x2", hex(pdo), "0x0", "0x0"] });
    if (type === BusRelations) pnpState(ctx.kernel).invalidated.add(pdo);
  }),
  // The PnP manager sends IRP_MN_QUERY_PNP_DEVICE_STATE to the stack when it next settles (removal.ts).
  nt("IoInvalidateDeviceState", 1, (ctx) => {
    ctx.describe([deviceLabel(ctx, ctx.arg(0))]);
    if (!pdoNode(ctx, ctx.arg(0))) ctx.fault("bugcheck", `IoInvalidateDeviceState(${deviceLabel(ctx, ctx.arg(0))}): not the PDO of a devnode (PNP_DETECTED_FATAL_ERROR)`, { code: "0x000000CA", parameters: ["0x2", hex(ctx.arg(0)), "0x0", "0x0"] });
    pnpState(ctx.kernel).stateInvalidated.add(ctx.arg(0));
  }),
  nt("IoRegisterDeviceInterface", 4, (ctx) => {
    const [pdo, guidP, refP, out] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([deviceLabel(ctx, pdo), guidP === 0n ? "NULL" : guidAt(ctx.mem, guidP), refP === 0n ? "NULL" : describeUnicode(ctx, refP), hex(out)]);
    if (!pdoNode(ctx, pdo)) return STATUS.INVALID_DEVICE_REQUEST;
    if (guidP === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    const ref = refP === 0n ? null : unicodeText(ctx.mem, refP);
    if (ref !== null && /[\\/]/.test(ref)) return STATUS.INVALID_DEVICE_REQUEST;
    const r = registerInterface(ctx, pdo, guidAt(ctx.mem, guidP), ref, ctx.caller?.module ?? "?");
    if (!r.iface) return r.status;
    const link = r.iface.link;
    const buf = poolWide(ctx, [link], false);
    if (buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    writeCounted(ctx.mem, out, { length: link.length * 2, maximumLength: link.length * 2 + 2, buffer: buf });
    return STATUS.SUCCESS;
  }),
  nt("IoSetDeviceInterfaceState", 2, (ctx) => {
    const [linkP, enable] = [ctx.arg(0), ctx.u32(1) & 0xff];
    ctx.describe([describeUnicode(ctx, linkP), enable ? "TRUE" : "FALSE"]);
    const link = linkP === 0n ? null : unicodeText(ctx.mem, linkP);
    if (link === null) return STATUS.INVALID_PARAMETER;
    const i = findInterface(ctx, link);
    if (!i) return STATUS.OBJECT_NAME_NOT_FOUND;
    setInterfaceState(envOf(ctx), i, enable !== 0);
    return STATUS.SUCCESS;
  }),
  nt("IoGetDeviceInterfaces", 4, (ctx) => {
    const [guidP, pdo, flags, out] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
    ctx.describe([guidP === 0n ? "NULL" : guidAt(ctx.mem, guidP), pdo === 0n ? "NULL" : deviceLabel(ctx, pdo), hex(flags), hex(out)]);
    if (guidP === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    const guid = guidAt(ctx.mem, guidP);
    const links = pnpState(ctx.kernel).interfaces
      .filter((i) => i.guid === guid && (pdo === 0n || i.pdo === pdo) && (i.enabled || flags & DEVICE_INTERFACE_INCLUDE_NONACTIVE))
      .map((i) => i.link);
    const list = poolWide(ctx, links, true);
    if (list === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    putPtr(ctx.mem, out, list);
    return STATUS.SUCCESS;
  }),
  nt("IoRegisterPlugPlayNotification", 7, (ctx) => {
    const [category, flags, data, drv, cb, context, out] = [ctx.u32(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
    ctx.describe([CATEGORIES[category] ?? String(category), hex(flags), hex(data), hex(drv), ctx.kernel.where?.(cb) ?? hex(cb), hex(context), hex(out)]);
    if (category < 1 || category > 4 || cb === 0n || drv === 0n || out === 0n) return STATUS.INVALID_PARAMETER;
    if (category === EventCategoryDeviceInterfaceChange && data === 0n) return STATUS.INVALID_PARAMETER;
    const guid = category === EventCategoryDeviceInterfaceChange ? guidAt(ctx.mem, data) : undefined;
    const h = newCallbackHandle(ctx);
    registerCallback(ctx, "pnp", cb, context, h, { category, ...(guid ? { guid } : {}), ...(category === 3 ? { fileObject: hex(data) } : {}) });
    putPtr(ctx.mem, out, h);
    if (guid && flags & PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES) {
      const env = envOf(ctx);
      for (const i of pnpState(ctx.kernel).interfaces) if (i.enabled && i.guid === guid) notifyInterface(env, i, GUID_DEVICE_INTERFACE_ARRIVAL, { routine: cb, context });
    }
    return STATUS.SUCCESS;
  }),
  ...(["IoUnregisterPlugPlayNotification", "IoUnregisterPlugPlayNotificationEx"] as const).map((name) =>
    nt(name, 1, (ctx) => {
      if (!unregisterCallback(ctx, (r) => r.kind === "pnp" && r.handle === ctx.arg(0))) return STATUS.INVALID_PARAMETER;
      ctx.kernel.kernelPool?.free(ctx.arg(0));
      return STATUS.SUCCESS;
    }),
  ),
  // Since Windows Vista PoCallDriver is IoCallDriver for power IRPs (Microsoft Learn).
  nt("PoCallDriver", 2, (ctx) => {
    ctx.describe([deviceLabel(ctx, ctx.arg(0)), hex(ctx.arg(1))]);
    return callDriver(envOf(ctx), ctx.arg(0), ctx.arg(1));
  }),
  nt("IoGetDeviceProperty", 5, (ctx) => {
    const [pdo, prop, len, buf, result] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3), ctx.arg(4)];
    ctx.describe([deviceLabel(ctx, pdo), propertyName(prop), String(len), hex(buf), hex(result)]);
    return getDeviceProperty(ctx, pdo, prop, len, buf, result);
  }),
  nt("IoOpenDeviceRegistryKey", 4, (ctx) => {
    const [pdo, type, access, out] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3)];
    ctx.describe([deviceLabel(ctx, pdo), hex(type), hex(access), hex(out)]);
    const which = type & ~4;
    if (which !== 1 && which !== 2) return STATUS.INVALID_PARAMETER;
    const n = pdoNode(ctx, pdo);
    if (!n) return STATUS.INVALID_DEVICE_REQUEST;
    const root = type & 4 ? "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current\\System\\CurrentControlSet" : "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet";
    const r = registryOf(ctx.kernel).createKey(`${root}\\Enum\\${n.instance}\\${which === 1 ? "Device Parameters" : "Driver"}`);
    if (!r) return STATUS.OBJECT_NAME_NOT_FOUND;
    putPtr(ctx.mem, out, insertHandle(ctx.kernel, { type: "Key", data: { key: r.key }, access, kernelHandle: true }));
    return STATUS.SUCCESS;
  }),
];
