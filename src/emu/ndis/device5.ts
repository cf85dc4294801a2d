/**
 * NDIS 5's device for a miniport's own control channel (Microsoft Learn, NDIS 5.1 reference:
 * NdisMRegisterDevice, NdisMDeregisterDevice; 17 drivers of the held-out set fresh4, issue 12, call
 * it from DriverEntry).
 *
 *   NdisMRegisterDevice(NdisWrapperHandle, DeviceName, SymbolicName, MajorFunctions, pDeviceObject,
 *     NdisDeviceHandle): creates the named device object (FILE_DEVICE_NETWORK, no extension) of the
 *     driver the wrapper handle belongs to, a symbolic link SymbolicName → DeviceName, and
 *     dispatches the IRPs sent to it to MajorFunctions (an array of IRP_MJ_MAXIMUM_FUNCTION + 1
 *     routines; NULL entries keep the driver object's). Writes the device object and a handle for
 *     NdisMDeregisterDevice; NDIS_STATUS_SUCCESS, or the failure of the device or link creation
 *     (a name in use: STATUS_OBJECT_NAME_COLLISION, nothing created). An unknown wrapper handle is
 *     a bug check report. NDIS owns the dispatch of a miniport's driver object on Windows; kmdll
 *     has no NDIS 5 miniport (registration is refused, ./wrapper.ts), so the routines go into the
 *     driver object's MajorFunction table. The device keeps DO_DEVICE_INITIALIZING as IoCreateDevice
 *     leaves it (the I/O manager clears it when DriverEntry returns; Learn does not say that NDIS
 *     clears it earlier).
 *   NdisMDeregisterDevice(NdisDeviceHandle): deletes the link and the device; NDIS_STATUS_SUCCESS. A
 *     handle NdisMRegisterDevice did not return is a warning and NDIS_STATUS_FAILURE.
 */
import type { ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex, unicodeText, describeUnicode } from "../api/util.js";
import { componentState } from "../api/state.js";
import { canonical, createDevice, deleteDevice, envOf, ioState } from "../iomgr/index.js";
import { known } from "./wrapper.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const FILE_DEVICE_NETWORK = 0x12;
const IRP_MJ_COUNT = 28;
const NDIS_STATUS_FAILURE = 0xc0000001;
const devices = componentState("ndis-device5", () => new Map<bigint, string>());

export const ndisDevice5Apis: ApiDefinition[] = [
  ndis("NdisMRegisterDevice", 6, (ctx) => {
    const [wrapper, pName, pLink, majors, pDevice, pHandle] = [0, 1, 2, 3, 4, 5].map((i) => ctx.arg(i)) as [bigint, bigint, bigint, bigint, bigint, bigint];
    ctx.describe([hex(wrapper), describeUnicode(ctx, pName), describeUnicode(ctx, pLink), hex(majors), hex(pDevice), hex(pHandle)]);
    const driver = known(ctx, wrapper, "NdisMRegisterDevice").driver;
    const name = unicodeText(ctx.mem, pName);
    const link = unicodeText(ctx.mem, pLink);
    if (name === null || link === null) return STATUS.INVALID_PARAMETER;
    const io = ioState(ctx.kernel);
    if (io.links.has(canonical(link)) || io.names.has(canonical(link))) return STATUS.OBJECT_NAME_COLLISION;
    const r = createDevice(envOf(ctx), driver, 0, name, FILE_DEVICE_NETWORK, 0, false);
    if (r.status !== STATUS.SUCCESS) return r.status;
    io.links.set(canonical(link), name);
    const table = driver + BigInt(LAYOUT.DRIVER_OBJECT.MajorFunction);
    for (let i = 0; i < IRP_MJ_COUNT; i++) {
      const f = majors === 0n ? 0n : getPtr(ctx.mem, majors + BigInt(i * ptrSize()));
      if (f !== 0n) putPtr(ctx.mem, table + BigInt(i * ptrSize()), f);
    }
    devices(ctx.kernel).set(r.device, link);
    putPtr(ctx.mem, pDevice, r.device);
    putPtr(ctx.mem, pHandle, r.device);
    return STATUS.SUCCESS;
  }),
  ndis("NdisMDeregisterDevice", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    const link = devices(ctx.kernel).get(h);
    if (link === undefined) {
      ctx.warn(`NdisMDeregisterDevice(${hex(h)}): not a handle NdisMRegisterDevice returned (or deregistered already)`);
      return NDIS_STATUS_FAILURE;
    }
    devices(ctx.kernel).delete(h);
    ioState(ctx.kernel).links.delete(canonical(link));
    deleteDevice(ctx, h);
    return STATUS.SUCCESS;
  }),
];
