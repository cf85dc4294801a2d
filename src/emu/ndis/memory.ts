/**
 * NDIS memory and strings (ndis.h; Microsoft Learn: NdisAllocateMemoryWithTagPriority,
 * NdisFreeMemoryWithTagPriority, NdisFreeMemory, NdisInitializeString, NdisFreeString). VirtIO's
 * netkvm.sys (held-out set fresh2, docs/qa.md) allocates so from DriverEntry.
 *
 *   NdisAllocateMemoryWithTagPriority(NdisHandle, Length, Tag, Priority): Length bytes of nonpaged
 *     pool (NonPagedPoolNx) charged to the calling driver with Tag, or NULL when the pool has no
 *     room (or Length is 0). NdisHandle only names the driver the memory is for: kmdll charges the
 *     caller. Priority (EX_POOL_PRIORITY) does not change the answer on the emulated machine.
 *   NdisAllocateMemoryWithTag(VirtualAddress, Length, Tag) (NDIS 5 and later; Learn: deprecated
 *     for NdisAllocateMemoryWithTagPriority, still exported): Length bytes of nonpaged pool charged
 *     to the caller with Tag, stored in *VirtualAddress with NDIS_STATUS_SUCCESS; when the pool has
 *     no room *VirtualAddress is NULL and the answer NDIS_STATUS_FAILURE. Freed with NdisFreeMemory.
 *     IRQL <= DISPATCH_LEVEL (a caller above it is a bug check report). SoftEther's SeLow.sys and
 *     ZeroTier's zttap300.sys (held-out set fresh5, /work/wt/qa-fresh5.md) allocate so from DriverEntry.
 *   NdisFreeMemoryWithTagPriority(NdisHandle, VirtualAddress, Tag): frees it; the tag is checked as
 *     ExFreePoolWithTag checks it (a mismatch is a bug check report).
 *   NdisFreeMemory(VirtualAddress, Length, MemoryFlags): frees memory from the NDIS allocators
 *     (MemoryFlags 0 for nonpaged memory; Length is not checked, as in Windows).
 *   NdisInitializeString(Destination, Source): an NDIS_STRING (UNICODE_STRING) made from the
 *     NUL-terminated ANSI Source in NDIS-allocated memory (Length = 2 × the characters,
 *     MaximumLength = Length + 2 for the NUL); NdisFreeString (a macro) frees it with
 *     NdisFreeMemory. Out of memory: Buffer NULL, Length and MaximumLength 0.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex, writeCounted } from "../api/util.js";
import { putPtr } from "../../nt/arch-layout.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const NON_PAGED_POOL_NX = 512;
const DISPATCH_LEVEL = 2;
const NDIS_STATUS_FAILURE = 0xc0000001;
/** NdisInitializeString's buffers: a tag of kmdll's own (Learn names none). */
const TAG_STRING = 0x73534e44; // 'DNSs'
const MAX_STRING = 0x7ffe;

function allocate(ctx: ApiContext): bigint {
  const [handle, length, tag, priority] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.u32(3)];
  ctx.describe([hex(handle), String(length), hex(tag), String(priority)]);
  if (length === 0) return 0n;
  return ctx.pool.allocate(length, tag, NON_PAGED_POOL_NX, false);
}

function initializeString(ctx: ApiContext): void {
  const [dest, source] = [ctx.arg(0), ctx.arg(1)];
  const text = source === 0n ? "" : ctx.mem.cstring(source, MAX_STRING / 2 - 1);
  ctx.describe([hex(dest), JSON.stringify(text)]);
  const bytes = Buffer.from(text + "\0", "latin1").length * 2;
  const buf = ctx.pool.allocate(bytes, TAG_STRING, NON_PAGED_POOL_NX, false);
  if (buf === 0n) return writeCounted(ctx.mem, dest, { length: 0, maximumLength: 0, buffer: 0n });
  ctx.mem.write(buf, new Uint8Array(Buffer.from(text + "\0", "utf16le")));
  writeCounted(ctx.mem, dest, { length: bytes - 2, maximumLength: bytes, buffer: buf });
}

/** NdisAllocateMemoryWithTag: the NDIS 5 allocator (status, address through the first argument). */
function allocateWithTag(ctx: ApiContext): number {
  const [out, length, tag] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
  ctx.describe([hex(out), String(length), hex(tag)]);
  if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `NdisAllocateMemoryWithTag at IRQL ${ctx.kernel.irql} (must be <= DISPATCH_LEVEL)`, { code: "0x0000000A" });
  if (out === 0n) ctx.fault("bugcheck", "NdisAllocateMemoryWithTag: VirtualAddress is NULL (NDIS writes the address through it)", { code: "0x0000001E" });
  const p = ctx.pool.allocate(length, tag, NON_PAGED_POOL_NX, false);
  putPtr(ctx.mem, out, p);
  return p === 0n ? NDIS_STATUS_FAILURE : 0;
}

export const ndisMemoryApis: ApiDefinition[] = [
  ndis("NdisAllocateMemoryWithTag", 3, allocateWithTag),
  ndis("NdisAllocateMemoryWithTagPriority", 4, allocate),
  ndis("NdisFreeMemoryWithTagPriority", 3, (ctx) => {
    const [handle, address, tag] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
    ctx.describe([hex(handle), hex(address), hex(tag)]);
    ctx.pool.free(address, tag, 1);
  }),
  ndis("NdisFreeMemory", 3, (ctx) => {
    const address = ctx.arg(0);
    ctx.describe([hex(address), String(ctx.u32(1)), hex(ctx.u32(2))]);
    ctx.pool.free(address, null, 0);
  }),
  ndis("NdisInitializeString", 2, (ctx) => void initializeString(ctx)),
];
