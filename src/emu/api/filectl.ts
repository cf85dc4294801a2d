/**
 * Control requests and byte-range locks on file handles: ZwDeviceIoControlFile and ZwFsControlFile
 * (to a device a handle was opened on: IRP_MJ_DEVICE_CONTROL / IRP_MJ_FILE_SYSTEM_CONTROL sent to
 * the top of its stack, with the buffers of the code's transfer method; to the sandboxed volume: the
 * file system controls below), ZwLockFile / ZwUnlockFile, and IoCreateFileSpecifyDeviceObjectHint.
 *
 * File system controls the volume answers (winioctl.h codes; Microsoft Learn "FSCTL_*"):
 * FSCTL_IS_VOLUME_MOUNTED → success; FSCTL_LOCK_VOLUME / FSCTL_DISMOUNT_VOLUME → STATUS_ACCESS_DENIED
 * (the system volume has open files); FSCTL_UNLOCK_VOLUME → STATUS_NOT_LOCKED;
 * FSCTL_GET_NTFS_VOLUME_DATA → NTFS_VOLUME_DATA_BUFFER (the geometry FileFsSizeInformation gives:
 * 4 KiB clusters, 512-byte sectors); FSCTL_GET_REPARSE_POINT → STATUS_NOT_A_REPARSE_POINT (no file
 * is one); any other code → STATUS_INVALID_DEVICE_REQUEST.
 *
 * Byte-range locks (Microsoft Learn ZwLockFile / ZwUnlockFile; FsRtl's file lock package): an
 * exclusive lock conflicts with every overlapping lock, a shared one with overlapping exclusive
 * locks of other handles; a conflict is STATUS_LOCK_NOT_GRANTED with FailImmediately, and otherwise
 * a wait no other thread can end here (a `deadlock` fault). ZwUnlockFile releases exactly one lock
 * of the handle (same offset, length and key), else STATUS_RANGE_NOT_LOCKED. Closing the handle
 * releases its locks. ZwReadFile / ZwWriteFile check them (STATUS_FILE_LOCK_CONFLICT, lockConflict).
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { hex, nt, unicodeText, readPtr } from "./util.js";
import { lookupHandle } from "./ob.js";
import { KernelMode, attachedTop, buildIoctlIrp, callDriver, envOf, ioctlDescribe, ioState } from "../iomgr/index.js";
import { create, fileEvent, iosb, type FileHandleData } from "./file.js";
import type { DeviceFileData } from "./file-device.js";
import { displayPath, volumePath } from "../volume/volume.js";
import { volumeDevices } from "./volume-device.js";
import { VOLUME_SERIAL } from "./volume-device.js";

const B = (n: number) => BigInt(n);
const SL = LAYOUT.IO_STACK_LOCATION;
const IRP = LAYOUT.IRP;
const OA = LAYOUT.OBJECT_ATTRIBUTES;
const ST = {
  NOT_LOCKED: 0xc000002a,
  NOT_A_REPARSE_POINT: 0xc0000275,
  LOCK_NOT_GRANTED: 0xc0000055,
  RANGE_NOT_LOCKED: 0xc000007e,
  INVALID_LOCK_RANGE: 0xc00001a1,
  INVALID_DEVICE_OBJECT_PARAMETER: 0xc0000369,
};
const FSCTL = { LOCK_VOLUME: 0x90018, UNLOCK_VOLUME: 0x9001c, DISMOUNT_VOLUME: 0x90020, IS_VOLUME_MOUNTED: 0x90028, GET_NTFS_VOLUME_DATA: 0x90064, GET_REPARSE_POINT: 0x900a8 };
const READ_OR_WRITE = 0x1 | 0x2 | 0x80000000 | 0x40000000 | 0x10000000;

type Target = { kind: "volume"; f: FileHandleData } | { kind: "device"; d: DeviceFileData } | number;

function targetOf(ctx: ApiContext, handle: bigint): Target {
  const h = lookupHandle(ctx.kernel, handle);
  if (!h) return STATUS.INVALID_HANDLE;
  if (h.type !== "File" || !h.data) return STATUS.OBJECT_TYPE_MISMATCH;
  if ("parts" in (h.data as object)) return { kind: "volume", f: h.data as FileHandleData };
  if ("device" in (h.data as object)) return { kind: "device", d: h.data as DeviceFileData };
  return STATUS.OBJECT_TYPE_MISMATCH;
}

/** The KEVENT behind an event handle argument (0 for none). */
function eventObject(ctx: ApiContext, handle: bigint): bigint | number {
  if (handle === 0n) return 0n;
  const h = lookupHandle(ctx.kernel, handle);
  if (!h) return STATUS.INVALID_HANDLE;
  if (h.type !== "Event" || h.object === undefined) return STATUS.OBJECT_TYPE_MISMATCH;
  return h.object;
}

/** IRP_MJ_DEVICE_CONTROL or IRP_MJ_FILE_SYSTEM_CONTROL to the device a handle is open on. */
function sendControl(ctx: ApiContext, d: DeviceFileData, fs: boolean, event: bigint, io: bigint, code: number, input: bigint, inLen: number, output: bigint, outLen: number): number {
  const env = envOf(ctx);
  const info = ioState(ctx.kernel).devices.get(d.device);
  if (!info || info.deleted) return iosb(ctx, io, STATUS.NO_SUCH_DEVICE, 0);
  const top = attachedTop(ctx.mem, d.device);
  const irp = buildIoctlIrp(env, { code, device: top, input, inputLength: inLen, output, outputLength: outLen, internal: false, event, iosb: io, requestorMode: KernelMode, fileObject: d.file }, "built");
  putPtr(ctx.mem, irp + B(IRP["Tail.Overlay.OriginalFileObject"]), d.file);
  if (fs) {
    // Parameters.FileSystemControl has DeviceIoControl's layout; minor IRP_MN_USER_FS_REQUEST (0).
    const sl = getPtr(ctx.mem, irp + B(IRP["Tail.Overlay.CurrentStackLocation"])) - B(SL.$size);
    ctx.mem.setU8(sl + B(SL.MajorFunction), 13); // IRP_MJ_FILE_SYSTEM_CONTROL
    ctx.mem.setU8(sl + B(SL.MinorFunction), 0);
  }
  return callDriver(env, top, irp);
}

/** NTFS_VOLUME_DATA_BUFFER (96 bytes) of the sandboxed volume. */
function ntfsVolumeData(): Uint8Array {
  const img = new Uint8Array(96);
  const dv = new DataView(img.buffer);
  const clusters = 0x40000n;
  dv.setBigUint64(0, BigInt(VOLUME_SERIAL), true); // VolumeSerialNumber
  dv.setBigUint64(8, clusters * 8n, true); // NumberSectors
  dv.setBigUint64(16, clusters, true); // TotalClusters
  dv.setBigUint64(24, 0x20000n, true); // FreeClusters
  dv.setBigUint64(32, 0n, true); // TotalReserved
  dv.setUint32(40, 512, true); // BytesPerSector
  dv.setUint32(44, 4096, true); // BytesPerCluster
  dv.setUint32(48, 1024, true); // BytesPerFileRecordSegment
  dv.setUint32(52, 0, true); // ClustersPerFileRecordSegment
  dv.setBigUint64(56, 0x40000n, true); // MftValidDataLength
  dv.setBigUint64(64, 0xc0000n >> 4n, true); // MftStartLcn
  dv.setBigUint64(72, 2n, true); // Mft2StartLcn
  dv.setBigUint64(80, 0xc000n, true); // MftZoneStart
  dv.setBigUint64(88, 0xcc80n, true); // MftZoneEnd
  return img;
}

function volumeFsControl(ctx: ApiContext, f: FileHandleData, io: bigint, code: number, output: bigint, outLen: number): number {
  const path = displayPath(f.parts);
  let st: number;
  let info = 0;
  switch (code) {
    case FSCTL.IS_VOLUME_MOUNTED:
      st = STATUS.SUCCESS;
      break;
    case FSCTL.LOCK_VOLUME:
    case FSCTL.DISMOUNT_VOLUME:
      st = STATUS.ACCESS_DENIED;
      break;
    case FSCTL.UNLOCK_VOLUME:
      st = ST.NOT_LOCKED;
      break;
    case FSCTL.GET_NTFS_VOLUME_DATA: {
      const img = ntfsVolumeData();
      if (outLen < img.length) st = STATUS.BUFFER_TOO_SMALL;
      else {
        ctx.mem.write(output, img);
        st = STATUS.SUCCESS;
        info = img.length;
      }
      break;
    }
    case FSCTL.GET_REPARSE_POINT:
      st = ST.NOT_A_REPARSE_POINT;
      break;
    default:
      st = STATUS.INVALID_DEVICE_REQUEST;
  }
  fileEvent(ctx, "fsctl", path, st, { code: hex(code) });
  return iosb(ctx, io, st, info);
}

function control(ctx: ApiContext, fs: boolean): number {
  const [handle, eventH, , , io] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4)];
  const code = ctx.u32(5);
  const [input, inLen, output, outLen] = [ctx.arg(6), ctx.u32(7), ctx.arg(8), ctx.u32(9)];
  ctx.describe([hex(handle), hex(eventH), hex(io), fs ? hex(code) : ioctlDescribe(code), hex(input), String(inLen), hex(output), String(outLen)]);
  if (ctx.kernel.irql !== 0) ctx.fault("bugcheck", `${fs ? "ZwFsControlFile" : "ZwDeviceIoControlFile"} at IRQL ${ctx.kernel.irql} (PASSIVE_LEVEL only)`, { code: "0x0000000A" });
  const t = targetOf(ctx, handle);
  if (typeof t === "number") return t;
  const event = eventObject(ctx, eventH);
  if (typeof event === "number") return event;
  if (t.kind === "device") return sendControl(ctx, t.d, fs, event, io, code, input, inLen, output, outLen);
  // A file on the volume: file system controls are the file system's; device controls go to the
  // volume below it, which answers none of them here.
  if (fs) return volumeFsControl(ctx, t.f, io, code, output, outLen);
  fileEvent(ctx, "ioctl", displayPath(t.f.parts), STATUS.INVALID_DEVICE_REQUEST, { code: hex(code) });
  return iosb(ctx, io, STATUS.INVALID_DEVICE_REQUEST, 0);
}

interface FileLock {
  owner: FileHandleData;
  path: string;
  start: bigint;
  length: bigint;
  key: number;
  exclusive: boolean;
}
/** Locks held at once, all files together (kmdll's bound: a driver locking in a loop gets STATUS_INSUFFICIENT_RESOURCES). */
const MAX_LOCKS = 1024;
const locksOf = (kernel: KernelState) => kernel.state("file.locks", () => [] as FileLock[]);

/** The handle `owner` is closed: its locks go (IRP_MJ_CLEANUP's FsRtlFastUnlockAll). */
export function releaseLocks(kernel: KernelState, owner: FileHandleData): void {
  const all = locksOf(kernel);
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.owner === owner) all.splice(i, 1);
}

/**
 * Whether a read or write of [start, start+length) through handle `f` with `key` conflicts with a
 * lock (FsRtlCheckLockForReadAccess / ...WriteAccess): a read with another owner's exclusive lock,
 * a write with any shared lock or another owner's exclusive lock.
 */
export function lockConflict(kernel: KernelState, f: FileHandleData, start: bigint, length: bigint, key: number, write: boolean): boolean {
  const all = locksOf(kernel);
  if (!all.length || length === 0n) return false;
  const path = displayPath(f.parts).toUpperCase();
  const mine = (l: FileLock) => l.owner === f && l.key === key;
  return all.some((l) => l.path === path && overlaps(l, { start, length }) && (l.exclusive ? !mine(l) : write));
}

const overlaps = (a: { start: bigint; length: bigint }, b: { start: bigint; length: bigint }) => a.length > 0n && b.length > 0n && a.start < b.start + b.length && b.start < a.start + a.length;

function rangeArgs(ctx: ApiContext, offPtr: bigint, lenPtr: bigint): { start: bigint; length: bigint } | number {
  const start = BigInt.asIntN(64, ctx.mem.u64(offPtr));
  const length = BigInt.asIntN(64, ctx.mem.u64(lenPtr));
  if (start < 0n || length < 0n) return STATUS.INVALID_PARAMETER;
  if (start + length - (length > 0n ? 1n : 0n) > 0x7fffffffffffffffn) return ST.INVALID_LOCK_RANGE;
  return { start, length };
}

function lockFile(ctx: ApiContext): number {
  const [handle, eventH, , , io, offPtr, lenPtr] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.arg(5), ctx.arg(6)];
  const key = ctx.u32(7);
  const failImmediately = (ctx.u32(8) & 0xff) !== 0;
  const exclusive = (ctx.u32(9) & 0xff) !== 0;
  const r0 = rangeArgs(ctx, offPtr, lenPtr);
  ctx.describe([hex(handle), hex(eventH), hex(io), typeof r0 === "number" ? "?" : String(r0.start), typeof r0 === "number" ? "?" : String(r0.length), String(key), failImmediately ? "TRUE" : "FALSE", exclusive ? "TRUE" : "FALSE"]);
  const t = targetOf(ctx, handle);
  if (typeof t === "number") return t;
  if (t.kind !== "volume") return iosb(ctx, io, STATUS.INVALID_DEVICE_REQUEST, 0);
  const f = t.f;
  if (f.dir) return iosb(ctx, io, STATUS.INVALID_PARAMETER, 0);
  if ((f.access & READ_OR_WRITE) === 0) return iosb(ctx, io, STATUS.ACCESS_DENIED, 0);
  if (typeof r0 === "number") return iosb(ctx, io, r0, 0);
  const path = displayPath(f.parts).toUpperCase();
  const want = { ...r0, key, exclusive, owner: f, path };
  const all = locksOf(ctx.kernel);
  const conflict = all.find((l) => l.path === path && overlaps(l, want) && (exclusive || (l.exclusive && (l.owner !== f || l.key !== key))));
  if (conflict) {
    const range = (l: { start: bigint; length: bigint }) => `bytes ${l.start}..${l.start + l.length - 1n}`;
    if (!failImmediately) ctx.fault("deadlock", `ZwLockFile: ${range(want)} of ${displayPath(f.parts)} overlap the ${conflict.exclusive ? "exclusive" : "shared"} lock on ${range(conflict)}; waiting without FailImmediately, no thread would ever release it`);
    fileEvent(ctx, "lock", displayPath(f.parts), ST.LOCK_NOT_GRANTED, { offset: Number(want.start), length: Number(want.length) });
    return iosb(ctx, io, ST.LOCK_NOT_GRANTED, 0);
  }
  if (all.length >= MAX_LOCKS) return iosb(ctx, io, STATUS.INSUFFICIENT_RESOURCES, 0);
  all.push(want);
  fileEvent(ctx, "lock", displayPath(f.parts), STATUS.SUCCESS, { offset: Number(want.start), length: Number(want.length), exclusive });
  return iosb(ctx, io, STATUS.SUCCESS, 0);
}

function unlockFile(ctx: ApiContext): number {
  const [handle, io, offPtr, lenPtr] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const key = ctx.u32(4);
  const r = rangeArgs(ctx, offPtr, lenPtr);
  ctx.describe([hex(handle), hex(io), typeof r === "number" ? "?" : String(r.start), typeof r === "number" ? "?" : String(r.length), String(key)]);
  const t = targetOf(ctx, handle);
  if (typeof t === "number") return t;
  if (t.kind !== "volume") return iosb(ctx, io, STATUS.INVALID_DEVICE_REQUEST, 0);
  if (typeof r === "number") return iosb(ctx, io, r, 0);
  const all = locksOf(ctx.kernel);
  const i = all.findIndex((l) => l.owner === t.f && l.start === r.start && l.length === r.length && l.key === key);
  if (i < 0) return iosb(ctx, io, ST.RANGE_NOT_LOCKED, 0);
  all.splice(i, 1);
  fileEvent(ctx, "unlock", displayPath(t.f.parts), STATUS.SUCCESS, { offset: Number(r.start), length: Number(r.length) });
  return iosb(ctx, io, STATUS.SUCCESS, 0);
}

export const apis: ApiDefinition[] = [
  nt("ZwDeviceIoControlFile", 10, (ctx) => control(ctx, false)),
  nt("ZwFsControlFile", 10, (ctx) => control(ctx, true)),
  nt("ZwLockFile", 10, lockFile),
  nt("ZwUnlockFile", 5, unlockFile),
  // IoCreateFileSpecifyDeviceObjectHint(..., IoCreateFile's 14 arguments, DeviceObject): as
  // IoCreateFile, the create sent to DeviceObject (a filter below the caller) instead of the top
  // of the stack; a hint that is not in the stack of the file's volume →
  // STATUS_INVALID_DEVICE_OBJECT_PARAMETER (Microsoft Learn).
  nt("IoCreateFileSpecifyDeviceObjectHint", 15, (ctx) => {
    const hint = ctx.arg(14);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.u32(1)), hex(ctx.arg(2)), hex(ctx.arg(3)), hex(ctx.u32(5)), hex(ctx.u32(6)), String(ctx.u32(7)), hex(ctx.u32(8)), hex(hint)]);
    if (hint !== 0n && ctx.arg(2) !== 0n) {
      const np = readPtr(ctx.mem, ctx.arg(2) + B(OA.ObjectName));
      const name = np === 0n ? null : unicodeText(ctx.mem, np);
      if (name !== null && volumePath(name).ok) {
        const v = volumeDevices(ctx);
        let inStack = false;
        for (let d = v?.fs ?? 0n, i = 0; d !== 0n && i < 64; i++, d = getPtr(ctx.mem, d + B(LAYOUT.DEVICE_OBJECT.AttachedDevice))) if (d === hint) inStack = true;
        if (hint === v?.volume) inStack = true;
        if (!inStack) return ST.INVALID_DEVICE_OBJECT_PARAMETER;
      }
    }
    return create(ctx, "IoCreateFileSpecifyDeviceObjectHint", ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(5), ctx.u32(7), ctx.u32(8), ctx.u32(6));
  }),
];
