/**
 * The DRIVER_OBJECT the I/O manager creates before DriverEntry: DriverStart/Size, DriverName
 * (\Driver\<service>), the extension's ServiceKeyName, HardwareDatabase, and every MajorFunction
 * entry pointing at the I/O manager's IopInvalidDeviceRequest.
 */
import type { GuestMemory, KernelState } from "../api/types.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";

/** A pointer-sized field of the arch being emulated. */
function setPtr(mem: GuestMemory, at: bigint, v: bigint): void {
  if (ptrSize() === 4) mem.setU32(at, Number(BigInt.asUintN(32, v)));
  else mem.setU64(at, v);
}
import { registerObject } from "../obmgr/index.js";
import { IRP_MJ_COUNT } from "./constants.js";
import { envOf } from "./env.js";
import { completeRequest } from "./dispatch.js";

const B = (n: number) => BigInt(n);
const IO_TYPE_DRIVER = 4;
const STATUS_INVALID_DEVICE_REQUEST = 0xc0000010;
const TAG_DRIVER = 0x76697244; // 'Driv'
const TAG_STRING = 0x6d4b6d4b; // 'KmKm'

/** Write a UNICODE_STRING + its buffer at `at` (struct first, buffer at +0x10). */
export function writeUnicodeString(mem: GuestMemory, at: bigint, s: string): void {
  const U = LAYOUT.UNICODE_STRING;
  const buf = at + 0x10n;
  mem.setU16(at + B(U.Length), s.length * 2);
  mem.setU16(at + B(U.MaximumLength), s.length * 2 + 2);
  setPtr(mem, at + B(U.Buffer), buf);
  const bytes = new Uint8Array(s.length * 2 + 2);
  for (let i = 0; i < s.length; i++) {
    bytes[2 * i] = s.charCodeAt(i) & 0xff;
    bytes[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  mem.write(buf, bytes);
}

function kernelPool(kernel: KernelState): NonNullable<KernelState["kernelPool"]> {
  if (!kernel.kernelPool) throw new Error("the emulator core provides no kernel pool (KernelState.kernelPool)");
  return kernel.kernelPool;
}

/** A UNICODE_STRING in kernel pool (lives as long as the emulator). */
function poolUnicodeString(mem: GuestMemory, kernel: KernelState, s: string): bigint {
  const a = kernelPool(kernel).allocate(0x10 + s.length * 2 + 2, TAG_STRING);
  writeUnicodeString(mem, a, s);
  return a;
}

/** The I/O manager's default dispatch routine (completes the IRP with STATUS_INVALID_DEVICE_REQUEST). */
export function invalidDeviceRequest(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return kernel.internalRoutine("IopInvalidDeviceRequest", (ctx) => {
    const irp = ctx.arg(1);
    if (irp !== 0n && ctx.mem.isMapped(irp + B(LAYOUT.IRP.IoStatus), 16)) {
      ctx.mem.setU32(irp + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Status), STATUS_INVALID_DEVICE_REQUEST);
      setPtr(ctx.mem, irp + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information), 0n);
      completeRequest(envOf(ctx), irp);
    }
    return STATUS_INVALID_DEVICE_REQUEST;
  }, 2);
}

/**
 * The IRP_MJ_CREATE / CLEANUP / CLOSE routine of the built-in system drivers whose named devices
 * kmdll provides (\Device\Tcp, \Device\KeyboardClass0, ...): opening and closing one succeeds,
 * as it does on Windows (tcpip.sys opens a control channel, kbdclass a read handle); every other
 * request stays IopInvalidDeviceRequest's.
 */
export function systemOpenClose(kernel: KernelState): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines (KernelState.internalRoutine)");
  return kernel.internalRoutine("SystemDriverCreateClose", (ctx) => {
    const irp = ctx.arg(1);
    if (irp !== 0n && ctx.mem.isMapped(irp + B(LAYOUT.IRP.IoStatus), 16)) {
      ctx.mem.setU32(irp + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Status), 0);
      setPtr(ctx.mem, irp + B(LAYOUT.IRP.IoStatus) + B(LAYOUT.IO_STATUS_BLOCK.Information), 0n);
      completeRequest(envOf(ctx), irp);
    }
    return 0;
  }, 2);
}

/**
 * Create and register the DRIVER_OBJECT of a driver image whose DriverEntry is at `entry`.
 * `objectName`: the object's full name when it is not \Driver\<serviceName> (IoCreateDriver names
 * it itself and uses that name as ServiceKeyName too).
 */
export function createDriverObject(mem: GuestMemory, kernel: KernelState, image: { base: bigint; size: number }, entry: bigint, serviceName: string, objectName?: string): bigint {
  const D = LAYOUT.DRIVER_OBJECT;
  const X = LAYOUT.DRIVER_EXTENSION;
  const U = LAYOUT.UNICODE_STRING;
  const obj = kernelPool(kernel).allocate(D.$size + X.$size, TAG_DRIVER);
  const ext = obj + B(D.$size);
  const invalid = invalidDeviceRequest(kernel);
  mem.setU16(obj + B(D.Type), IO_TYPE_DRIVER);
  mem.setU16(obj + B(D.Size), D.$size);
  setPtr(mem, obj + B(D.DriverStart), image.base);
  mem.setU32(obj + B(D.DriverSize), image.size);
  setPtr(mem, obj + B(D.DriverExtension), ext);
  const copyString = (dst: bigint, s: string) => {
    const src = poolUnicodeString(mem, kernel, s);
    mem.write(dst, mem.read(src, U.$size));
  };
  const fullName = objectName ?? `\\Driver\\${serviceName}`;
  copyString(obj + B(D.DriverName), fullName);
  setPtr(mem, obj + B(D.HardwareDatabase), poolUnicodeString(mem, kernel, "\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM"));
  setPtr(mem, obj + B(D.DriverInit), entry);
  for (let i = 0; i < IRP_MJ_COUNT; i++) setPtr(mem, obj + B(D.MajorFunction) + B(ptrSize() * i), invalid);
  setPtr(mem, ext + B(X.DriverObject), obj);
  copyString(ext + B(X.ServiceKeyName), serviceName);
  registerObject(kernel, obj, { type: "Driver", name: fullName });
  return obj;
}
