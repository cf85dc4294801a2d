/**
 * WdfDeviceAddQueryInterface and the framework's answer to IRP_MN_QUERY_INTERFACE (wdfqueryinterface.h
 * of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks src/framework/kmdf/src/support/
 * fxqueryinterfaceapi.cpp and irphandlers/pnp/fxpkgpnp.cpp FxPkgPnp::HandleQueryInterface):
 *
 * - WdfDeviceAddQueryInterface(Device, InterfaceConfig): NULL InterfaceConfig or InterfaceType is a
 *   WDF_VIOLATION; a control device STATUS_INVALID_DEVICE_REQUEST; Size other than
 *   sizeof(WDF_QUERY_INTERFACE_CONFIG) STATUS_INFO_LENGTH_MISMATCH; SendQueryToParentStack on a device
 *   that is not a PDO, a NULL Interface without SendQueryToParentStack or ImportInterface,
 *   ImportInterface without EvtDeviceProcessQueryInterfaceRequest, or Interface->Size below
 *   sizeof(INTERFACE): STATUS_INVALID_PARAMETER. The framework keeps its own copy of the INTERFACE
 *   (Interface->Size bytes), with no-op reference routines where the driver gave none.
 * - IRP_MN_QUERY_INTERFACE for a registered GUID: the copy goes into the requester's INTERFACE when
 *   its Size and Version are not larger than the request's (else STATUS_INVALID_BUFFER_SIZE; an
 *   imported interface is not copied), EvtDeviceProcessQueryInterfaceRequest runs (a failure other
 *   than STATUS_NOT_SUPPORTED ends the request), InterfaceReference is called, and a function
 *   driver's device then sends the IRP down the stack and completes it with the status it comes back
 *   with. Other GUIDs go down as before.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { completeRequest, envOf } from "../iomgr/index.js";
import { WDF01000 } from "./ldr.js";
import { objectOf, type WdfObject } from "./objects.js";
import { required } from "./memory.js";
import { forwardAndWait } from "./pnp.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const SL = LAYOUT.IO_STACK_LOCATION;
const IRP = LAYOUT.IRP;
const INTF = LAYOUT.INTERFACE;
const STATUS_INVALID_BUFFER_SIZE = 0xc0000206;

export interface QueryInterface {
  guid: string;
  /** The framework's pool copy of the driver's INTERFACE (0 when none: imported or sent to the parent). */
  copy: bigint;
  evt: bigint;
  toParent: boolean;
  imported: boolean;
}

/** WDF_QUERY_INTERFACE_CONFIG {ULONG Size; PINTERFACE Interface; const GUID *InterfaceType; BOOLEAN SendQueryToParentStack; PFN EvtDeviceProcessQueryInterfaceRequest; BOOLEAN ImportInterface}. */
function configLayout() {
  const p = ptrSize();
  return { Interface: p, InterfaceType: 2 * p, SendQueryToParentStack: 3 * p, Evt: 4 * p, ImportInterface: 5 * p, $size: 6 * p };
}

const guidText = (ctx: ApiContext, at: bigint) => [...ctx.mem.read(at, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");

function addQueryInterface(ctx: ApiContext): number {
  const [devH, cfg] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(devH), hex(cfg)]);
  const dev = objectOf(ctx, devH, "device", "Device");
  required(ctx, cfg, "InterfaceConfig");
  const m = ctx.mem;
  const C = configLayout();
  const type = getPtr(m, cfg + B(C.InterfaceType));
  required(ctx, type, "InterfaceConfig->InterfaceType");
  if (dev.pdo === undefined) return STATUS.INVALID_DEVICE_REQUEST;
  if (m.u32(cfg) !== C.$size) return STATUS.INFO_LENGTH_MISMATCH;
  const iface = getPtr(m, cfg + B(C.Interface));
  const toParent = m.u8(cfg + B(C.SendQueryToParentStack)) !== 0;
  const imported = m.u8(cfg + B(C.ImportInterface)) !== 0;
  const evt = getPtr(m, cfg + B(C.Evt));
  // kmdll's KMDF devices are function and filter devices (no framework PDOs): SendQueryToParentStack is refused.
  if (toParent) return STATUS.INVALID_PARAMETER;
  if (iface === 0n && !imported) return STATUS.INVALID_PARAMETER;
  if (imported && evt === 0n) return STATUS.INVALID_PARAMETER;
  let copy = 0n;
  if (iface !== 0n) {
    const size = m.u16(iface + B(INTF.Size));
    if (size < INTF.$size) return STATUS.INVALID_PARAMETER;
    copy = ctx.kernel.kernelPool?.allocate(size, 0x51666457) ?? 0n; // 'WdfQ'
    if (copy === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    m.write(copy, m.read(iface, size));
    const noop = ctx.kernel.internalRoutine?.("FxInterfaceReferenceNoOp", () => 0, 1) ?? 0n;
    if (getPtr(m, copy + B(INTF.InterfaceReference)) === 0n) putPtr(m, copy + B(INTF.InterfaceReference), noop);
    if (getPtr(m, copy + B(INTF.InterfaceDereference)) === 0n) putPtr(m, copy + B(INTF.InterfaceDereference), noop);
    const prev = dev.dispose;
    dev.dispose = (c) => {
      prev?.(c);
      c.kernel.kernelPool?.free(copy);
    };
  }
  (dev.queryInterfaces ??= []).push({ guid: guidText(ctx, type), copy, evt, toParent, imported });
  return STATUS.SUCCESS;
}

/** IRP_MN_QUERY_INTERFACE to a WDFDEVICE: its answer, or null when no registered interface matches (the IRP goes down untouched). */
export function queryInterface(ctx: ApiContext, wdev: WdfObject, irp: bigint): number | null {
  const m = ctx.mem;
  const sl = getPtr(m, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]));
  const type = getPtr(m, sl + B(SL["Parameters.QueryInterface.InterfaceType"]));
  if (type === 0n || !wdev.queryInterfaces?.length) return null;
  const guid = guidText(ctx, type);
  const qi = wdev.queryInterfaces.find((q) => q.guid === guid);
  if (!qi) return null;
  const exposed = getPtr(m, sl + B(SL["Parameters.QueryInterface.Interface"]));
  const data = getPtr(m, sl + B(SL["Parameters.QueryInterface.InterfaceSpecificData"]));
  const complete = (status: number) => {
    m.setU32(irp + B(IRP.IoStatus), status);
    completeRequest(envOf(ctx), irp);
    return status;
  };
  if (qi.copy !== 0n) {
    const size = m.u16(qi.copy + B(INTF.Size));
    if (size > m.u16(sl + B(SL["Parameters.QueryInterface.Size"])) || m.u16(qi.copy + B(INTF.Version)) > m.u16(sl + B(SL["Parameters.QueryInterface.Version"]))) return complete(STATUS_INVALID_BUFFER_SIZE);
    if (!qi.imported) m.write(exposed, m.read(qi.copy, size));
  }
  let status: number = STATUS.SUCCESS;
  if (qi.evt !== 0n) status = Number(BigInt.asUintN(32, ctx.callGuest(qi.evt, [wdev.handle, type, exposed, data]))) >>> 0;
  if (!ntSuccess(status) && status !== STATUS.NOT_SUPPORTED) return complete(status);
  const ref = getPtr(m, exposed + B(INTF.InterfaceReference));
  if (ref !== 0n) ctx.callGuest(ref, [getPtr(m, exposed + B(INTF.Context))]);
  // A function or filter device sends the answered IRP down and completes it with the lower status.
  m.setU32(irp + B(IRP.IoStatus), status);
  return complete(forwardAndWait(ctx, wdev.lower!, irp));
}

export const apis: ApiDefinition[] = [fx("WdfDeviceAddQueryInterface", 3, addQueryInterface)];
