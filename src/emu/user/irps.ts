/**
 * The IRPs the I/O manager builds for a user-mode program's ReadFile / WriteFile /
 * DeviceIoControl (NtReadFile, NtWriteFile, NtDeviceIoControlFile → IopXxxControlFile), with the
 * caller's buffers at user addresses (./space.ts):
 *   - METHOD_BUFFERED: a system buffer of max(input, output) bytes with the input copied in
 *     (IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER, IRP_INPUT_OPERATION when there is output);
 *   - METHOD_IN_DIRECT / METHOD_OUT_DIRECT: the input in a system buffer, the output buffer
 *     described by an MDL probed and locked for read (IN) or write (OUT) access;
 *   - METHOD_NEITHER: Parameters.DeviceIoControl.Type3InputBuffer and Irp->UserBuffer are the
 *     caller's user pointers, untouched;
 *   - read/write: by the target device's DO_BUFFERED_IO / DO_DIRECT_IO flags the same way.
 * Completion (IopCompleteRequest) copies a buffered request's output back when the status is not
 * an error (success, informational and warning statuses such as STATUS_BUFFER_OVERFLOW), at most
 * OutputBufferLength bytes, and writes the caller's IO_STATUS_BLOCK. Sources: Microsoft Learn,
 * "Buffer Descriptions for I/O Control Codes", "Using Buffered I/O" / "Using Direct I/O".
 */
import { LAYOUT, ptrSize, putPtr } from "../../nt/arch-layout.js";
import {
  DO_BUFFERED_IO, DO_DIRECT_IO, IRP_BUFFERED_IO, IRP_DEALLOCATE_BUFFER, IRP_INPUT_OPERATION, IRP_MJ, TAG_BUF, TAG_MDL,
  UserMode, allocateIrp, ioState, kalloc, nextStack, ctxLess, type IoEnv,
} from "../iomgr/index.js";
import { mdlSize } from "../api/mdl.js";
import { physicalOf } from "../machine/index.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const IRP = LAYOUT.IRP;
const SL = LAYOUT.IO_STACK_LOCATION;
const M = LAYOUT.MDL;
const PAGE = 0x1000n;

/** wdm.h MDL flags and IRP flags used here. */
const MDL_PAGES_LOCKED = 0x2;
const MDL_ALLOCATED_FIXED_SIZE = 0x8;
const MDL_WRITE_OPERATION = 0x80;
const IRP_SYNCHRONOUS_API = 0x4;
const IRP_READ_OPERATION = 0x100;
const IRP_WRITE_OPERATION = 0x200;
const IRP_DEFER_IO_COMPLETION = 0x800;

export interface UserRequest {
  /** Top of the device stack (IoGetRelatedDeviceObject of the file object). */
  top: bigint;
  file: bigint;
  thread: bigint;
  process: bigint;
  /** User address of the caller's IO_STATUS_BLOCK. */
  iosb: bigint;
}

function base(env: IoEnv, r: UserRequest, major: number): { irp: bigint; sl: bigint } {
  const m = env.mem;
  const irp = allocateIrp(env, m.u8(r.top + B(DEV.StackSize)) || 1, "user");
  const sl = nextStack(m, irp);
  m.setU8(sl + B(SL.MajorFunction), major);
  putPtr(m, sl + B(SL.FileObject), r.file);
  m.setU8(irp + B(IRP.RequestorMode), UserMode);
  putPtr(m, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), r.file);
  putPtr(m, irp + B(IRP["Tail.Overlay.Thread"]), r.thread);
  putPtr(m, irp + B(IRP.UserIosb), r.iosb);
  return { irp, sl };
}

/** IoAllocateMdl + MmProbeAndLockPages(UserMode) over a user buffer: the MDL direct I/O hands the driver. */
function lockedUserMdl(env: IoEnv, r: UserRequest, va: bigint, length: number, write: boolean): bigint {
  const m = env.mem;
  const size = mdlSize(va, length);
  const mdl = kalloc(env, size, TAG_MDL);
  m.write(mdl, new Uint8Array(size));
  m.setU16(mdl + B(M.Size), size);
  m.setU16(mdl + B(M.MdlFlags), MDL_ALLOCATED_FIXED_SIZE | MDL_PAGES_LOCKED | (write ? MDL_WRITE_OPERATION : 0));
  putPtr(m, mdl + B(M.Process), r.process);
  putPtr(m, mdl + B(M.StartVa), va & ~(PAGE - 1n));
  m.setU32(mdl + B(M.ByteCount), length);
  m.setU32(mdl + B(M.ByteOffset), Number(va & (PAGE - 1n)));
  // The PFN array follows the header (x64: 8-byte PFN_NUMBERs; x86: 4-byte).
  const pfnSize = ptrSize();
  const pages = Number((((va & (PAGE - 1n)) + B(length) + PAGE - 1n) / PAGE));
  const ctx = ctxLess(env);
  for (let i = 0; i < pages; i++) {
    const pfn = physicalOf(ctx, (va & ~(PAGE - 1n)) + B(i) * PAGE) / PAGE;
    if (pfnSize === 8) m.setU64(mdl + B(M.$size + 8 * i), pfn);
    else m.setU32(mdl + B(M.$size + 4 * i), Number(pfn));
  }
  return mdl;
}

/** A system buffer (nonpaged pool charged to the process's quota) with `bytes` from user memory at its start. */
function systemBuffer(env: IoEnv, length: number, from: bigint, copy: number): bigint {
  const sys = kalloc(env, length, TAG_BUF);
  if (copy > 0) env.mem.write(sys, env.mem.read(from, copy));
  return sys;
}

export interface IoctlBuffers {
  code: number;
  input: bigint;
  inputLength: number;
  output: bigint;
  outputLength: number;
}

/** NtDeviceIoControlFile's IRP for `code` (IRP_MJ_DEVICE_CONTROL). */
export function buildUserIoctl(env: IoEnv, r: UserRequest, b: IoctlBuffers): bigint {
  const m = env.mem;
  const { irp, sl } = base(env, r, IRP_MJ.DEVICE_CONTROL);
  const info = ioState(env.kernel).irps.get(irp)!;
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.IoControlCode"]), b.code >>> 0);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.InputBufferLength"]), b.inputLength);
  m.setU32(sl + B(SL["Parameters.DeviceIoControl.OutputBufferLength"]), b.outputLength);
  let flags = IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION;
  const method = b.code & 3;
  if (method === 0) {
    const len = Math.max(b.inputLength, b.outputLength);
    if (len > 0) {
      const sys = systemBuffer(env, len, b.input, b.inputLength);
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      info.systemBuffer = sys;
      flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
      if (b.outputLength > 0) {
        flags |= IRP_INPUT_OPERATION;
        info.copyBack = { system: sys, user: b.output, length: b.outputLength };
      }
    }
  } else if (method === 1 || method === 2) {
    if (b.inputLength > 0) {
      const sys = systemBuffer(env, b.inputLength, b.input, b.inputLength);
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      info.systemBuffer = sys;
      flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    }
    if (b.outputLength > 0) {
      // METHOD_IN_DIRECT probes the "output" buffer for read access (it carries data in), OUT_DIRECT for write.
      info.mdl = lockedUserMdl(env, r, b.output, b.outputLength, method === 2);
      putPtr(m, irp + B(IRP.MdlAddress), info.mdl);
    }
  } else {
    putPtr(m, sl + B(SL["Parameters.DeviceIoControl.Type3InputBuffer"]), b.input);
  }
  putPtr(m, irp + B(IRP.UserBuffer), b.output);
  m.setU32(irp + B(IRP.Flags), flags);
  return irp;
}

/** NtReadFile / NtWriteFile's IRP: `buffer` is the caller's user buffer of `length` bytes. */
export function buildUserReadWrite(env: IoEnv, r: UserRequest, major: typeof IRP_MJ.READ | typeof IRP_MJ.WRITE, buffer: bigint, length: number, offset: bigint): bigint {
  const m = env.mem;
  const { irp, sl } = base(env, r, major);
  const info = ioState(env.kernel).irps.get(irp)!;
  // Parameters.Read and Parameters.Write share their layout (Length, Key, ByteOffset).
  m.setU32(sl + B(SL["Parameters.Read.Length"]), length);
  m.setU64(sl + B(SL["Parameters.Read.ByteOffset"]), BigInt.asUintN(64, offset));
  const read = major === IRP_MJ.READ;
  let flags = IRP_SYNCHRONOUS_API | IRP_DEFER_IO_COMPLETION | (read ? IRP_READ_OPERATION : IRP_WRITE_OPERATION);
  const devFlags = m.u32(r.top + B(DEV.Flags));
  if (devFlags & DO_BUFFERED_IO) {
    if (length > 0) {
      const sys = systemBuffer(env, length, buffer, read ? 0 : length);
      putPtr(m, irp + B(IRP["AssociatedIrp.SystemBuffer"]), sys);
      info.systemBuffer = sys;
      flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (read ? IRP_INPUT_OPERATION : 0);
      if (read) info.copyBack = { system: sys, user: buffer, length };
    }
  } else if (devFlags & DO_DIRECT_IO) {
    if (length > 0) {
      // A read writes into the caller's pages: IoWriteAccess; a write reads them: IoReadAccess.
      info.mdl = lockedUserMdl(env, r, buffer, length, read);
      putPtr(m, irp + B(IRP.MdlAddress), info.mdl);
    }
  }
  putPtr(m, irp + B(IRP.UserBuffer), buffer);
  m.setU32(irp + B(IRP.Flags), flags);
  return irp;
}

/** How the buffers of a request reach the driver, for reports: "METHOD_BUFFERED", "DO_DIRECT_IO"... */
export function transferOf(env: IoEnv, top: bigint, major: number, code?: number): string {
  if (major === IRP_MJ.DEVICE_CONTROL) return ["METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT", "METHOD_NEITHER"][(code ?? 0) & 3]!;
  const f = env.mem.u32(top + B(DEV.Flags));
  return f & DO_BUFFERED_IO ? "DO_BUFFERED_IO" : f & DO_DIRECT_IO ? "DO_DIRECT_IO" : "neither (user buffer)";
}
