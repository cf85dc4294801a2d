/**
 * Requests the PnP manager sends down a device stack: IRP_MJ_PNP and IRP_MJ_POWER IRPs with
 * IoStatus.Status preset to STATUS_NOT_SUPPORTED (as the PnP manager does, so a driver that does
 * not handle a minor code passes it on untouched), sent to the top of the devnode's stack (or to
 * the bare PDO for QUERY_ID before any driver is attached). Results that are pool blocks the
 * driver allocated (QUERY_ID strings, DEVICE_RELATIONS) are read and freed with ExFreePool, as the
 * PnP manager does.
 */
import { LAYOUT, getPtr, ptrSize } from "../../nt/arch-layout.js";
import { STATUS, formatStatus } from "../../nt/status.js";
import { IRP_MJ, IRP_MJ_POWER, allocateIrp, attachedTop, callDriver, deviceLabel, ioState, irpName, nextStack, type IoEnv } from "../iomgr/index.js";

const B = (n: number) => BigInt(n);
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const DEV = LAYOUT.DEVICE_OBJECT;

export const PNP = {
  START_DEVICE: 0x00, QUERY_REMOVE_DEVICE: 0x01, REMOVE_DEVICE: 0x02, CANCEL_REMOVE_DEVICE: 0x03, QUERY_DEVICE_RELATIONS: 0x07,
  QUERY_INTERFACE: 0x08, QUERY_CAPABILITIES: 0x09, QUERY_ID: 0x13, QUERY_PNP_DEVICE_STATE: 0x14, SURPRISE_REMOVAL: 0x17,
} as const;
export const POWER = { SET_POWER: 0x02 } as const;
/** BUS_QUERY_ID_TYPE (wdm.h). */
export const BusQuery = { DeviceID: 0, HardwareIDs: 1, CompatibleIDs: 2, InstanceID: 3 } as const;
/** POWER_STATE_TYPE / DEVICE_POWER_STATE (wdm.h). */
export const DevicePowerState = 1;
export const PowerDeviceD0 = 1;
export const PowerDeviceD3 = 4;

export interface IrpOutcome {
  status: number;
  information: bigint;
  /** False when the dispatch routine returned without the IRP completing (nothing else would complete it). */
  completed: boolean;
}

/** Send a PnP (or power) IRP to `target` (default: the top of `pdo`'s stack) and return how it completed. */
export function sendPnpIrp(env: IoEnv, pdo: bigint, minor: number, setup: (sl: bigint) => void = () => {}, o: { major?: number; target?: bigint } = {}): IrpOutcome {
  const m = env.mem;
  const target = o.target ?? attachedTop(m, pdo);
  const major = o.major ?? IRP_MJ.PNP;
  const irp = allocateIrp(env, m.u8(target + B(DEV.StackSize)) || 1, "built");
  const info = ioState(env.kernel).irps.get(irp)!;
  m.setU32(irp + B(IRP.IoStatus) + B(IOSB.Status), STATUS.NOT_SUPPORTED);
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), major);
  m.setU8(sl + B(SL.MinorFunction), minor);
  setup(sl);
  const returned = callDriver(env, target, irp);
  if (!info.completed || !info.result) {
    env.warn(`${irpName(major, minor)} to ${deviceLabel(env, target)}: the dispatch routine returned ${formatStatus(returned)} without completing the IRP; the PnP manager waits for it forever on Windows`);
    return { status: returned, information: 0n, completed: false };
  }
  return { status: info.result.status >>> 0, information: info.result.information, completed: true };
}

export function sendPowerIrp(env: IoEnv, pdo: bigint, state: number): IrpOutcome {
  return sendPnpIrp(env, pdo, POWER.SET_POWER, (sl) => {
    env.mem.setU32(sl + B(SL["Parameters.Power.Type"]), DevicePowerState);
    env.mem.setU32(sl + B(SL["Parameters.Power.State"]), state);
  }, { major: IRP_MJ_POWER });
}

/** ExFreePool on a block a driver allocated for the PnP manager (charged to that driver). */
export function freeDriverPool(env: IoEnv, p: bigint): void {
  const free = env.kernel.resolveKernelExport?.("ExFreePool") ?? null;
  if (p !== 0n && free !== null) env.callGuest(free, [p]);
}

/** A (MULTI_)SZ wide string at `p` (at most 4096 characters): the strings before the final empty one. */
export function readMultiSz(env: IoEnv, p: bigint, multi: boolean): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < 4096; i++) {
    const c = env.mem.u16(p + B(2 * i));
    if (c === 0) {
      if (cur === "" || !multi) {
        if (cur !== "") out.push(cur);
        break;
      }
      out.push(cur);
      cur = "";
    } else cur += String.fromCharCode(c);
  }
  return out;
}

/** IRP_MN_QUERY_ID of one type to the PDO alone: the strings, or null when the bus driver did not answer. */
export function queryId(env: IoEnv, pdo: bigint, type: number): string[] | null {
  const r = sendPnpIrp(env, pdo, PNP.QUERY_ID, (sl) => env.mem.setU32(sl + B(SL["Parameters.QueryId.IdType"]), type), { target: pdo });
  if (!r.completed || (r.status & 0xc0000000) === 0xc0000000 || r.information === 0n) return null;
  let ids: string[] = [];
  try {
    ids = readMultiSz(env, r.information, type === BusQuery.HardwareIDs || type === BusQuery.CompatibleIDs);
  } catch {
    env.warn(`IRP_MN_QUERY_ID (${type}) to ${deviceLabel(env, pdo)}: IoStatus.Information ${r.information.toString(16)} is not a readable string`);
    return null;
  }
  freeDriverPool(env, r.information);
  return ids;
}

/** IRP_MN_QUERY_DEVICE_RELATIONS(BusRelations): the PDOs reported (each carries a reference the PnP manager now owns). */
export function queryBusRelations(env: IoEnv, pdo: bigint): bigint[] | null {
  const r = sendPnpIrp(env, pdo, PNP.QUERY_DEVICE_RELATIONS, (sl) => env.mem.setU32(sl + B(SL["Parameters.QueryDeviceRelations.Type"]), 0));
  if (!r.completed || (r.status & 0xc0000000) === 0xc0000000 || r.information === 0n) return null;
  const R = LAYOUT.DEVICE_RELATIONS;
  const count = env.mem.u32(r.information + B(R.Count));
  if (count > 1024) {
    env.warn(`IRP_MN_QUERY_DEVICE_RELATIONS: ${deviceLabel(env, pdo)}'s stack reported ${count} relations; only the first 1024 are used`);
  }
  const pdos: bigint[] = [];
  for (let i = 0; i < Math.min(count, 1024); i++) pdos.push(getPtr(env.mem, r.information + B(R.Objects) + B(i * ptrSize())));
  freeDriverPool(env, r.information);
  return pdos;
}

