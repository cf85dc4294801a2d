/**
 * WDFLOOKASIDE (wdfmemory.h of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/core/fxlookasidelistapi.cpp, fxlookasidelist.cpp, fxmemorybufferfromlookaside.cpp;
 * Microsoft Learn "WdfLookasideListCreate", "WdfMemoryCreateFromLookaside"):
 *
 * - WdfLookasideListCreate(LookasideAttributes, BufferSize, PoolType, MemoryAttributes, PoolTag, Lookaside):
 *   NULL Lookaside WDF_VIOLATION; *Lookaside NULLed; BufferSize 0 STATUS_INVALID_PARAMETER; both
 *   attribute blocks as FxValidateObjectAttributes checks them; PoolTag 0 is the driver's tag. The list
 *   is parented to the driver unless LookasideAttributes name a parent; it keeps the MemoryAttributes
 *   (read now: the framework copies them).
 * - WdfMemoryCreateFromLookaside(Lookaside, Memory): NULL Memory WDF_VIOLATION, *Memory NULLed; a
 *   WDFMEMORY of BufferSize bytes with the list's MemoryAttributes (parented to the driver unless they
 *   name a parent). Each buffer holds a reference on the list (FxMemoryBufferFromLookaside), so a list
 *   deleted while buffers are out goes when the last one is deleted; the buffer returns to the list then.
 *
 * The buffers are pool blocks of the list's tag (an NTOS lookaside list hands out pool blocks too).
 * The paged-pool check that both attribute blocks belong to the same device is not modelled.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { wdf } from "./layouts.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, type ObjectAttributes } from "./objects.js";
import { dereferenceObject } from "./lifetime.js";
import { newMemory, required } from "./memory.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);

declare module "./objects.js" {
  interface WdfObject {
    /** WDFLOOKASIDE: its buffers' size, pool tag and the memory attributes WdfLookasideListCreate copied. */
    lookaside?: { size: bigint; tag: number; memAttrs: ObjectAttributes };
  }
}

function driverHandle(ctx: ApiContext): bigint | null {
  const h = ctx.arg(0) === 0n ? 0n : getPtr(ctx.mem, ctx.arg(0) + BigInt(wdf("WDF_DRIVER_GLOBALS").Driver));
  return wdfState(ctx.kernel).objects.has(h) ? h : null;
}

export const apis: ApiDefinition[] = [
  fx("WdfLookasideListCreate", 7, (ctx) => {
    const [attrs, size, pool, memAttrs, tag, out] = [ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.u32(5), ctx.arg(6)];
    ctx.describe([hex(ctx.arg(0)), hex(attrs), hex(size), String(pool), hex(memAttrs), hex(tag), hex(out)]);
    required(ctx, out, "Lookaside");
    putPtr(ctx.mem, out, 0n);
    if (size === 0n) return STATUS.INVALID_PARAMETER;
    let st = validateAttributes(ctx, attrs, { parentRequired: false });
    if (st !== STATUS.SUCCESS) return st;
    st = validateAttributes(ctx, memAttrs, { parentRequired: false });
    if (st !== STATUS.SUCCESS) return st;
    if (size > 0x10000000n) return STATUS.INSUFFICIENT_RESOURCES;
    const a = readAttributes(ctx, attrs);
    if (a.parent !== null) objectOf(ctx, a.parent, null, "LookasideAttributes->ParentObject");
    const ma = readAttributes(ctx, memAttrs);
    if (ma.parent !== null) objectOf(ctx, ma.parent, null, "MemoryAttributes->ParentObject");
    const tagOf = tag !== 0 ? tag : ctx.mem.u32(ctx.arg(0) + BigInt(wdf("WDF_DRIVER_GLOBALS").DriverTag));
    const o = newObject(ctx, "lookaside", a, { lookaside: { size, tag: tagOf, memAttrs: ma } });
    if (o.parent === null) o.parent = driverHandle(ctx);
    putPtr(ctx.mem, out, o.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfMemoryCreateFromLookaside", 3, (ctx) => {
    const list = objectOf(ctx, ctx.arg(1), "lookaside", "Lookaside");
    const out = ctx.arg(2);
    required(ctx, out, "Memory");
    putPtr(ctx.mem, out, 0n);
    const l = list.lookaside!;
    const buffer = ctx.kernel.kernelPool?.allocate(Number(l.size), l.tag) ?? 0n;
    if (buffer === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    const mem = newMemory(ctx, l.memAttrs, buffer, l.size, { pool: true });
    list.refs++;
    mem.dispose = (c) => {
      c.kernel.kernelPool?.free(buffer);
      dereferenceObject(c, list);
    };
    putPtr(ctx.mem, out, mem.handle);
    return STATUS.SUCCESS;
  }),
];
