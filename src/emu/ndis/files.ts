/**
 * NDIS file routines (Microsoft Learn, ndis.h: NdisOpenFile, NdisMapFile, NdisUnmapFile,
 * NdisCloseFile) — how miniports (Intel's NETwew/Netwbw Wi-Fi drivers) load firmware images —
 * on kmdll's sandboxed volume (src/emu/volume: the --root folder plays C:\Windows, so nothing
 * outside it is read).
 *
 * - NdisOpenFile(Status, FileHandle, FileLength, FileName, HighestAcceptableAddress): FileName
 *   names a file of the system's drivers directory, \SystemRoot\System32\drivers (as NDIS looks
 *   files up; a name beginning with "\" is taken as a full NT path — kmdll's choice). Found:
 *   NDIS_STATUS_SUCCESS, a handle and the file's length; missing (or a directory):
 *   NDIS_STATUS_FILE_NOT_FOUND (0xC001001B); a NULL FileName: NDIS_STATUS_FILE_NOT_FOUND too.
 *   The contents are read at open (the volume's copy as of then).
 * - NdisMapFile(Status, MappedBuffer, FileHandle): the contents in a non-paged pool block;
 *   mapping a mapped handle again: NDIS_STATUS_ALREADY_MAPPED (0xC001001D).
 * - NdisUnmapFile(FileHandle): frees the mapping (an unmapped handle: nothing happens).
 * - NdisCloseFile(FileHandle): unmaps if needed and closes. A handle NdisOpenFile did not return
 *   (or closed already), to any of the three: bug check report.
 * HighestAcceptableAddress is read but not enforced (every kmdll pool address is "acceptable").
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex, unicodeText, writePtr } from "../api/util.js";
import { componentState } from "../api/state.js";
import { volumeOf } from "../api/file.js";
import { contents, displayPath, lookup, volumePath } from "../volume/volume.js";

const NDIS = "ndis.sys";
const NDIS_STATUS_FILE_NOT_FOUND = 0xc001001b;
const NDIS_STATUS_ALREADY_MAPPED = 0xc001001d;
const NDIS_STATUS_RESOURCES = 0xc000009a;
const TAG = 0x6c69464e; // 'NFil'
const DRIVERS = "\\SystemRoot\\System32\\drivers\\";

interface NdisFile {
  path: string;
  data: Uint8Array;
  mapped: bigint;
}
const fileState = componentState("ndis-file", () => ({ files: new Map<bigint, NdisFile>(), next: 0x4e460010n }));

function fileOf(ctx: ApiContext, name: string, h: bigint): NdisFile {
  const f = fileState(ctx.kernel).files.get(BigInt.asUintN(64, h));
  if (!f) ctx.fault("bugcheck", `${name}(${hex(h)}): not a handle NdisOpenFile returned (or closed already)`, { code: "0x0000001E" });
  return f;
}

function unmap(ctx: ApiContext, f: NdisFile): void {
  if (f.mapped === 0n) return;
  ctx.kernel.kernelPool?.free(f.mapped);
  f.mapped = 0n;
}

export const apis: ApiDefinition[] = [
  api(NDIS, "NdisOpenFile", 5, (ctx) => {
    const [pStatus, pHandle, pLength, pName] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    const name = pName === 0n ? null : unicodeText(ctx.mem, pName);
    ctx.describe([hex(pStatus), hex(pHandle), hex(pLength), name === null ? "NULL" : JSON.stringify(name), hex(ctx.arg(4))]);
    const full = name === null ? null : name.startsWith("\\") ? name : DRIVERS + name;
    const r = full === null ? null : volumePath(full);
    const v = volumeOf(ctx.kernel);
    const node = r?.ok ? lookup(v, r.parts) : null;
    if (!r?.ok || node === null || node.kind !== "file") return void ctx.mem.setU32(pStatus, NDIS_STATUS_FILE_NOT_FOUND);
    const st = fileState(ctx.kernel);
    const h = st.next;
    st.next += 0x10n;
    const data = contents(v, r.parts, node).slice();
    st.files.set(h, { path: displayPath(r.parts), data, mapped: 0n });
    writePtr(ctx.mem, pHandle, h);
    ctx.mem.setU32(pLength, data.length);
    ctx.mem.setU32(pStatus, 0);
  }),
  api(NDIS, "NdisMapFile", 3, (ctx) => {
    const [pStatus, pBuffer, h] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(pStatus), hex(pBuffer), hex(h)]);
    const f = fileOf(ctx, "NdisMapFile", h);
    if (f.mapped !== 0n) return void ctx.mem.setU32(pStatus, NDIS_STATUS_ALREADY_MAPPED);
    const block = ctx.kernel.kernelPool?.allocate(Math.max(f.data.length, 1), TAG) ?? 0n;
    if (block === 0n) return void ctx.mem.setU32(pStatus, NDIS_STATUS_RESOURCES);
    if (f.data.length) ctx.mem.write(block, f.data);
    f.mapped = block;
    writePtr(ctx.mem, pBuffer, block);
    ctx.mem.setU32(pStatus, 0);
  }),
  api(NDIS, "NdisUnmapFile", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    unmap(ctx, fileOf(ctx, "NdisUnmapFile", ctx.arg(0)));
  }),
  api(NDIS, "NdisCloseFile", 1, (ctx) => {
    const h = ctx.arg(0);
    ctx.describe([hex(h)]);
    unmap(ctx, fileOf(ctx, "NdisCloseFile", h));
    fileState(ctx.kernel).files.delete(BigInt.asUintN(64, h));
  }),
];
