/**
 * The device objects behind the sandboxed volume (C:), made when a driver first needs one (a file
 * object on the volume, a lookup of \Device\HarddiskVolume1): the volume device
 * \Device\HarddiskVolume1 (FILE_DEVICE_DISK, owned by \Driver\volmgr), the unnamed NTFS volume
 * device mounted on it (FILE_DEVICE_DISK_FILE_SYSTEM, owned by \FileSystem\Ntfs) and the VPB
 * joining them, as on a booted Windows: a file object on the volume has DeviceObject = the volume
 * device and Vpb = its VPB, whose DeviceObject is the file system's device
 * (Microsoft Learn: FILE_OBJECT, VPB, IoGetBaseFileSystemDeviceObject, IoGetRelatedDeviceObject).
 *
 * VPB layout (wdm.h): Type 0, Size 2, Flags 4, VolumeLabelLength 6, DeviceObject 8, RealDevice
 * 16 (x86: 12), SerialNumber 24 (16), ReferenceCount 28 (20), VolumeLabel[32] 32 (24).
 */
import type { ApiContext } from "./types.js";
import { LAYOUT, getPtr, ptrSize, putPtr } from "../../nt/arch-layout.js";
import { createDevice, envOf, ioState } from "../iomgr/index.js";
import { objectManager } from "./ob.js";
import { driverByName } from "./objdir.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { encodeUtf16 } from "./util.js";

const B = (n: number) => BigInt(n);
const DEV = LAYOUT.DEVICE_OBJECT;
const IO_TYPE_VPB = 10;
const VPB_MOUNTED = 1;
const FILE_DEVICE_DISK = 7;
const FILE_DEVICE_DISK_FILE_SYSTEM = 8;
const DO_DEVICE_INITIALIZING = 0x80;
const TAG_VPB = 0x20627056; // 'Vpb '
/** The volume's serial number and label (what `vol C:` would show). */
export const VOLUME_SERIAL = 0x4b4d444c;
export const VOLUME_LABEL = "KMDLL";

export interface VolumeDevices {
  /** \Device\HarddiskVolume1. */
  volume: bigint;
  /** The NTFS volume device mounted on it (VPB.DeviceObject). */
  fs: bigint;
  vpb: bigint;
}

const vpbOffsets = () => (ptrSize() === 8 ? { DeviceObject: 8, RealDevice: 16, SerialNumber: 24, ReferenceCount: 28, VolumeLabel: 32, size: 96 } : { DeviceObject: 8, RealDevice: 12, SerialNumber: 16, ReferenceCount: 20, VolumeLabel: 24, size: 88 });

/** The volume's devices (made once per kernel; permanent). Null when pool is exhausted. */
export function volumeDevices(ctx: ApiContext): VolumeDevices | null {
  const st = ctx.kernel.state<{ v?: VolumeDevices | null }>("volume.devices", () => ({}));
  if (st.v !== undefined) return st.v;
  st.v = null;
  const env = envOf(ctx);
  const volmgr = driverByName(ctx, "\\Driver\\volmgr");
  const ntfs = driverByName(ctx, "\\FileSystem\\Ntfs");
  if (volmgr === null || ntfs === null) return null;
  const existing = ioState(ctx.kernel).names.get(VOLUME_DEVICE.toUpperCase());
  const vol = existing !== undefined ? { status: 0, device: existing } : createDevice(env, volmgr, 0, VOLUME_DEVICE, FILE_DEVICE_DISK, 0, false);
  const fs = createDevice(env, ntfs, 0, null, FILE_DEVICE_DISK_FILE_SYSTEM, 0, false);
  if (vol.status !== 0 || fs.status !== 0) return null;
  const o = vpbOffsets();
  const vpb = ctx.kernel.kernelPool?.allocate(o.size, TAG_VPB) ?? 0n;
  if (vpb === 0n) return null;
  const m = ctx.mem;
  m.write(vpb, new Uint8Array(o.size));
  m.setU16(vpb, IO_TYPE_VPB);
  m.setU16(vpb + 2n, o.size);
  m.setU16(vpb + 4n, VPB_MOUNTED);
  const label = encodeUtf16(VOLUME_LABEL);
  m.setU16(vpb + 6n, label.length);
  putPtr(m, vpb + B(o.DeviceObject), fs.device);
  putPtr(m, vpb + B(o.RealDevice), vol.device);
  m.setU32(vpb + B(o.SerialNumber), VOLUME_SERIAL);
  m.setU32(vpb + B(o.ReferenceCount), 1);
  m.write(vpb + B(o.VolumeLabel), label);
  for (const d of [vol.device, fs.device]) {
    m.setU32(d + B(DEV.Flags), m.u32(d + B(DEV.Flags)) & ~DO_DEVICE_INITIALIZING);
    const obj = objectManager(ctx.kernel).objects.get(d);
    if (obj) obj.permanent = true;
  }
  putPtr(m, vol.device + B(DEV.Vpb), vpb);
  st.v = { volume: vol.device, fs: fs.device, vpb };
  return st.v;
}

/** The VPB's DeviceObject (the mounted file system's device), or 0. */
export function vpbDeviceObject(ctx: ApiContext, vpb: bigint): bigint {
  return getPtr(ctx.mem, vpb + B(vpbOffsets().DeviceObject));
}
