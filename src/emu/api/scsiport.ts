/**
 * scsiport.sys, the SCSI port driver SCSI miniport drivers link against (srb.h; Microsoft Learn's
 * srb.h reference; library Scsiport.lib). Hundreds of XP/Vista-era SATA/RAID/SCSI miniports of the
 * held-out corpus (issue 12, fresh4: DriverPack mass-storage drivers) import it. kmdll has no SCSI
 * adapter: no device reaches scsiport's AddDevice, so HwFindAdapter / HwInitialize never run, but
 * a miniport's DriverEntry (ScsiPortInitialize) and its unload do.
 *
 *   ScsiPortInitialize(Argument1 = DriverObject, Argument2 = RegistryPath, HwInitializationData,
 *     HwContext): Learn: for a Plug and Play miniport it "stores the miniport driver's
 *     initialization data for future use" and returns the status DriverEntry returns. The checks
 *     the port driver makes (ReactOS's scsiport, drivers/storage/port/scsiport/scsiport.c, which
 *     follows Windows's): NULL Argument1, Argument2 or HwInitializationData →
 *     STATUS_INVALID_PARAMETER (as storport); HwInitializationDataSize larger than the port
 *     driver's HW_INITIALIZATION_DATA → STATUS_REVISION_MISMATCH (a version check: older, smaller
 *     structures are accepted, the fields past their size read as NULL); one of the required
 *     routines (HwInitialize, HwFindAdapter, HwStartIo, HwResetBus) NULL →
 *     STATUS_REVISION_MISMATCH. On success the callbacks are recorded per driver object and
 *     scsiport owns the driver object: DriverStartIo and every MajorFunction entry become
 *     scsiport's (no scsiport device exists: STATUS_INVALID_DEVICE_REQUEST), DriverExtension->
 *     AddDevice scsiport's (an emulator gap when called: kmdll models no SCSI adapter),
 *     DriverUnload scsiport's when the miniport has not set one.
 *     Every miniport is treated as a Plug and Play one — what its INF's
 *     Parameters\PnpInterface\<InterfaceType> value makes it on Windows: the legacy bus scan
 *     (HwFindAdapter called from DriverEntry) is not modelled.
 *   ScsiDebugPrint(DebugPrintLevel, DebugMessage, ...): the kernel printf of DbgPrint, as a
 *     DbgPrint event of that level.
 *   ScsiPortMoveMemory(WriteBuffer, ReadBuffer, Length): RtlMoveMemory (overlap allowed).
 *   ScsiPortStallExecution(Delay): KeStallExecutionProcessor (the clock advances Delay µs).
 *   ScsiPortRead/WritePort{Uchar,Ushort,Ulong}(Port[, Value]) (srb.h: no HwDeviceExtension): the machine
 *     model's I/O ports, as HAL's READ/WRITE_PORT_* (hardware trace events) — legacy miniports
 *     (HighPoint, Promise...) scan PCI configuration space through ports 0xCF8/0xCFC this way
 *     from DriverEntry; ScsiPortRead/WriteRegister{Uchar,Ushort,Ulong}(Register[, Value]): a
 *     volatile access of the mapped register address (READ/WRITE_REGISTER_*). On x64 srb.h maps
 *     these names to HAL's macros, so only x86 miniports import them.
 * The other exports work on an adapter that never exists here: emulator gaps, reported when called.
 *
 * Exports: mingw-w64's i686 libscsiport.a (the kernel export database's x86 list), plus
 * ScsiPortConvertPhysicalAddressToUlong, which srb.h declares SCSIPORT_API and which 34 signed
 * x64 and x86 miniports of the held-out corpus import (mingw-w64's .def lacks it). No x64 import
 * library exists in mingw-w64: the x64 list is the same names, undecorated.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { kernelModuleOwnList } from "../../nt/kernel-exports.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import { api, hex, lengthArg, moduleRoutine } from "./util.js";
import { componentState } from "./state.js";
import { clockOf } from "./ke.js";
import { portRead, portWrite } from "./machine.js";
import { IRP_MJ_COUNT } from "../iomgr/constants.js";
import { invalidDeviceRequest } from "../iomgr/driver-object.js";
import { levelDebugPrint } from "./port-print.js";

export const SCSIPORT = "scsiport.sys";
const B = (n: number) => BigInt(n);
const sc = (name: string, argc: number, h: ApiDefinition["handler"]) => api(SCSIPORT, name, argc, h);

/** srb.h names mingw-w64's scsiport.def lacks (x86: stdcall, its argument bytes). */
const EXTRA: readonly KernelExport[] = [{ name: "ScsiPortConvertPhysicalAddressToUlong", type: "code", call: "stdcall", argBytes: 8 }];

/**
 * The export list for the arch: the database's x86 list (mingw-w64) with the extra names; x64 the
 * same names without x86 conventions. Reads the x86 library list, never the built-in entries
 * scripts/kernel-db.mjs adds from this function (so regenerating the database is stable).
 */
export function scsiportModuleExports(arch: string): KernelExport[] {
  const lib = (kernelModuleOwnList(SCSIPORT, "x86") ?? []).filter((e) => !(e as { builtin?: boolean }).builtin);
  const list = [...lib, ...EXTRA.filter((x) => !lib.some((e) => e.name === x.name))];
  return arch === "x86" ? list.map(({ name, type, call, argBytes }) => ({ name, type, ...(call ? { call } : {}), ...(argBytes !== undefined ? { argBytes } : {}) })) : list.map((e) => ({ name: e.name, type: e.type }));
}

const STATUS_REVISION_MISMATCH = 0xc0000059;

/**
 * HW_INITIALIZATION_DATA (srb.h; the same layout as storport.h's) offsets per pointer size: the
 * routine pointers HwInitialize, HwStartIo, HwInterrupt, HwFindAdapter, HwResetBus from offset 8;
 * HwAdapterControl at x64 120 / x86 76; the newest structure (Windows 10 WDK, ending with
 * HwUnitControl) is 208 / 128 bytes. examples/scsiport-mini checks these with the compiler's
 * offsetof and sizeof.
 */
export function scsiInitDataLayout() {
  const p = ptrSize();
  return { hwInitialize: 8, hwStartIo: 8 + p, hwInterrupt: 8 + 2 * p, hwFindAdapter: 8 + 3 * p, hwResetBus: 8 + 4 * p, hwAdapterControl: p === 8 ? 120 : 76, maxSize: p === 8 ? 208 : 128 };
}

interface Miniport {
  driver: bigint;
  module: string;
  callbacks: Record<string, bigint>;
}

const scsiportState = componentState("scsiport", () => ({ miniports: [] as Miniport[] }));

/** The miniports ScsiPortInitialize accepted, for tests and reports. */
export function scsiportMiniports(kernel: KernelState): readonly Miniport[] {
  return scsiportState(kernel).miniports;
}

const internal = (kernel: KernelState, name: string, h: ApiDefinition["handler"], argc: number): bigint => moduleRoutine(kernel, SCSIPORT, name, h, argc);

function initialize(ctx: ApiContext): number {
  const [driver, regPath, data, hwContext] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(driver), hex(regPath), hex(data), hex(hwContext)]);
  if (driver === 0n || regPath === 0n || data === 0n) return STATUS.INVALID_PARAMETER;
  const m = ctx.mem;
  const L = scsiInitDataLayout();
  const size = m.u32(data);
  const bad = (why: string) => {
    ctx.warn(`ScsiPortInitialize: ${why}`);
    return STATUS_REVISION_MISMATCH;
  };
  if (size > L.maxSize) return bad(`HwInitializationDataSize is ${size}, larger than scsiport's HW_INITIALIZATION_DATA (${L.maxSize})`);
  // A field past the miniport's (older, smaller) structure reads as NULL.
  const field = (off: number) => (off + ptrSize() <= size ? getPtr(m, data + B(off)) : 0n);
  const callbacks: Record<string, bigint> = {};
  for (const [name, off] of Object.entries({ HwInitialize: L.hwInitialize, HwStartIo: L.hwStartIo, HwInterrupt: L.hwInterrupt, HwFindAdapter: L.hwFindAdapter, HwResetBus: L.hwResetBus, HwAdapterControl: L.hwAdapterControl })) callbacks[name] = field(off);
  const missing = ["HwInitialize", "HwFindAdapter", "HwStartIo", "HwResetBus"].filter((n) => callbacks[n] === 0n);
  if (missing.length) return bad(`the required routine(s) ${missing.join(", ")} are NULL`);
  const st = scsiportState(ctx.kernel);
  const entry = { driver, module: ctx.caller?.module ?? "?", callbacks };
  // A miniport calls ScsiPortInitialize once per adapter interface type: the last callbacks are kept.
  const known = st.miniports.find((x) => x.driver === driver);
  if (known) Object.assign(known, entry);
  else st.miniports.push(entry);
  const dispatch = scsiportDispatch(ctx.kernel);
  for (let i = 0; i < IRP_MJ_COUNT; i++) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.MajorFunction + i * ptrSize()), dispatch);
  putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverStartIo), startIo(ctx.kernel));
  const ext = getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverExtension));
  if (ext !== 0n) putPtr(m, ext + B(LAYOUT.DRIVER_EXTENSION.AddDevice), addDevice(ctx.kernel));
  if (getPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload)) === 0n) putPtr(m, driver + B(LAYOUT.DRIVER_OBJECT.DriverUnload), unload(ctx.kernel));
  return STATUS.SUCCESS;
}

/** scsiport's dispatch routine for every major function: no scsiport device exists, so any IRP gets IopInvalidDeviceRequest's answer. */
function scsiportDispatch(kernel: KernelState): bigint {
  return internal(kernel, "ScsiPortGlobalDispatch", (ctx) => ctx.callGuest(invalidDeviceRequest(ctx.kernel), [ctx.arg(0), ctx.arg(1)]), 2);
}

function startIo(kernel: KernelState): bigint {
  return internal(kernel, "ScsiPortStartIo", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement scsiport SCSI adapters: scsiport.sys's StartIo for device ${hex(ctx.arg(0))}`);
  }, 2);
}

function addDevice(kernel: KernelState): bigint {
  return internal(kernel, "ScsiPortAddDevice", (ctx) => {
    ctx.fault("unimplemented-api", `kmdll does not implement scsiport SCSI adapters: scsiport.sys's AddDevice for the miniport driver ${hex(ctx.arg(0))} (its HwFindAdapter and HwInitialize would run at IRP_MN_START_DEVICE)`);
  }, 2);
}

/** scsiport's DriverUnload: forgets the miniport (no adapter exists to stop). */
function unload(kernel: KernelState): bigint {
  return internal(kernel, "ScsiPortUnload", (ctx) => {
    const driver = ctx.arg(0);
    const st = scsiportState(ctx.kernel);
    st.miniports = st.miniports.filter((x) => x.driver !== driver);
  }, 1);
}

/** srb.h's port and register routines take no HwDeviceExtension (unlike storport's): (Port) and (Port, Value). */
function portApis(): ApiDefinition[] {
  const out: ApiDefinition[] = [];
  for (const [suffix, size] of [["Uchar", 1], ["Ushort", 2], ["Ulong", 4]] as const) {
    const mask = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    out.push(
      sc(`ScsiPortReadPort${suffix}`, 1, (ctx) => {
        ctx.describe([hex(ctx.arg(0))]);
        return portRead(ctx, Number(ctx.arg(0) & 0xffffn), size);
      }),
      sc(`ScsiPortWritePort${suffix}`, 2, (ctx) => {
        ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
        // Only the low bytes of the register are the argument (x64 leaves the rest undefined).
        portWrite(ctx, Number(ctx.arg(0) & 0xffffn), size, Number(ctx.arg(1) & BigInt(mask)));
      }),
      sc(`ScsiPortReadRegister${suffix}`, 1, (ctx) => {
        const a = ctx.arg(0);
        ctx.describe([hex(a)]);
        return size === 1 ? ctx.mem.u8(a) : size === 2 ? ctx.mem.u16(a) : ctx.mem.u32(a);
      }),
      sc(`ScsiPortWriteRegister${suffix}`, 2, (ctx) => {
        const [a, v] = [ctx.arg(0), Number(ctx.arg(1) & BigInt(mask))];
        ctx.describe([hex(a), hex(v)]);
        if (size === 1) ctx.mem.setU8(a, v);
        else if (size === 2) ctx.mem.setU16(a, v);
        else ctx.mem.setU32(a, v);
      }),
    );
  }
  return out;
}

export const apis: ApiDefinition[] = [
  { ...sc("ScsiPortInitialize", 4, initialize), notes: "NULL arguments → STATUS_INVALID_PARAMETER; size above scsiport's HW_INITIALIZATION_DATA or a required routine NULL → STATUS_REVISION_MISMATCH; every miniport treated as Plug and Play (no legacy bus scan); scsiport takes dispatch, StartIo, AddDevice (no adapter: a gap when called), DriverUnload if unset" },
  sc("ScsiDebugPrint", 2, (ctx) => void levelDebugPrint(ctx)),
  sc("ScsiPortMoveMemory", 3, (ctx) => {
    const [dst, src] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(dst), hex(src), String(ctx.u32(2))]);
    // Length is a ULONG; one past mapped memory is the access fault Windows would take.
    const n = lengthArg(ctx, 2, dst, true, 1, 32);
    if (n > 0) ctx.mem.write(dst, ctx.mem.read(src, n));
  }),
  sc("ScsiPortStallExecution", 1, (ctx) => {
    const us = ctx.u32(0);
    ctx.describe([`${us} us`]);
    clockOf(ctx).advance(BigInt(us) * 10n);
  }),
  ...portApis(),
];
