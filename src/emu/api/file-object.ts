/**
 * The FILE_OBJECT of a file opened on the sandboxed volume (api/file.ts), made when a driver
 * first references the handle's object (ObReferenceObjectByHandle).
 *
 * What Windows shows (wdm.h FILE_OBJECT; Microsoft Learn, "FILE_OBJECT", "ObQueryNameString"):
 * Type IO_TYPE_FILE (5) and Size; FileName is the path on the volume as it was opened
 * (`\Windows\System32\drivers\x.sys`), with no device prefix; ObQueryNameString on the object
 * returns the volume device's name followed by that path
 * (`\Device\HarddiskVolume1\Windows\System32\drivers\x.sys`), which is how drivers find the
 * folder their own image was loaded from. DeviceObject is the volume device and Vpb its VPB
 * (api/volume-device.ts). FsContext and SectionObjectPointer are the stream's FCB and section
 * pointers, shared by every open of the file (api/file-stream.ts); FsContext2 is this open's own
 * context block (zeros), as a file system gives each file object one.
 */
import type { ApiContext } from "./types.js";
import { LAYOUT, putPtr } from "../../nt/arch-layout.js";
import { registerObject } from "../obmgr/index.js";
import { encodeUtf16 } from "./util.js";
import { VOLUME_DEVICE } from "../volume/volume.js";
import { volumeDevices } from "./volume-device.js";
import { volumeStream } from "./file-stream.js";
import { contents, lookup } from "../volume/volume.js";
import { volumeOf } from "./file.js";

const B = (n: number) => BigInt(n);
const FO = LAYOUT.FILE_OBJECT;
const US = LAYOUT.UNICODE_STRING;
const IO_TYPE_FILE = 5;
const TAG_FILE = 0x656c6946; // 'File'
/** wdm.h FILE_OBJECT.Flags FO_SYNCHRONOUS_IO. */
const FO_SYNCHRONOUS_IO = 0x2;
const READ = 0x1 | 0x80000000 | 0x10000000; // FILE_READ_DATA | GENERIC_READ | GENERIC_ALL
const WRITE = 0x2 | 0x4 | 0x40000000 | 0x10000000; // FILE_WRITE_DATA | FILE_APPEND_DATA | GENERIC_WRITE | GENERIC_ALL
const DELETE = 0x10000;
/** The per-open context block (FsContext2): the file system's own; zeros. */
const CCB_SIZE = 0x40;

export interface VolumeFile {
  parts: string[];
  access: number;
  sync: boolean;
  position: bigint;
}

/** `\Windows\System32\x.sys` for the parts ["Windows", "System32", "x.sys"] (`\` for the root). */
export const volumeFileName = (parts: string[]) => "\\" + parts.join("\\");

/** Build and register the FILE_OBJECT (one pointer, for the handle); 0 when pool is exhausted. */
export function volumeFileObject(ctx: ApiContext, f: VolumeFile): bigint {
  const name = encodeUtf16(volumeFileName(f.parts));
  const nameEnd = FO.$size + name.length + 2;
  const ccbAt = (nameEnd + 15) & ~15;
  const size = ccbAt + CCB_SIZE;
  const fo = ctx.kernel.kernelPool?.allocate(size, TAG_FILE) ?? 0n;
  if (fo === 0n) return 0n;
  const m = ctx.mem;
  m.write(fo, new Uint8Array(size));
  m.setU16(fo + B(FO.Type), IO_TYPE_FILE);
  m.setU16(fo + B(FO.Size), FO.$size);
  m.setU8(fo + B(FO.ReadAccess), f.access & READ ? 1 : 0);
  m.setU8(fo + B(FO.WriteAccess), f.access & WRITE ? 1 : 0);
  m.setU8(fo + B(FO.DeleteAccess), f.access & DELETE ? 1 : 0);
  if (f.sync) m.setU32(fo + B(FO.Flags), FO_SYNCHRONOUS_IO);
  m.setU64(fo + B(FO.CurrentByteOffset), f.position);
  // On the volume: DeviceObject = the volume device, Vpb = the VPB of the file system mounted on it.
  const dev = volumeDevices(ctx);
  if (dev) {
    putPtr(m, fo + B(FO.DeviceObject), dev.volume);
    putPtr(m, fo + B(FO.Vpb), dev.vpb);
  }
  // The stream's FCB and section pointers; this open's context block after the name.
  const v = volumeOf(ctx.kernel);
  const node = lookup(v, f.parts);
  const stream = volumeStream(ctx, f.parts, node?.kind === "file" ? BigInt(contents(v, f.parts, node).length) : 0n);
  if (stream) {
    putPtr(m, fo + B(FO.FsContext), stream.fcb);
    putPtr(m, fo + B(FO.SectionObjectPointer), stream.sectionObjectPointers);
  }
  putPtr(m, fo + B(FO.FsContext2), fo + B(ccbAt));
  // FileName: its characters follow the object (one allocation, freed with it).
  const chars = fo + B(FO.$size);
  m.write(chars, name);
  m.setU16(fo + B(FO.FileName) + B(US.Length), name.length);
  m.setU16(fo + B(FO.FileName) + B(US.MaximumLength), name.length + 2);
  putPtr(m, fo + B(FO.FileName) + B(US.Buffer), chars);
  registerObject(ctx.kernel, fo, { type: "File", name: VOLUME_DEVICE + volumeFileName(f.parts), onDelete: () => ctx.kernel.kernelPool?.free(fo) });
  return fo;
}
