/**
 * Object contexts (wdfobject.h; Microsoft Learn: WdfObjectGetTypedContextWorker,
 * WdfObjectAllocateContext). An object's contexts are keyed by their type — the
 * WDF_OBJECT_CONTEXT_TYPE_INFO's UniqueType (the type info itself when NULL), as the framework
 * matches them:
 *
 *   WdfObjectGetTypedContextWorker(Handle, TypeInfo): the context of that type, NULL when the
 *     object has none of that type.
 *   WdfObjectAllocateContext(Handle, ContextAttributes, Context): adds a context of
 *     ContextAttributes->ContextTypeInfo (zeroed, ContextSizeOverride honoured) with its own
 *     EvtCleanupCallback / EvtDestroyCallback, run after the object's own when it is deleted.
 *     ContextAttributes NULL is a WDF_VIOLATION; a wrong Size STATUS_INFO_LENGTH_MISMATCH; no
 *     ContextTypeInfo, a ParentObject, or an execution level / synchronization scope other than
 *     InheritFromParent STATUS_INVALID_PARAMETER (Learn: those members must be unset); a context of
 *     that type already there STATUS_OBJECT_NAME_EXISTS with *Context set to it; an object being
 *     deleted STATUS_DELETE_PENDING. Context is optional.
 *   WdfObjectContextGetObject(ContextPointer): the object a context belongs to; an address that
 *     is no object's context is a WDF_VIOLATION.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { STATUS } from "../../nt/status.js";
import { getPtr, putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { contextKey, readAttributes, validateAttributes, wdfState, wdfViolation } from "./objects.js";
import { wdf } from "./layouts.js";

const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const TAG_CONTEXT = 0x43666457; // 'WdfC'
const STATUS_OBJECT_NAME_EXISTS = 0x40000000;
const STATUS_DELETE_PENDING = 0xc0000056;

function liveOrDeleting(ctx: ApiContext, h: bigint, what: string) {
  const o = wdfState(ctx.kernel).objects.get(h);
  if (!o) wdfViolation(ctx, `${ctx.api}: ${what} ${hex(h)} is not a live WDF object`);
  return o;
}

function typedContext(ctx: ApiContext): bigint {
  const [h, info] = [ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(ctx.arg(0)), hex(h), hex(info)]);
  const o = liveOrDeleting(ctx, h, "Handle");
  const key = contextKey(ctx, info);
  const list = o.contexts ?? [];
  const hit = list.find((c) => c.type === key && key !== 0n) ?? (list.length === 1 && list[0]!.type === 0n ? list[0] : undefined);
  return hit?.address ?? 0n;
}

function allocateContext(ctx: ApiContext): number {
  const [h, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(ctx.arg(0)), hex(h), hex(attrs), hex(out)]);
  const o = liveOrDeleting(ctx, h, "Handle");
  if (attrs === 0n) wdfViolation(ctx, `WdfObjectAllocateContext: ContextAttributes is NULL (WDF_REQUIRED_PARAMETER_IS_NULL)`);
  const bad = validateAttributes(ctx, attrs, { parentRequired: false, executionLevel: true, syncScope: true });
  if (bad !== 0) return bad;
  const A = wdf("WDF_OBJECT_ATTRIBUTES");
  const m = ctx.mem;
  const info = getPtr(m, attrs + BigInt(A.ContextTypeInfo));
  if (info === 0n || getPtr(m, attrs + BigInt(A.ParentObject)) !== 0n || m.u32(attrs + BigInt(A.ExecutionLevel)) !== 1 || m.u32(attrs + BigInt(A.SynchronizationScope)) !== 1) return STATUS.INVALID_PARAMETER;
  if (o.deletePending) return STATUS_DELETE_PENDING;
  const a = readAttributes(ctx, attrs);
  const key = a.contextType ?? 0n;
  const list = (o.contexts ??= []);
  const existing = list.find((c) => c.type === key);
  if (existing) {
    if (out !== 0n) putPtr(m, out, existing.address);
    return STATUS_OBJECT_NAME_EXISTS;
  }
  const size = Math.max(a.contextSize, 1);
  const address = ctx.kernel.kernelPool?.allocate(size, TAG_CONTEXT) ?? 0n;
  if (address === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  m.write(address, new Uint8Array(size));
  list.push({ type: key, address, size, pool: true, cleanup: a.cleanup, destroy: a.destroy });
  if (out !== 0n) putPtr(m, out, address);
  return STATUS.SUCCESS;
}

function contextObject(ctx: ApiContext): bigint {
  const p = ctx.arg(1);
  ctx.describe([hex(ctx.arg(0)), hex(p)]);
  for (const o of wdfState(ctx.kernel).objects.values()) if ((o.contexts ?? []).some((c) => c.address === p)) return o.handle;
  return wdfViolation(ctx, `WdfObjectContextGetObject: ${hex(p)} is not the context of a live WDF object`);
}

export const apis: ApiDefinition[] = [
  fx("WdfObjectContextGetObject", 2, contextObject),
  fx("WdfObjectGetTypedContextWorker", 3, typedContext),
  fx("WdfObjectAllocateContext", 4, allocateContext),
];
