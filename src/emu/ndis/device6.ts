/**
 * NDIS 6's control device for a miniport or filter driver (ndis.h; Microsoft Learn:
 * NdisRegisterDeviceEx, NdisDeregisterDeviceEx, NdisGetDeviceReservedExtension,
 * NDIS_DEVICE_OBJECT_ATTRIBUTES; Broadcom / D-Link / Realtek LAN and WLAN miniports of the held-out
 * set fresh4 call it from DriverEntry, issue 12).
 *
 *   NdisRegisterDeviceEx(NdisHandle, DeviceObjectAttributes, pDeviceObject, NdisDeviceHandle):
 *     NdisHandle is a miniport driver handle (NdisMRegisterMiniportDriver's) or a filter driver
 *     handle (NdisFRegisterFilterDriver's); anything else is a bug check report (NDIS dereferences
 *     it). The attributes' Header must be NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES (0x85),
 *     revision 1, at least NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 (56 bytes on x64, 28 on
 *     x86), else NDIS_STATUS_INVALID_PARAMETER with a warning (the status is kmdll's choice: Learn
 *     names none). Creates the named device object (FILE_DEVICE_NETWORK, ExtensionSize bytes of
 *     extension, which NdisGetDeviceReservedExtension returns) of that driver and the symbolic link
 *     SymbolicName → DeviceName when one is given; a name in use → STATUS_OBJECT_NAME_COLLISION,
 *     nothing created. DefaultSDDLString / DeviceClassGuid are not modelled (the device's security
 *     is the default one). The IRPs sent to the device go to MajorFunctions (IRP_MJ_MAXIMUM_FUNCTION
 *     + 1 entries; NULL: STATUS_INVALID_DEVICE_REQUEST): NDIS owns a miniport's dispatch table
 *     (./index.ts) and routes them through `ndisDeviceDispatch`; a filter driver keeps its own
 *     table, so the non-NULL entries go into it (as ./device5.ts does for NDIS 5).
 *   NdisDeregisterDeviceEx(NdisDeviceHandle): deletes the link and the device; a handle
 *     NdisRegisterDeviceEx did not return is a bug check report.
 *   NdisGetDeviceReservedExtension(DeviceObject): the device's extension (DeviceObject->DeviceExtension).
 *
 * NDIS_DEVICE_OBJECT_ATTRIBUTES: NDIS_OBJECT_HEADER (4 bytes, padded to a pointer), DeviceName,
 * SymbolicName, MajorFunctions (pointers), ULONG ExtensionSize, DefaultSDDLString, DeviceClassGuid.
 */
import type { ApiContext, ApiDefinition, KernelState } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex, unicodeText, describeUnicode } from "../api/util.js";
import { componentState } from "../api/state.js";
import { canonical, completeRequest, createDevice, deleteDevice, envOf, ioState } from "../iomgr/index.js";
import { miniportDriverObject } from "./index.js";
import { filterDriverObject } from "./filter.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const B = (n: number) => BigInt(n);
const FILE_DEVICE_NETWORK = 0x12;
const IRP_MJ_COUNT = 28;
const NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES = 0x85;
const NDIS_STATUS_INVALID_PARAMETER = 0xc000000d; // = STATUS_INVALID_PARAMETER (ndis.h)
const STATUS_INVALID_DEVICE_REQUEST = 0xc0000010;

interface NdisDevice {
  driver: bigint;
  link: string | null;
  majors: bigint[];
}
const devices = componentState("ndis-device6", () => new Map<bigint, NdisDevice>());

/** Offsets in NDIS_DEVICE_OBJECT_ATTRIBUTES for the arch. */
function attrs() {
  const P = ptrSize();
  return { DeviceName: P, SymbolicName: 2 * P, MajorFunctions: 3 * P, ExtensionSize: 4 * P, size: P === 8 ? 56 : 28 };
}

function registerDevice(ctx: ApiContext): number {
  const [h, pAttrs, pDevice, pHandle] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(h), hex(pAttrs), hex(pDevice), hex(pHandle)]);
  const m = ctx.mem;
  const miniport = miniportDriverObject(ctx.kernel, h);
  const driver = miniport ?? filterDriverObject(ctx.kernel, h);
  if (driver === null) ctx.fault("bugcheck", `NdisRegisterDeviceEx(${hex(h)}): not a miniport or filter driver handle NdisMRegisterMiniportDriver / NdisFRegisterFilterDriver returned`, { code: "0x0000001E" });
  const A = attrs();
  const [type, revision, size] = [m.u8(pAttrs), m.u8(pAttrs + 1n), m.u16(pAttrs + 2n)];
  if (type !== NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES || revision < 1 || size < A.size) {
    const why = [type !== NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES ? `Header.Type is ${hex(type)}, not NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES (0x85)` : "", revision < 1 ? `Header.Revision is ${revision} (NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 is the first)` : "", size < A.size ? `Header.Size is ${size}, less than NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 (${A.size})` : ""];
    ctx.warn(`NdisRegisterDeviceEx: ${why.filter(Boolean).join("; ")}: NDIS_STATUS_INVALID_PARAMETER`);
    return NDIS_STATUS_INVALID_PARAMETER;
  }
  const pName = getPtr(m, pAttrs + B(A.DeviceName));
  const pLink = getPtr(m, pAttrs + B(A.SymbolicName));
  const majors = getPtr(m, pAttrs + B(A.MajorFunctions));
  const extSize = m.u32(pAttrs + B(A.ExtensionSize));
  ctx.describe([hex(h), `{${describeUnicode(ctx, pName)}, ${pLink === 0n ? "NULL" : describeUnicode(ctx, pLink)}, ext ${extSize}}`, hex(pDevice), hex(pHandle)]);
  const name = pName === 0n ? null : unicodeText(m, pName);
  const link = pLink === 0n ? null : unicodeText(m, pLink);
  if (name === null || (pLink !== 0n && link === null)) return NDIS_STATUS_INVALID_PARAMETER;
  const io = ioState(ctx.kernel);
  if (link !== null && (io.links.has(canonical(link)) || io.names.has(canonical(link)))) return STATUS.OBJECT_NAME_COLLISION;
  const r = createDevice(envOf(ctx), driver, extSize, name, FILE_DEVICE_NETWORK, 0, false);
  if (r.status !== STATUS.SUCCESS) return r.status;
  if (link !== null) io.links.set(canonical(link), name);
  const table: bigint[] = [];
  for (let i = 0; i < IRP_MJ_COUNT; i++) table.push(majors === 0n ? 0n : getPtr(m, majors + B(i * ptrSize())));
  if (miniport === null) {
    const dt = driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction);
    table.forEach((f, i) => f !== 0n && putPtr(m, dt + B(i * ptrSize()), f));
  }
  devices(ctx.kernel).set(r.device, { driver, link, majors: table });
  putPtr(m, pDevice, r.device);
  putPtr(m, pHandle, r.device);
  return STATUS.SUCCESS;
}

/**
 * NDIS's dispatch routine for a miniport driver object: an IRP for a device NdisRegisterDeviceEx
 * made goes to the driver's MajorFunctions entry for its major code; any other IRP (or a NULL
 * entry) is completed with STATUS_INVALID_DEVICE_REQUEST, as IopInvalidDeviceRequest does.
 */
export function ndisDeviceDispatch(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine("ndisDispatchIrp", (ctx) => {
    const [device, irp] = [ctx.arg(0), ctx.arg(1)];
    const d = devices(ctx.kernel).get(device);
    const IRP = LAYOUT.IRP;
    if (d && irp !== 0n) {
      const sl = getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
      const f = d.majors[ctx.mem.u8(sl)] ?? 0n;
      if (f !== 0n) return ctx.callGuest(f, [device, irp]);
    }
    if (irp !== 0n && ctx.mem.isMapped(irp + B(IRP.IoStatus), 16)) {
      ctx.mem.setU32(irp + B(IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Status), STATUS_INVALID_DEVICE_REQUEST);
      putPtr(ctx.mem, irp + B(IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information), 0n);
      completeRequest(envOf(ctx), irp);
    }
    return STATUS_INVALID_DEVICE_REQUEST;
  }, 2);
}

export const ndisDevice6Apis: ApiDefinition[] = [
  ndis("NdisRegisterDeviceEx", 4, registerDevice),
  ndis("NdisDeregisterDeviceEx", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    const d = devices(ctx.kernel).get(h);
    if (!d) return ctx.fault("bugcheck", `NdisDeregisterDeviceEx(${hex(h)}): not a handle NdisRegisterDeviceEx returned (or deregistered already)`, { code: "0x0000001E" });
    devices(ctx.kernel).delete(h);
    if (d.link !== null) ioState(ctx.kernel).links.delete(canonical(d.link));
    deleteDevice(ctx, h);
  }),
  ndis("NdisGetDeviceReservedExtension", 1, (ctx) => {
    const dev = ctx.arg(0);
    ctx.describe([hex(dev)]);
    return getPtr(ctx.mem, dev + B(LAYOUT.DEVICE_OBJECT.DeviceExtension));
  }),
];
