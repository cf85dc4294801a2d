/**
 * tdi.sys, the Transport Driver Interface library (deprecated since Windows Vista; tdikrnl.h and
 * ntddtdi.h, Microsoft Learn's previous-versions network reference). Export names: tdikrnl.h's
 * routines that are not macros — the 34 names mingw-w64's x86 tdi import library has (the kernel
 * export database's x86 list; it has none for x64). Drivers that still import it are mostly TDI filters and old
 * transports; the emulated machine has no TDI transport (no \Device\Tcp), so nothing ever sends
 * them a TDI request.
 *
 *   TdiMapUserRequest(DeviceObject, Irp, IrpSp): converts an IRP_MJ_DEVICE_CONTROL request with
 *     an IOCTL_TDI_* code (FILE_DEVICE_TRANSPORT, functions 0..13, ntddtdi.h) into the matching
 *     IRP_MJ_INTERNAL_DEVICE_CONTROL TDI_* request. Learn's return values: STATUS_INVALID_PARAMETER
 *     for IOCTL_TDI_SET_EVENT_HANDLER, STATUS_NOT_IMPLEMENTED for an IOCTL it does not recognize
 *     (which is what a driver's own private IOCTLs get, the common case). The conversion of a
 *     recognized IOCTL rebuilds IrpSp->Parameters from the user's TDI_REQUEST_USER_* buffer; kmdll
 *     does not implement it and says so (kind unimplemented-api) rather than guess the layout.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";

export const TDI = "tdi.sys";
const B = (n: number) => BigInt(n);
const IRP_MJ_DEVICE_CONTROL = 0x0e;
const FILE_DEVICE_TRANSPORT = 0x21;
const IO_TYPE_IRP = 6;
/** ntddtdi.h: IOCTL_TDI_* function numbers → the TDI_* minor function (tdikrnl.h) they map to. */
const TDI_IOCTLS: [string, number][] = [
  ["IOCTL_TDI_ACCEPT", 0x05], ["IOCTL_TDI_CONNECT", 0x03], ["IOCTL_TDI_DISCONNECT", 0x06], ["IOCTL_TDI_LISTEN", 0x04],
  ["IOCTL_TDI_QUERY_INFORMATION", 0x0c], ["IOCTL_TDI_RECEIVE", 0x08], ["IOCTL_TDI_RECEIVE_DATAGRAM", 0x0a], ["IOCTL_TDI_SEND", 0x07],
  ["IOCTL_TDI_SEND_DATAGRAM", 0x09], ["IOCTL_TDI_SET_EVENT_HANDLER", 0x0b], ["IOCTL_TDI_SET_INFORMATION", 0x0d],
  ["IOCTL_TDI_ASSOCIATE_ADDRESS", 0x01], ["IOCTL_TDI_DISASSOCIATE_ADDRESS", 0x02], ["IOCTL_TDI_ACTION", 0x0e],
];

export const TDI_EXPORTS: readonly string[] = (
  "TdiBuildNetbiosAddress TdiBuildNetbiosAddressEa TdiCopyBufferToMdl TdiCopyMdlChainToMdlChain TdiCopyMdlToBuffer " +
  "TdiDefaultChainedRcvDatagramHandler TdiDefaultChainedRcvExpeditedHandler TdiDefaultChainedReceiveHandler TdiDefaultConnectHandler " +
  "TdiDefaultDisconnectHandler TdiDefaultErrorHandler TdiDefaultRcvDatagramHandler TdiDefaultRcvExpeditedHandler TdiDefaultReceiveHandler " +
  "TdiDefaultSendPossibleHandler TdiDeregisterAddressChangeHandler TdiDeregisterDeviceObject TdiDeregisterNetAddress TdiDeregisterPnPHandlers " +
  "TdiDeregisterProvider TdiEnumerateAddresses TdiInitialize TdiMapUserRequest TdiMatchPdoWithChainedReceiveContext " +
  "TdiPnPPowerComplete TdiPnPPowerRequest TdiProviderReady TdiRegisterAddressChangeHandler TdiRegisterDeviceObject TdiRegisterNetAddress " +
  "TdiRegisterNotificationHandler TdiRegisterPnPHandlers TdiRegisterProvider TdiReturnChainedReceives"
).split(" ");

export const apis: ApiDefinition[] = [
  api(TDI, "TdiMapUserRequest", 3, (ctx) => {
    const [dev, irp, sp] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(dev), hex(irp), hex(sp)]);
    const m = ctx.mem;
    if (irp === 0n || m.u16(irp + B(LAYOUT.IRP.Type)) !== IO_TYPE_IRP) ctx.fault("bugcheck", `TdiMapUserRequest: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
    if (sp === 0n) ctx.fault("bugcheck", "TdiMapUserRequest: IrpSp is NULL", { code: "0x0000001E" });
    const SL = LAYOUT.IO_STACK_LOCATION;
    if (m.u8(sp + B(SL.MajorFunction)) !== IRP_MJ_DEVICE_CONTROL) return STATUS.NOT_IMPLEMENTED;
    const code = m.u32(sp + B(SL["Parameters.DeviceIoControl.IoControlCode"]));
    const fn = (code >>> 2) & 0xfff;
    if (code >>> 16 !== FILE_DEVICE_TRANSPORT || fn >= TDI_IOCTLS.length) return STATUS.NOT_IMPLEMENTED;
    const [name] = TDI_IOCTLS[fn]!;
    // The method and access bits must be the header's too (_TDI_CONTROL_CODE(Request, Method), FILE_ANY_ACCESS).
    const methods = [0, 0, 0, 0, 2, 2, 2, 1, 1, 0, 1, 0, 0, 2];
    if ((code & 3) !== methods[fn] || ((code >>> 14) & 3) !== 0) return STATUS.NOT_IMPLEMENTED;
    if (name === "IOCTL_TDI_SET_EVENT_HANDLER") return STATUS.INVALID_PARAMETER;
    ctx.fault("unimplemented-api", `kmdll does not implement TdiMapUserRequest's conversion of ${name} (${hex(code)}) into its TDI_* internal request (the user buffer's TDI_REQUEST_USER_* layout is not modelled)`);
  }),
];
