/**
 * wmilib.sys, the WMI library drivers use to answer IRP_MJ_SYSTEM_CONTROL (wmilib.h, wmistr.h;
 * Microsoft Learn's pages of each routine and structure). x64, x86 and ARM64 alike (layouts per
 * pointer size).
 *
 *   WmiSystemControl(WmiLibInfo, DeviceObject, Irp, IrpDisposition): the current stack location
 *     must be IRP_MJ_SYSTEM_CONTROL. A minor function that is not a WMI one (above
 *     IRP_MN_REGINFO_EX) → *IrpDisposition = IrpNotWmi; a request for another device
 *     (Parameters.WMI.ProviderId != DeviceObject) → IrpForward; both return Irp->IoStatus.Status
 *     and leave the IRP to the driver. Otherwise the GUID at Parameters.WMI.DataPath is looked up
 *     in WmiLibInfo->GuidList (WMIGUIDREGINFO {LPCGUID Guid; ULONG InstanceCount; ULONG Flags});
 *     an unknown GUID completes the IRP with STATUS_WMI_GUID_NOT_FOUND, an instance index past
 *     the GUID's InstanceCount with STATUS_WMI_INSTANCE_NOT_FOUND (IrpProcessed).
 *     IRP_MN_QUERY_ALL_DATA calls QueryWmiDataBlock(DeviceObject, Irp, GuidIndex, 0,
 *     InstanceCount, InstanceLengthArray, BufferAvail, Buffer) with Buffer inside the caller's
 *     WNODE_ALL_DATA at an 8-byte aligned DataBlockOffset after the OffsetInstanceDataAndLength
 *     array (each instance's data 8-byte aligned, Learn: DpWmiQueryDataBlock);
 *     IRP_MN_QUERY_SINGLE_INSTANCE the same for the one instance the WNODE_SINGLE_INSTANCE names
 *     by InstanceIndex (WNODE_FLAG_STATIC_INSTANCE_NAMES), its data at the node's DataBlockOffset;
 *     IRP_MN_ENABLE/DISABLE_EVENTS and _COLLECTION call WmiFunctionControl(DeviceObject, Irp,
 *     GuidIndex, WmiEventControl | WmiDataBlockControl, Enable), or complete with STATUS_SUCCESS
 *     when the driver has none. The callback completes the IRP with WmiCompleteRequest;
 *     WmiSystemControl returns what the callback returned (IrpProcessed). IRP_MN_REGINFO(_EX),
 *     the CHANGE_* requests, EXECUTE_METHOD and instance names are emulator gaps (kind
 *     unimplemented-api): no WMI service sends them on the emulated machine.
 *   WmiCompleteRequest(DeviceObject, Irp, Status, BufferUsed, PriorityBoost): fills the WNODE of
 *     the request WmiSystemControl dispatched (ALL_DATA: DataBlockOffset, InstanceCount,
 *     OffsetInstanceDataAndLength from the lengths the driver stored; SINGLE_INSTANCE:
 *     SizeDataBlock; BufferSize; IoStatus.Information = the node's size) and completes the IRP
 *     (IoCompleteRequest). STATUS_BUFFER_TOO_SMALL turns the node into a WNODE_TOO_SMALL
 *     {WNODE_HEADER; ULONG SizeNeeded} (WNODE_FLAG_TOO_SMALL) and returns STATUS_SUCCESS;
 *     otherwise it returns Status. An IRP WmiSystemControl did not dispatch is completed with
 *     Status and no data.
 *   WmiFireEvent(DeviceObject, Guid, InstanceIndex, EventDataSize, EventData): EventData (nonpaged
 *     pool, may be NULL) belongs to WMI after the call, which frees it (Learn); no event consumer
 *     runs on the emulated machine, so the event is only traced. STATUS_SUCCESS.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";
import { componentState } from "./state.js";
import { completeRequest } from "../iomgr/dispatch.js";
import { envOf } from "../iomgr/env.js";

export const WMILIB = "wmilib.sys";
export const WMILIB_EXPORTS: readonly string[] = ["WmiCompleteRequest", "WmiFireEvent", "WmiSystemControl"];
const B = (n: number) => BigInt(n);
const IO_TYPE_IRP = 6;
const IRP_MJ_SYSTEM_CONTROL = 0x17;
const MN = { QUERY_ALL_DATA: 0, QUERY_SINGLE_INSTANCE: 1, CHANGE_SINGLE_INSTANCE: 2, CHANGE_SINGLE_ITEM: 3, ENABLE_EVENTS: 4, DISABLE_EVENTS: 5, ENABLE_COLLECTION: 6, DISABLE_COLLECTION: 7, REGINFO: 8, EXECUTE_METHOD: 9, REGINFO_EX: 0xb };
const MN_NAMES = ["IRP_MN_QUERY_ALL_DATA", "IRP_MN_QUERY_SINGLE_INSTANCE", "IRP_MN_CHANGE_SINGLE_INSTANCE", "IRP_MN_CHANGE_SINGLE_ITEM", "IRP_MN_ENABLE_EVENTS", "IRP_MN_DISABLE_EVENTS", "IRP_MN_ENABLE_COLLECTION", "IRP_MN_DISABLE_COLLECTION", "IRP_MN_REGINFO", "IRP_MN_EXECUTE_METHOD", "0xA", "IRP_MN_REGINFO_EX"];
/** SYSCTL_IRP_DISPOSITION */
const IrpProcessed = 0, IrpNotWmi = 2, IrpForward = 3;
/** ntstatus.h */
const STATUS_WMI_GUID_NOT_FOUND = 0xc0000295;
const STATUS_WMI_INSTANCE_NOT_FOUND = 0xc0000296;
/** wmistr.h */
const WNODE_HEADER_SIZE = 48;
/** sizeof(WNODE_TOO_SMALL): the header's ULONG64 aligns it to 8 (48 + 4, padded). */
const WNODE_TOO_SMALL_SIZE = 56;
const WNODE_FLAG_TOO_SMALL = 0x20;
const WNODE_FLAG_STATIC_INSTANCE_NAMES = 0x80;
const WN = { BufferSize: 0, Guid: 24, Flags: 44, DataBlockOffset: 48, InstanceCount: 52, OffsetInstanceNameOffsets: 56, OffsetInstanceDataAndLength: 60, SI_InstanceIndex: 52, SI_DataBlockOffset: 56, SI_SizeDataBlock: 60 };
const align8 = (n: number) => (n + 7) & ~7;

interface Pending {
  minor: number;
  wnode: bigint;
  bufferSize: number;
  dataOffset: number;
  instances: number;
}
const wmiState = componentState("wmilib", () => new Map<bigint, Pending>());

/** Parameters.WMI {ULONG_PTR ProviderId; PVOID DataPath; ULONG BufferSize; PVOID Buffer} of a stack location. */
function wmiParams(ctx: ApiContext, sp: bigint) {
  const p = ptrSize();
  const base = sp + B(LAYOUT.IO_STACK_LOCATION.Parameters);
  return { providerId: getPtr(ctx.mem, base), dataPath: getPtr(ctx.mem, base + B(p)), bufferSize: ctx.mem.u32(base + B(2 * p)), buffer: getPtr(ctx.mem, base + B(3 * p)) };
}

function checkIrp(ctx: ApiContext, irp: bigint, who: string): bigint {
  if (irp === 0n || ctx.mem.u16(irp + B(LAYOUT.IRP.Type)) !== IO_TYPE_IRP) ctx.fault("bugcheck", `${who}: ${hex(irp)} is not an IRP`, { code: "0x0000001E" });
  return getPtr(ctx.mem, irp + B(LAYOUT.IRP["Tail.Overlay.CurrentStackLocation"]));
}

function finish(ctx: ApiContext, irp: bigint, status: number, information: number): void {
  ctx.mem.setU32(irp + B(LAYOUT.IRP.IoStatus), status);
  putPtr(ctx.mem, irp + B(LAYOUT.IRP.IoStatus) + B(ptrSize()), B(information));
  completeRequest(envOf(ctx), irp);
}

const sameGuid = (ctx: ApiContext, a: bigint, b: bigint) => {
  const [x, y] = [ctx.mem.read(a, 16), ctx.mem.read(b, 16)];
  return x.every((v, i) => v === y[i]);
};

function systemControl(ctx: ApiContext): number {
  const [info, dev, irp, pDisposition] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(info), hex(dev), hex(irp), hex(pDisposition)]);
  const m = ctx.mem;
  const sp = checkIrp(ctx, irp, "WmiSystemControl");
  if (info === 0n || pDisposition === 0n) ctx.fault("bugcheck", `WmiSystemControl: ${info === 0n ? "WmiLibInfo" : "IrpDisposition"} is NULL`, { code: "0x0000001E" });
  const ioStatus = () => m.u32(irp + B(LAYOUT.IRP.IoStatus));
  const major = m.u8(sp + B(LAYOUT.IO_STACK_LOCATION.MajorFunction));
  const minor = m.u8(sp + B(LAYOUT.IO_STACK_LOCATION.MinorFunction));
  if (major !== IRP_MJ_SYSTEM_CONTROL) ctx.fault("bugcheck", `WmiSystemControl(${hex(irp)}): the current stack location is major function ${hex(major)}, not IRP_MJ_SYSTEM_CONTROL`, { code: "0x0000001E" });
  const disposition = (d: number) => m.setU32(pDisposition, d);
  if (minor > MN.REGINFO_EX || minor === 0xa) {
    disposition(IrpNotWmi);
    return ioStatus();
  }
  const w = wmiParams(ctx, sp);
  if (w.providerId !== dev) {
    disposition(IrpForward);
    return ioStatus();
  }
  const name = MN_NAMES[minor]!;
  if (minor === MN.REGINFO || minor === MN.REGINFO_EX || minor === MN.CHANGE_SINGLE_INSTANCE || minor === MN.CHANGE_SINGLE_ITEM || minor === MN.EXECUTE_METHOD)
    ctx.fault("unimplemented-api", `kmdll does not implement WmiSystemControl for ${name}`);
  const p = ptrSize();
  const [guidCount, guidList] = [m.u32(info), getPtr(m, info + B(p))];
  const callback = (i: number) => getPtr(m, info + B(p * (2 + i)));
  const entry = p + 8; // WMIGUIDREGINFO: LPCGUID, ULONG, ULONG
  let index = -1;
  for (let i = 0; i < guidCount && w.dataPath !== 0n; i++) if (sameGuid(ctx, getPtr(m, guidList + B(i * entry)), w.dataPath)) { index = i; break; }
  disposition(IrpProcessed);
  if (index < 0) {
    finish(ctx, irp, STATUS_WMI_GUID_NOT_FOUND, 0);
    return STATUS_WMI_GUID_NOT_FOUND;
  }
  const instanceCount = m.u32(guidList + B(index * entry + p));
  if (minor >= MN.ENABLE_EVENTS && minor <= MN.DISABLE_COLLECTION) {
    const fc = callback(5); // WmiFunctionControl
    wmiState(ctx.kernel).set(irp, { minor, wnode: w.buffer, bufferSize: w.bufferSize, dataOffset: 0, instances: 0 });
    if (fc === 0n) {
      wmiState(ctx.kernel).delete(irp);
      finish(ctx, irp, STATUS.SUCCESS, 0);
      return STATUS.SUCCESS;
    }
    const fn = minor <= MN.DISABLE_EVENTS ? 0n : 1n; // WmiEventControl, WmiDataBlockControl
    const enable = minor === MN.ENABLE_EVENTS || minor === MN.ENABLE_COLLECTION ? 1n : 0n;
    return Number(BigInt.asUintN(32, ctx.callGuest(fc, [dev, irp, B(index), fn, enable])));
  }
  const query = callback(1); // QueryWmiDataBlock
  if (query === 0n) ctx.fault("bugcheck", `WmiSystemControl(${name}): WmiLibInfo->QueryWmiDataBlock is NULL (Learn: required)`, { code: "0x0000001E" });
  const wnode = w.buffer;
  if (wnode === 0n || w.bufferSize < WNODE_HEADER_SIZE + 16) ctx.fault("bugcheck", `WmiSystemControl(${name}): Parameters.WMI.Buffer ${hex(wnode)} of ${w.bufferSize} bytes cannot hold its WNODE`, { code: "0x0000001E" });
  if (minor === MN.QUERY_ALL_DATA) {
    const dataOffset = align8(WN.OffsetInstanceDataAndLength + 8 * instanceCount);
    if (w.bufferSize < dataOffset) {
      // Not even room for the instance lengths: WNODE_TOO_SMALL at once.
      tooSmall(ctx, wnode, dataOffset);
      finish(ctx, irp, STATUS.SUCCESS, WNODE_TOO_SMALL_SIZE);
      return STATUS.SUCCESS;
    }
    // The lengths array is zeroed in bounded chunks (a huge InstanceCount faults at the buffer's end, not in the host).
    const zero = new Uint8Array(0x10000);
    for (let off = 0; off < 4 * instanceCount; off += zero.length) m.write(wnode + B(WN.OffsetInstanceDataAndLength + off), zero.subarray(0, Math.min(zero.length, 4 * instanceCount - off)));
    wmiState(ctx.kernel).set(irp, { minor, wnode, bufferSize: w.bufferSize, dataOffset, instances: instanceCount });
    return Number(BigInt.asUintN(32, ctx.callGuest(query, [dev, irp, B(index), 0n, B(instanceCount), wnode + B(WN.OffsetInstanceDataAndLength), B(w.bufferSize - dataOffset), wnode + B(dataOffset)])));
  }
  // IRP_MN_QUERY_SINGLE_INSTANCE
  const flags = m.u32(wnode + B(WN.Flags));
  if (!(flags & WNODE_FLAG_STATIC_INSTANCE_NAMES)) ctx.fault("unimplemented-api", `kmdll does not implement WmiSystemControl for ${name} by instance name (only WNODE_FLAG_STATIC_INSTANCE_NAMES requests, by InstanceIndex)`);
  const instance = m.u32(wnode + B(WN.SI_InstanceIndex));
  if (instance >= instanceCount) {
    finish(ctx, irp, STATUS_WMI_INSTANCE_NOT_FOUND, 0);
    return STATUS_WMI_INSTANCE_NOT_FOUND;
  }
  const dataOffset = m.u32(wnode + B(WN.SI_DataBlockOffset));
  if (dataOffset < WN.SI_SizeDataBlock + 4 || dataOffset > w.bufferSize) ctx.fault("bugcheck", `WmiSystemControl(${name}): the WNODE_SINGLE_INSTANCE's DataBlockOffset ${dataOffset} is outside its ${w.bufferSize}-byte buffer`, { code: "0x0000001E" });
  const lengths = wnode + B(WN.SI_SizeDataBlock);
  wmiState(ctx.kernel).set(irp, { minor, wnode, bufferSize: w.bufferSize, dataOffset, instances: 1 });
  return Number(BigInt.asUintN(32, ctx.callGuest(query, [dev, irp, B(index), B(instance), 1n, lengths, B(w.bufferSize - dataOffset), wnode + B(dataOffset)])));
}

function tooSmall(ctx: ApiContext, wnode: bigint, needed: number): void {
  const m = ctx.mem;
  m.setU32(wnode + B(WN.BufferSize), WNODE_TOO_SMALL_SIZE);
  m.setU32(wnode + B(WN.Flags), m.u32(wnode + B(WN.Flags)) | WNODE_FLAG_TOO_SMALL);
  m.setU32(wnode + B(WNODE_HEADER_SIZE), needed);
}

function completeWmi(ctx: ApiContext): number {
  const [dev, irp, status, used] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.u32(3)];
  ctx.describe([hex(dev), hex(irp), hex(status), String(used), String(ctx.u32(4) & 0xff)]);
  checkIrp(ctx, irp, "WmiCompleteRequest");
  const m = ctx.mem;
  const st = wmiState(ctx.kernel);
  const p = st.get(irp);
  st.delete(irp);
  if (!p || p.minor > MN.QUERY_SINGLE_INSTANCE) {
    finish(ctx, irp, status, 0);
    return status;
  }
  if (status === STATUS.BUFFER_TOO_SMALL) {
    tooSmall(ctx, p.wnode, p.dataOffset + used);
    finish(ctx, irp, STATUS.SUCCESS, WNODE_TOO_SMALL_SIZE);
    return STATUS.SUCCESS;
  }
  if (status >>> 30 === 3) {
    finish(ctx, irp, status, 0);
    return status;
  }
  if (used > p.bufferSize - p.dataOffset) ctx.fault("bugcheck", `WmiCompleteRequest(${hex(irp)}): BufferUsed ${used} is more than the ${p.bufferSize - p.dataOffset} bytes the driver was given (the driver wrote past the WMI buffer, or should have returned STATUS_BUFFER_TOO_SMALL)`, { code: "0x0000001E" });
  const size = p.dataOffset + used;
  if (p.minor === MN.QUERY_ALL_DATA) {
    const at = p.wnode + B(WN.OffsetInstanceDataAndLength);
    const lengths = Array.from({ length: p.instances }, (_, i) => m.u32(at + B(4 * i)));
    let off = p.dataOffset;
    lengths.forEach((len, i) => {
      m.setU32(at + B(8 * i), off);
      m.setU32(at + B(8 * i + 4), len);
      off = align8(off + len);
    });
    m.setU32(p.wnode + B(WN.DataBlockOffset), p.dataOffset);
    m.setU32(p.wnode + B(WN.InstanceCount), p.instances);
    m.setU32(p.wnode + B(WN.OffsetInstanceNameOffsets), 0);
  } else m.setU32(p.wnode + B(WN.SI_SizeDataBlock), used);
  m.setU32(p.wnode + B(WN.BufferSize), size);
  finish(ctx, irp, status, size);
  return status;
}

export const apis: ApiDefinition[] = [
  api(WMILIB, "WmiSystemControl", 4, systemControl),
  api(WMILIB, "WmiCompleteRequest", 5, completeWmi),
  api(WMILIB, "WmiFireEvent", 5, (ctx) => {
    const [dev, guid, instance, size, data] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.u32(3), ctx.arg(4)];
    ctx.describe([hex(dev), hex(guid), String(instance), String(size), hex(data)]);
    if (guid === 0n) ctx.fault("bugcheck", "WmiFireEvent: Guid is NULL", { code: "0x0000001E" });
    ctx.mem.read(guid, 16);
    // WMI owns EventData now and frees it (a pointer that is not a pool block is the pool's report).
    if (data !== 0n) ctx.pool.free(data, null, 4);
    return STATUS.SUCCESS;
  }),
];
