/**
 * A KMDF bus driver's default child list: dynamic enumeration (wdfchildlist.h, wdffdo.h of KMDF 1.33;
 * behaviour from microsoft/Windows-Driver-Frameworks src/framework/shared/core/fxdeviceinitapi.cpp
 * (WdfFdoInitSetDefaultChildListConfig), kmdf/src/core/fxchildlistapi.cpp, fxchildlist.cpp (_ValidateConfig,
 * Add, BeginScan/EndScan), shared/irphandlers/pnp/powerstatemachine.cpp (PowerDmaEnableAndScan);
 * Microsoft Learn: "Dynamic Enumeration", WdfChildListAddOrUpdateChildDescriptionAsPresent):
 *
 * - WdfFdoInitSetDefaultChildListConfig(DeviceInit, Config, Attributes): NULL pointers WDF_VIOLATION;
 *   a WDFDEVICE_INIT that is not a function driver's, Config->Size ≠ sizeof(WDF_CHILD_LIST_CONFIG), a
 *   zero IdentificationDescriptionSize, no EvtChildListCreateDevice, attributes naming a parent: the
 *   framework only breaks into the debugger and keeps no list (a warning here). WdfDeviceCreate then
 *   gives the device its WDFCHILDLIST; WdfFdoGetDefaultChildList returns it (NULL without one);
 *   WdfChildListGetDevice its device.
 * - After EvtDeviceD0Entry at start the framework calls EvtChildListScanForChildren(ChildList).
 * - WdfChildListBeginScan / EndScan: descriptions not reported present again between them are
 *   missing at EndScan. WdfChildListAddOrUpdateChildDescriptionAsPresent(ChildList, Id, Address): an
 *   address with a list that has none, none with a list that has them, or a header size other than
 *   the list's: STATUS_INVALID_DEVICE_REQUEST; an equal description present already (the driver's
 *   EvtChildListIdentificationDescriptionCompare, else the bytes) STATUS_OBJECT_NAME_EXISTS, else a
 *   copy (EvtChildListIdentificationDescriptionDuplicate / Copy, else the bytes) is added:
 *   STATUS_SUCCESS. WdfChildListUpdateChildDescriptionAsMissing: STATUS_NO_SUCH_DEVICE when no
 *   description matches. WdfChildListUpdateAllChildDescriptionsAsPresent marks all found again.
 *   Outside a scan, and at the end of the outermost one, a change asks the PnP manager to enumerate
 *   the bus again (IoInvalidateDeviceRelations) once the device started.
 * - IRP_MN_QUERY_DEVICE_RELATIONS(BusRelations): for each present description without a device the
 *   framework allocates a PDO's WDFDEVICE_INIT and calls EvtChildListCreateDevice(ChildList, Id,
 *   ChildInit); the device the driver creates with it is reported (pdo.ts, with the static children);
 *   a missing description's device is left out, so the PnP manager removes it. A failed callback or
 *   one that creates no device: the description stays without a device (reported as a warning).
 * Address-description callbacks are not called (the bytes are copied); WdfChildListCreate (lists
 * besides the default one), iteration and retrieval are not implemented.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { getPtr } from "../../nt/arch-layout.js";
import { STATUS, formatStatus, ntSuccess } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { pnpState } from "../pnp/state.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, type ObjectAttributes, type WdfObject } from "./objects.js";
import { deleteObject } from "./lifetime.js";
import { required } from "./memory.js";
import { newPdoInit } from "./pdo.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const TAG = 0x4c666457; // 'WdfL'
const STATUS_OBJECT_NAME_EXISTS = 0x40000000;
const STATUS_NO_SUCH_DEVICE = 0xc000000e;

/** WDF_CHILD_LIST_CONFIG as the framework keeps it. */
export interface ChildListConfig {
  idSize: number;
  addressSize: number;
  create: bigint;
  scan: bigint;
  idCopy: bigint;
  idDuplicate: bigint;
  idCompare: bigint;
  attrs: ObjectAttributes;
}
interface Description {
  id: bigint;
  address: bigint;
  present: boolean;
  found: boolean;
  device?: bigint;
}

declare module "./objects.js" {
  interface WdfObject {
    /** WDFDEVICE_INIT: WdfFdoInitSetDefaultChildListConfig; WDFCHILDLIST: its configuration. */
    childListConfig?: ChildListConfig;
    /** WDFDEVICE: its default WDFCHILDLIST. */
    defaultChildList?: bigint;
    /** WDFCHILDLIST: the descriptions, the nesting of BeginScan, whether one changed. */
    descriptions?: Description[];
    scanCount?: number;
    listChanged?: boolean;
  }
}

function readConfig(ctx: ApiContext, c: bigint, attrs: ObjectAttributes): ChildListConfig | string {
  const m = ctx.mem;
  const L = wdf("WDF_CHILD_LIST_CONFIG");
  const at = (f: keyof typeof L) => getPtr(m, c + B(L[f]));
  if (m.u32(c) !== L.$size) return `Config->Size ${m.u32(c)} is not sizeof(WDF_CHILD_LIST_CONFIG) (STATUS_INFO_LENGTH_MISMATCH)`;
  const idSize = m.u32(c + B(L.IdentificationDescriptionSize));
  if (idSize === 0) return "Config->IdentificationDescriptionSize is 0 (STATUS_INVALID_PARAMETER)";
  if (at("EvtChildListCreateDevice") === 0n) return "Config->EvtChildListCreateDevice is NULL (STATUS_INVALID_PARAMETER)";
  return {
    idSize, addressSize: m.u32(c + B(L.AddressDescriptionSize)), create: at("EvtChildListCreateDevice"), scan: at("EvtChildListScanForChildren"),
    idCopy: at("EvtChildListIdentificationDescriptionCopy"), idDuplicate: at("EvtChildListIdentificationDescriptionDuplicate"), idCompare: at("EvtChildListIdentificationDescriptionCompare"), attrs,
  };
}

/** WdfDeviceCreate of a function device whose WDFDEVICE_INIT has a child list configuration (pnp.ts). */
export function createDefaultChildList(ctx: ApiContext, dev: WdfObject, config: ChildListConfig): void {
  const list = newObject(ctx, "childList", { ...config.attrs, parent: dev.handle }, { childListConfig: config, descriptions: [], scanCount: 0 });
  list.dispose = (c) => {
    for (const d of list.descriptions ?? []) for (const p of [d.id, d.address]) if (p !== 0n) c.kernel.kernelPool?.free(p);
    list.descriptions = [];
  };
  dev.defaultChildList = list.handle;
}

/** EvtChildListScanForChildren of the device's default list, after EvtDeviceD0Entry (pnp.ts). */
export function scanForChildren(ctx: ApiContext, dev: WdfObject): void {
  const list = dev.defaultChildList === undefined ? undefined : wdfState(ctx.kernel).objects.get(dev.defaultChildList);
  if (list?.childListConfig?.scan) ctx.callGuest(list.childListConfig.scan, [list.handle]);
}

function sameId(ctx: ApiContext, list: WdfObject, a: bigint, b: bigint): boolean {
  const c = list.childListConfig!;
  if (c.idCompare !== 0n) return (Number(ctx.callGuest(c.idCompare, [list.handle, a, b])) & 0xff) !== 0;
  const x = ctx.mem.read(a, c.idSize), y = ctx.mem.read(b, c.idSize);
  return x.every((v, i) => v === y[i]);
}

function copyOf(ctx: ApiContext, list: WdfObject, src: bigint, size: number, id: boolean): bigint {
  const p = ctx.kernel.kernelPool?.allocate(size, TAG) ?? 0n;
  if (p === 0n) ctx.fault("internal", `${ctx.api}: no kernel pool for a child description`);
  const c = list.childListConfig!;
  ctx.mem.write(p, new Uint8Array(size));
  if (id && c.idDuplicate !== 0n) ctx.callGuest(c.idDuplicate, [list.handle, src, p]);
  else if (id && c.idCopy !== 0n) ctx.callGuest(c.idCopy, [list.handle, src, p]);
  else ctx.mem.write(p, ctx.mem.read(src, size));
  return p;
}

/** A change: the PnP manager enumerates the bus again once the device started and no scan is open. */
function changed(ctx: ApiContext, list: WdfObject): void {
  list.listChanged = true;
  if ((list.scanCount ?? 0) > 0) return;
  const dev = list.parent === null ? undefined : wdfState(ctx.kernel).objects.get(list.parent);
  if (dev?.started && dev.pdo !== undefined) pnpState(ctx.kernel).invalidated.add(dev.pdo);
  list.listChanged = false;
}

/**
 * IRP_MN_QUERY_DEVICE_RELATIONS(BusRelations) through the device: a PDO for each present description
 * without one (EvtChildListCreateDevice); the devices of the present descriptions.
 */
export function dynamicChildren(ctx: ApiContext, fdo: WdfObject): bigint[] {
  const st = wdfState(ctx.kernel);
  const list = fdo.defaultChildList === undefined ? undefined : st.objects.get(fdo.defaultChildList);
  if (!list?.descriptions) return [];
  const drv = getPtr(ctx.mem, list.owner);
  for (const d of list.descriptions) {
    if (!d.present || d.device !== undefined) continue;
    const before = new Set([...st.objects.values()].filter((o) => o.kind === "device").map((o) => o.handle));
    const init = newPdoInit(ctx, fdo, drv);
    const status = Number(ctx.callGuest(list.childListConfig!.create, [list.handle, d.id, init.handle])) >>> 0;
    const made = [...st.objects.values()].find((o) => o.kind === "device" && o.isPdo && o.pdoParent === fdo.handle && !before.has(o.handle));
    if (st.objects.get(init.handle) === init && !init.consumed) deleteObject(ctx, init);
    if (ntSuccess(status) && made) d.device = made.handle;
    else ctx.warn(`EvtChildListCreateDevice of ${hex(list.handle)} returned ${formatStatus(status)}${made ? "" : " without creating a device"}: the child is not enumerated`);
  }
  return list.descriptions.filter((d) => d.present && d.device !== undefined && st.objects.has(d.device)).map((d) => d.device!);
}

function listOf(ctx: ApiContext): WdfObject {
  return objectOf(ctx, ctx.arg(1), "childList", "ChildList");
}

export const apis: ApiDefinition[] = [
  fx("WdfFdoInitSetDefaultChildListConfig", 4, (ctx) => {
    const [initH, c, attrs] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(initH), hex(c), hex(attrs)]);
    required(ctx, initH, "DeviceInit");
    const init = objectOf(ctx, initH, "deviceInit", "DeviceInit");
    required(ctx, c, "Config");
    const refuse = (why: string) => void ctx.warn(`WdfFdoInitSetDefaultChildListConfig: ${why}: no child list (the framework breaks into the debugger)`);
    if (init.pdo === undefined || init.filter || init.pdoParent !== undefined) return refuse("not a function driver's WDFDEVICE_INIT");
    if (attrs !== 0n && validateAttributes(ctx, attrs, { parentRequired: false }) !== 0) return refuse("DefaultChildListAttributes are not valid");
    const a = readAttributes(ctx, attrs);
    if (a.parent !== null) return refuse("DefaultChildListAttributes name a ParentObject (STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED)");
    const config = readConfig(ctx, c, a);
    if (typeof config === "string") return refuse(config);
    init.childListConfig = config;
  }),
  fx("WdfFdoGetDefaultChildList", 2, (ctx) => objectOf(ctx, ctx.arg(1), "device", "Fdo").defaultChildList ?? 0n),
  fx("WdfChildListGetDevice", 2, (ctx) => listOf(ctx).parent ?? 0n),
  fx("WdfChildListBeginScan", 2, (ctx) => {
    const list = listOf(ctx);
    if ((list.scanCount = (list.scanCount ?? 0) + 1) === 1) for (const d of list.descriptions ?? []) d.found = false;
  }),
  fx("WdfChildListEndScan", 2, (ctx) => {
    const list = listOf(ctx);
    if ((list.scanCount ?? 0) === 0) return void ctx.warn(`WdfChildListEndScan: ${hex(list.handle)} has no scan open (the framework breaks into the debugger)`);
    if (--list.scanCount! > 0) return;
    for (const d of list.descriptions ?? []) if (d.present && !d.found) { d.present = false; list.listChanged = true; }
    if (list.listChanged) changed(ctx, list);
  }),
  fx("WdfChildListAddOrUpdateChildDescriptionAsPresent", 4, (ctx) => {
    const [id, address] = [ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(id), hex(address)]);
    const list = listOf(ctx);
    required(ctx, id, "IdentificationDescription");
    const c = list.childListConfig!;
    const m = ctx.mem;
    if ((address !== 0n) !== (c.addressSize !== 0) || (address !== 0n && m.u32(address) !== c.addressSize)) return STATUS.INVALID_DEVICE_REQUEST;
    if (m.u32(id) !== c.idSize) {
      ctx.warn(`WdfChildListAddOrUpdateChildDescriptionAsPresent: IdentificationDescription->IdentificationDescriptionSize ${m.u32(id)} is not the list's ${c.idSize}: STATUS_INVALID_DEVICE_REQUEST`);
      return STATUS.INVALID_DEVICE_REQUEST;
    }
    const d = list.descriptions!.find((e) => e.present && sameId(ctx, list, e.id, id));
    if (d) {
      d.found = true;
      if (address !== 0n) m.write(d.address, m.read(address, c.addressSize));
      return STATUS_OBJECT_NAME_EXISTS;
    }
    list.descriptions!.push({ id: copyOf(ctx, list, id, c.idSize, true), address: address === 0n ? 0n : copyOf(ctx, list, address, c.addressSize, false), present: true, found: true });
    changed(ctx, list);
    return STATUS.SUCCESS;
  }),
  fx("WdfChildListUpdateChildDescriptionAsMissing", 3, (ctx) => {
    const list = listOf(ctx);
    required(ctx, ctx.arg(2), "IdentificationDescription");
    if (ctx.mem.u32(ctx.arg(2)) !== list.childListConfig!.idSize) return STATUS.INVALID_DEVICE_REQUEST;
    const d = list.descriptions!.find((e) => e.present && sameId(ctx, list, e.id, ctx.arg(2)));
    if (!d) return STATUS_NO_SUCH_DEVICE;
    d.present = false;
    changed(ctx, list);
    return STATUS.SUCCESS;
  }),
  fx("WdfChildListUpdateAllChildDescriptionsAsPresent", 2, (ctx) => {
    for (const d of listOf(ctx).descriptions ?? []) if (d.present) d.found = true;
  }),
];
