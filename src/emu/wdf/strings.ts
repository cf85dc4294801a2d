/**
 * WDFSTRING (wdfstring.h of KMDF 1.33; behaviour from microsoft/Windows-Driver-Frameworks
 * src/framework/shared/support/fxstringapi.cpp; Microsoft Learn: WdfStringCreate,
 * WdfStringGetUnicodeString):
 *
 * - WdfStringCreate(UnicodeString, StringAttributes, String): *String NULLed first (NULL String:
 *   WDF_VIOLATION); FxValidateObjectAttributes' statuses; a UnicodeString given must be a valid
 *   UNICODE_STRING (STATUS_INVALID_PARAMETER); the framework keeps its own copy (empty without one).
 *   Parented to the driver unless the attributes name a parent.
 * - WdfStringGetUnicodeString(String, UnicodeString): a UNICODE_STRING describing the framework's
 *   copy (NULL UnicodeString: WDF_VIOLATION).
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { LAYOUT, getPtr, putPtr } from "../../nt/arch-layout.js";
import { STATUS } from "../../nt/status.js";
import { api, hex, readCounted } from "../api/util.js";
import { WDF01000 } from "./ldr.js";
import { newObject, objectOf, readAttributes, validateAttributes, wdfState, type ObjectAttributes, type WdfObject } from "./objects.js";
import { deleteObject } from "./lifetime.js";
import { required } from "./memory.js";

const B = (n: number) => BigInt(n);
const fx = (name: string, argc: number, h: ApiDefinition["handler"]) => api(WDF01000, name, argc, h);
const U = LAYOUT.UNICODE_STRING;

/** FxString::Assign: the WDFSTRING's own copy becomes `bytes` (UTF-16LE). */
export function assignString(ctx: ApiContext, s: WdfObject, bytes: Uint8Array): number {
  const buf = bytes.length === 0 ? 0n : ctx.kernel.kernelPool?.allocate(bytes.length, 0x53666457) ?? 0n; // 'WdfS'
  if (bytes.length > 0 && buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  if (buf !== 0n) ctx.mem.write(buf, bytes);
  s.dispose?.(ctx);
  s.buffer = buf;
  s.size = B(bytes.length);
  s.dispose = buf === 0n ? undefined : (c) => c.kernel.kernelPool?.free(buf);
  return STATUS.SUCCESS;
}

/** A new WDFSTRING holding `bytes` (UTF-16LE), parented as the attributes say, else to the calling driver; null without pool. */
export function newString(ctx: ApiContext, a: ObjectAttributes, bytes: Uint8Array): WdfObject | null {
  const drv = getPtr(ctx.mem, ctx.arg(0));
  const s = newObject(ctx, "string", { ...a, parent: a.parent ?? (wdfState(ctx.kernel).objects.has(drv) ? drv : null) }, { size: 0n, buffer: 0n });
  if (assignString(ctx, s, bytes) !== STATUS.SUCCESS) {
    deleteObject(ctx, s);
    return null;
  }
  return s;
}

export const apis: ApiDefinition[] = [
  fx("WdfStringCreate", 4, (ctx) => {
    const [src, attrs, out] = [ctx.arg(1), ctx.arg(2), ctx.arg(3)];
    ctx.describe([hex(ctx.arg(0)), hex(src), hex(attrs), hex(out)]);
    required(ctx, out, "String");
    putPtr(ctx.mem, out, 0n);
    const bad = validateAttributes(ctx, attrs, { parentRequired: false });
    if (bad !== 0) return bad;
    let length = 0;
    let from = 0n;
    if (src !== 0n) {
      const c = readCounted(ctx.mem, src);
      if (c.length % 2 !== 0 || c.maximumLength % 2 !== 0 || c.length > c.maximumLength || (c.length > 0 && c.buffer === 0n)) return STATUS.INVALID_PARAMETER;
      length = c.length;
      from = c.buffer;
    }
    const a = readAttributes(ctx, attrs);
    if (a.parent !== null) objectOf(ctx, a.parent, null, "StringAttributes->ParentObject");
    const buf = length === 0 ? 0n : ctx.kernel.kernelPool?.allocate(length, 0x53666457) ?? 0n; // 'WdfS'
    if (length > 0 && buf === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    if (length > 0) ctx.mem.write(buf, ctx.mem.read(from, length));
    const drv = getPtr(ctx.mem, ctx.arg(0));
    const s = newObject(ctx, "string", { ...a, parent: a.parent ?? (wdfState(ctx.kernel).objects.has(drv) ? drv : null) }, { buffer: buf, size: B(length) });
    if (buf !== 0n) s.dispose = (c) => c.kernel.kernelPool?.free(buf);
    putPtr(ctx.mem, out, s.handle);
    return STATUS.SUCCESS;
  }),
  fx("WdfStringGetUnicodeString", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const s = objectOf(ctx, ctx.arg(1), "string", "String");
    const us = ctx.arg(2);
    required(ctx, us, "UnicodeString");
    ctx.mem.setU16(us + B(U.Length), Number(s.size ?? 0n));
    ctx.mem.setU16(us + B(U.MaximumLength), Number(s.size ?? 0n));
    putPtr(ctx.mem, us + B(U.Buffer), s.buffer ?? 0n);
  }),
];
