/**
 * IRPs with their stack locations, laid out exactly as wdm.h (so the header-inlined
 * IoGetCurrentIrpStackLocation / IoGetNextIrpStackLocation / IoSetCompletionRoutine /
 * IoSkipCurrentIrpStackLocation work on them): allocation, release, MDLs, and the requests the
 * I/O manager builds (IoBuildDeviceIoControlRequest, IoBuild*FsdRequest).
 */
import { componentState } from "../api/state.js";
import type { GuestMemory, KernelState } from "../api/types.js";
import { LAYOUT, getPtr, putPtr, ptrSize } from "../../nt/arch-layout.js";
import {
  DO_BUFFERED_IO, DO_DIRECT_IO, IO_TYPE_IRP, IRP_BUFFERED_IO, IRP_DEALLOCATE_BUFFER, IRP_INPUT_OPERATION, IRP_MJ,
  MDL_MAPPED_TO_SYSTEM_VA, MDL_SOURCE_IS_NONPAGED_POOL, TAG_BUF, TAG_IRP, TAG_MDL, ioctlMethod,
} from "./constants.js";
import { kalloc, kfree, type IoEnv } from "./env.js";
import { ioState, type IrpInfo } from "./state.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const MDL = LAYOUT.MDL;
const INTF = LAYOUT.INTERFACE;

function stackAt(irp: bigint, index: number): bigint {
  return irp + B(IRP.$size) + B(index * SL.$size);
}

/** Addresses of IRPs the I/O manager freed (until reused): IoCallDriver on one is a verifier finding. */
export const freedIrps = componentState("io.freed-irps", () => new Set<bigint>());

/** IoInitializeIrp: an IRP of `stackSize` locations at `irp` (zeroed), current location one past the last. */
export function initIrp(mem: GuestMemory, irp: bigint, stackSize: number, kernel: KernelState): void {
  const size = IRP.$size + stackSize * SL.$size;
  mem.write(irp, new Uint8Array(size));
  mem.setU16(irp + B(IRP.Type), IO_TYPE_IRP);
  mem.setU16(irp + B(IRP.Size), size & 0xffff);
  mem.setU8(irp + B(IRP.StackCount), stackSize);
  mem.setU8(irp + B(IRP.CurrentLocation), stackSize + 1);
  putPtr(mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"]), stackAt(irp, stackSize));
  putPtr(mem, irp + B(IRP.ThreadListEntry), irp + B(IRP.ThreadListEntry));
  putPtr(mem, irp + B(IRP.ThreadListEntry) + B(ptrSize()), irp + B(IRP.ThreadListEntry));
  putPtr(mem, irp + B(IRP["Tail.Overlay.Thread"]), kernel.currentThread ?? 0n);
  freedIrps(kernel).delete(irp);
}

export function allocateIrp(env: IoEnv, stackSize: number, kind: IrpInfo["kind"]): bigint {
  if (stackSize < 1 || stackSize > 64) env.fault("bugcheck", `IoAllocateIrp: stack size ${stackSize} is out of range`, { code: "0x00000035" });
  const irp = kalloc(env, IRP.$size + stackSize * SL.$size, TAG_IRP);
  initIrp(env.mem, irp, stackSize, env.kernel);
  ioState(env.kernel).irps.set(irp, { kind, from: env.from, completed: false, freed: false });
  return irp;
}

export function releaseIrp(env: IoEnv, irp: bigint, info: IrpInfo): void {
  if (info.systemBuffer) kfree(env, info.systemBuffer);
  if (info.mdl) kfree(env, info.mdl);
  info.systemBuffer = undefined;
  info.mdl = undefined;
  info.freed = true;
  ioState(env.kernel).irps.delete(irp);
  freedIrps(env.kernel).add(irp);
  // A later IoCompleteRequest/IoFreeIrp of the same pointer then fails the IRP type check.
  env.mem.setU16(irp + B(IRP.Type), 0);
  kfree(env, irp);
}

/** The next stack location (IoGetNextIrpStackLocation). */
export function nextStack(mem: GuestMemory, irp: bigint): bigint {
  return getPtr(mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
}

function makeMdl(env: IoEnv, buffer: bigint, length: number): bigint {
  const mdl = kalloc(env, MDL.$size, TAG_MDL);
  const m = env.mem;
  m.setU16(mdl + B(MDL.Size), MDL.$size);
  m.setU16(mdl + B(MDL.MdlFlags), MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL);
  putPtr(m, mdl + B(MDL.Process), 0n);
  putPtr(m, mdl + B(MDL.MappedSystemVa), buffer);
  putPtr(m, mdl + B(MDL.StartVa), buffer & ~0xfffn);
  m.setU32(mdl + B(MDL.ByteCount), length);
  m.setU32(mdl + B(MDL.ByteOffset), Number(buffer & 0xfffn));
  return mdl;
}

export interface IoctlRequest {
  code: number;
  device: bigint;
  input: bigint;
  inputLength: number;
  output: bigint;
  outputLength: number;
  internal: boolean;
  event: bigint;
  iosb: bigint;
  requestorMode: number;
  fileObject?: bigint;
}

/** IoBuildDeviceIoControlRequest: the IRP with the buffers of the IOCTL's transfer method. */
export function buildIoctlIrp(env: IoEnv, r: IoctlRequest, kind: IrpInfo["kind"]): bigint {
  const m = env.mem;
  const stackSize = m.u8(r.device + B(DEV.StackSize)) || 1;
  const irp = allocateIrp(env, stackSize, kind);
  const info = ioState(env.kernel).irps.get(irp)!;
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), r.internal ? IRP_MJ.INTERNAL_DEVICE_CONTROL : IRP_MJ.DEVICE_CONTROL);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"]), r.code >>> 0);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"]), r.inputLength);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]), r.outputLength);
  if (r.fileObject) putPtr(m, sl + B(SL.FileObject), r.fileObject);
  const method = ioctlMethod(r.code);
  if (method === 0) {
    const len = Math.max(r.inputLength, r.outputLength);
    if (len > 0) {
      const sys = kalloc(env, len, TAG_BUF);
      if (r.inputLength > 0 && r.input !== 0n) m.write(sys, m.read(r.input, r.inputLength));
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      info.systemBuffer = sys;
      let flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
      if (r.outputLength > 0 && r.output !== 0n) {
        flags |= IRP_INPUT_OPERATION;
        info.copyBack = { system: sys, user: r.output, length: r.outputLength };
      }
      m.setU32(irp + B(IRP.Flags), flags);
    }
    putPtr(m, irp + B(IRP.UserBuffer), r.output);
  } else if (method === 1 || method === 2) {
    if (r.inputLength > 0 && r.input !== 0n) {
      const sys = kalloc(env, r.inputLength, TAG_BUF);
      m.write(sys, m.read(r.input, r.inputLength));
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      m.setU32(irp + B(IRP.Flags), IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER);
      info.systemBuffer = sys;
    }
    if (r.outputLength > 0 && r.output !== 0n) {
      const mdl = makeMdl(env, r.output, r.outputLength);
      putPtr(m, irp + B(IRP.MdlAddress), mdl);
      info.mdl = mdl;
    }
    putPtr(m, irp + B(IRP.UserBuffer), r.output);
  } else {
    putPtr(m, sl + B(SL["Parameters.DeviceIoControl.Type3InputBuffer"]), r.input);
    putPtr(m, irp + B(IRP.UserBuffer), r.output);
  }
  m.setU8(irp + B(IRP.RequestorMode), r.requestorMode);
  putPtr(m, irp + B(IRP.UserIosb), r.iosb);
  putPtr(m, irp + B(IRP.UserEvent), r.event);
  if (r.internal && r.outputLength >= INTF.$size && r.output !== 0n) {
    // Candidate interface: checked when the IRP completes successfully.
    info.interfaceAt = { address: r.output, length: r.outputLength, what: `IOCTL 0x${(r.code >>> 0).toString(16).toUpperCase().padStart(8, "0")}`, provider: r.device };
  }
  return irp;
}

/**
 * IoCallDriver: move to the next stack location, record the device in it, run the driver's
 * dispatch routine for the location's major function (nested guest call); trace an `irp` event.

/** IoBuildSynchronousFsdRequest / IoBuildAsynchronousFsdRequest: a read/write/flush IRP with the device's buffering. */
export function buildFsdIrp(env: IoEnv, major: number, dev: bigint, buffer: bigint, length: number, offset: bigint, event: bigint, iosb: bigint): bigint {
  const m = env.mem;
  const irp = allocateIrp(env, m.u8(dev + B(DEV.StackSize)) || 1, "built");
  const info = ioState(env.kernel).irps.get(irp)!;
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), major);
  if (major === IRP_MJ.READ || major === IRP_MJ.WRITE) {
    m.setU32(sl + B(SL["Parameters.Read.Length"]), length);
    m.setU64(sl + B(SL["Parameters.Read.ByteOffset"]), offset !== 0n ? m.u64(offset) : 0n);
    const flags = m.u32(dev + B(DEV.Flags));
    if (flags & DO_BUFFERED_IO && length > 0) {
      const sys = kalloc(env, length, TAG_BUF);
      if (major === IRP_MJ.WRITE) m.write(sys, m.read(buffer, length));
      else info.copyBack = { system: sys, user: buffer, length };
      info.systemBuffer = sys;
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      m.setU32(irp + B(IRP.Flags), IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (major === IRP_MJ.READ ? IRP_INPUT_OPERATION : 0));
    } else if (flags & DO_DIRECT_IO && length > 0) {
      info.mdl = makeMdl(env, buffer, length);
      putPtr(m, irp + B(IRP.MdlAddress), info.mdl);
    }
    putPtr(m, irp + B(IRP.UserBuffer), buffer);
  }
  putPtr(m, irp + B(IRP.UserIosb), iosb);
  putPtr(m, irp + B(IRP.UserEvent), event);
  return irp;
}
