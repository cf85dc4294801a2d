/**
 * The per-file state a file system keeps for a stream on the sandboxed volume, which every
 * FILE_OBJECT opened on that file shares (what NTFS would own):
 * - FsContext → the stream's FCB, which begins with an FSRTL_COMMON_FCB_HEADER (ntifs.h):
 *   AllocationSize, FileSize and ValidDataLength of the file. Filters compare FsContext to tell
 *   whether two file objects are the same stream (Microsoft Learn, "FILE_OBJECT": "FsContext …
 *   the file system's stream context"; "FSRTL_COMMON_FCB_HEADER"). NodeTypeCode is the file
 *   system's private type code; kmdll leaves it 0.
 * - SectionObjectPointer → the stream's SECTION_OBJECT_POINTERS (wdm.h): DataSectionObject,
 *   SharedCacheMap, ImageSectionObject. kmdll keeps no cache map or section control areas, so all
 *   three are NULL (CcIsFileCached is FALSE); a driver may write them, as force-delete tools do.
 * FsContext2 (the per-open context block) is made with each file object (api/file-object.ts).
 *
 * The state lives as long as the kernel (a file system keeps an FCB while any file object or
 * cache references it; kmdll has no cache to tear it down), in kernel pool, never counted as a
 * driver's leak. The header's sizes follow the file: set at each open, and after writes, end-of-
 * file changes and renames (refreshStream / moveStream).
 */
import type { ApiContext } from "./types.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";

const B = (n: number) => BigInt(n);
const FCB = LAYOUT.FSRTL_COMMON_FCB_HEADER;
const SOP = LAYOUT.SECTION_OBJECT_POINTERS;
const TAG_FCB = 0x2062634b; // 'Kcb '
/** Room after the header for the rest of an FCB a driver might read past it (zeros). */
const FCB_SIZE = 0x100;

export interface VolumeStream {
  fcb: bigint;
  sectionObjectPointers: bigint;
}

/** Lower-case volume path ("windows\\x.sys") → its stream state. */
const streams = componentState("volume.streams", () => new Map<string, VolumeStream>());
const keyOf = (parts: string[]) => parts.join("\\").toLowerCase();

/** The stream of a file on the volume (made on first use); null when pool is exhausted. */
export function volumeStream(ctx: ApiContext, parts: string[], size: bigint): VolumeStream | null {
  const map = streams(ctx.kernel);
  let s = map.get(keyOf(parts)) ?? null;
  if (s === null) {
    const block = ctx.kernel.kernelPool?.allocate(FCB_SIZE + SOP.$size, TAG_FCB) ?? 0n;
    if (block === 0n) return null;
    ctx.mem.write(block, new Uint8Array(FCB_SIZE + SOP.$size));
    ctx.mem.setU16(block + B(FCB.NodeByteSize), FCB_SIZE);
    s = { fcb: block, sectionObjectPointers: block + B(FCB_SIZE) };
    map.set(keyOf(parts), s);
  }
  writeSizes(ctx, s, size);
  return s;
}

function writeSizes(ctx: ApiContext, s: VolumeStream, size: bigint): void {
  ctx.mem.setU64(s.fcb + B(FCB.AllocationSize), (size + 0xfffn) & ~0xfffn);
  ctx.mem.setU64(s.fcb + B(FCB.FileSize), size);
  ctx.mem.setU64(s.fcb + B(FCB.ValidDataLength), size);
}

/** The file's size changed (write, end of file): its FCB header says so, if it has one. */
export function refreshStream(ctx: ApiContext, parts: string[], size: bigint): void {
  const s = streams(ctx.kernel).get(keyOf(parts));
  if (s) writeSizes(ctx, s, size);
}

/** A rename: the stream (and every file object's FsContext) follows the file to its new name. */
export function moveStream(ctx: ApiContext, from: string[], to: string[]): void {
  const map = streams(ctx.kernel);
  const s = map.get(keyOf(from));
  if (!s) return;
  map.delete(keyOf(from));
  map.set(keyOf(to), s);
}
