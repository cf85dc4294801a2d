/**
 * The Rtl registry helpers over the emulated registry (zw.ts): RtlQueryRegistryValues (query
 * routines, RTL_QUERY_REGISTRY_DIRECT with the documented EntryContext conventions, SUBKEY/TOPKEY,
 * REQUIRED, defaults, DELETE, NOEXPAND, TYPECHECK), RtlWriteRegistryValue,
 * RtlDeleteRegistryValue, RtlCheckRegistryKey and RtlCreateRegistryKey.
 *
 * RelativeTo (wdm.h): RTL_REGISTRY_ABSOLUTE 0, SERVICES 1, CONTROL 2, WINDOWS_NT 3, DEVICEMAP 4,
 * USER 5, with RTL_REGISTRY_HANDLE 0x40000000 (Path is a key handle) and RTL_REGISTRY_OPTIONAL
 * 0x80000000. RTL_QUERY_REGISTRY_TABLE (x64): QueryRoutine 0, Flags 8, Name 16, EntryContext 24,
 * DefaultType 32, DefaultData 40, DefaultLength 48; 56 bytes.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import type { RegistryKey } from "../../nt/registry.js";
import { decodeUtf16, encodeUtf16, hex, nt, q, readCounted, readPtr, writeCounted } from "./util.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { keyOf, registryOf } from "./zw.js";

const B = (n: number) => BigInt(n);
const REG_NONE = 0;
const REG_SZ = 1;
const REG_EXPAND_SZ = 2;
const REG_MULTI_SZ = 7;
const F = { SUBKEY: 0x1, TOPKEY: 0x2, REQUIRED: 0x4, NOVALUE: 0x8, NOEXPAND: 0x10, DIRECT: 0x20, DELETE: 0x40, TYPECHECK: 0x100 };
const RTL_REGISTRY_HANDLE = 0x40000000;
const RTL_REGISTRY_OPTIONAL = 0x80000000;
const ROOTS = [
  "",
  "\\Registry\\Machine\\System\\CurrentControlSet\\Services",
  "\\Registry\\Machine\\System\\CurrentControlSet\\Control",
  "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
  "\\Registry\\Machine\\Hardware\\DeviceMap",
  "\\Registry\\User\\.Default",
];
const STRING_TAG = 0x47727453; // 'StrG', as the other Rtl string allocations

/** The key RelativeTo + Path name, or an NTSTATUS. `create` makes missing keys (RtlWriteRegistryValue, RtlCreateRegistryKey). */
function resolveKey(ctx: ApiContext, relativeTo: number, path: bigint, create: boolean): RegistryKey | number {
  const reg = registryOf(ctx.kernel);
  if (relativeTo & RTL_REGISTRY_HANDLE) return keyOf(ctx, path);
  const base = relativeTo & 0xffff;
  if (base > 5) return STATUS.INVALID_PARAMETER;
  const rel = path === 0n ? "" : ctx.mem.wstring(path, 1024);
  let full: string;
  if (base === 0) {
    if (!rel.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    full = rel;
  } else full = ROOTS[base]! + (rel ? (rel.startsWith("\\") ? rel : "\\" + rel) : "");
  const found = reg.openKey(full);
  if (found) return found;
  if (!create) return STATUS.OBJECT_NAME_NOT_FOUND;
  // Create each missing component (RtlCreateRegistryKey / RtlWriteRegistryValue create the path).
  const parts = full.split("\\").filter(Boolean);
  let k: RegistryKey | null = null;
  for (let i = 1; i <= parts.length; i++) {
    const p = "\\" + parts.slice(0, i).join("\\");
    const next = reg.openKey(p) ?? reg.createKey(p)?.key ?? null;
    if (!next) return STATUS.OBJECT_NAME_NOT_FOUND;
    k = next;
  }
  return k ?? STATUS.OBJECT_NAME_NOT_FOUND;
}

/** Copy a value into a pool buffer and return its address (for query routines). */
function stage(ctx: ApiContext, data: Uint8Array, scratch: bigint[]): bigint {
  const a = ctx.kernel.kernelPool?.allocate(Math.max(data.length, 2), 0x79726551 /* 'Qery' */) ?? 0n;
  if (a === 0n) return 0n;
  ctx.mem.write(a, data);
  scratch.push(a);
  return a;
}

function stringsOf(data: Uint8Array): string[] {
  return decodeUtf16(data).split("\0").filter((s, i, all) => s !== "" || i < all.length - 2);
}

/** RTL_QUERY_REGISTRY_DIRECT: store the value where EntryContext says. */
function direct(ctx: ApiContext, entryContext: bigint, type: number, data: Uint8Array): number {
  if (type === REG_SZ || type === REG_EXPAND_SZ || type === REG_MULTI_SZ) {
    // A UNICODE_STRING: allocated when its Buffer is NULL, else filled within MaximumLength.
    let bytes = data;
    if (bytes.length >= 2 && bytes[bytes.length - 1] === 0 && bytes[bytes.length - 2] === 0) bytes = bytes.subarray(0, bytes.length - 2);
    if (type === REG_MULTI_SZ) bytes = data;
    const s = readCounted(ctx.mem, entryContext);
    if (s.buffer === 0n) {
      const a = ctx.pool.allocate(bytes.length + 2, STRING_TAG, 1, true);
      if (a === 0n) return STATUS.INSUFFICIENT_RESOURCES;
      ctx.mem.write(a, bytes);
      writeCounted(ctx.mem, entryContext, { length: bytes.length, maximumLength: bytes.length + 2, buffer: a });
      return STATUS.SUCCESS;
    }
    if (bytes.length > s.maximumLength) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(s.buffer, bytes);
    if (bytes.length + 2 <= s.maximumLength) ctx.mem.setU16(s.buffer + B(bytes.length), 0);
    writeCounted(ctx.mem, entryContext, { ...s, length: bytes.length });
    return STATUS.SUCCESS;
  }
  if (data.length <= 4) {
    const v = new Uint8Array(4);
    v.set(data);
    ctx.mem.write(entryContext, v);
    return STATUS.SUCCESS;
  }
  // Larger non-string data: the buffer starts with a signed LONG giving its size.
  const size = ctx.mem.u32(entryContext) | 0;
  if (size < 0) {
    if (data.length > -size) return STATUS.BUFFER_TOO_SMALL;
    ctx.mem.write(entryContext, data);
    return STATUS.SUCCESS;
  }
  if (data.length + 8 > size) return STATUS.BUFFER_TOO_SMALL;
  ctx.mem.setU32(entryContext, data.length);
  ctx.mem.setU32(entryContext + 4n, type);
  ctx.mem.write(entryContext + 8n, data);
  return STATUS.SUCCESS;
}

function defaultOf(ctx: ApiContext, entry: bigint): { type: number; data: Uint8Array } | null {
  const p = BigInt(ptrSize());
  const type = ctx.mem.u32(entry + 4n * p) & 0xffffff;
  if (type === REG_NONE) return null;
  const ptr = readPtr(ctx.mem, entry + 5n * p);
  let len = ctx.mem.u32(entry + 6n * p);
  if (ptr === 0n) return { type, data: new Uint8Array(0) };
  if (len === 0 && (type === REG_SZ || type === REG_EXPAND_SZ)) len = (ctx.mem.wstring(ptr, 32767).length + 1) * 2;
  if (len === 0 && type === REG_MULTI_SZ) {
    let n = 0;
    while (ctx.mem.u16(ptr + B(n)) !== 0 || ctx.mem.u16(ptr + B(n + 2)) !== 0) n += 2;
    len = n + 4;
  }
  return { type, data: ctx.mem.read(ptr, len) };
}

function queryValues(ctx: ApiContext): number {
  const relativeTo = ctx.u32(0);
  const path = ctx.arg(1);
  const table = ctx.arg(2);
  const context = ctx.arg(3);
  ctx.describe([hex(relativeTo), relativeTo & RTL_REGISTRY_HANDLE ? hex(path) : path === 0n ? "NULL" : q(ctx.mem.wstring(path, 256)), hex(table), hex(context), hex(ctx.arg(4))]);
  const top = resolveKey(ctx, relativeTo, path, false);
  if (typeof top === "number") return top === STATUS.OBJECT_NAME_NOT_FOUND && relativeTo & RTL_REGISTRY_OPTIONAL ? STATUS.SUCCESS : top;
  const scratch: bigint[] = [];
  try {
    let key = top;
    // RTL_QUERY_REGISTRY_TABLE (wdm.h): QueryRoutine, Flags, Name, EntryContext, DefaultType,
    // DefaultData, DefaultLength — each in a pointer-sized slot (7 pointers: 56 bytes on x64, 28 on x86).
    const p = BigInt(ptrSize());
    for (let e = table, n = 0; n < 256; e += 7n * p, n++) {
      const routine = readPtr(ctx.mem, e);
      const flags = ctx.mem.u32(e + p);
      const namePtr = readPtr(ctx.mem, e + 2n * p);
      const entryContext = readPtr(ctx.mem, e + 3n * p);
      if (routine === 0n && namePtr === 0n && !(flags & (F.SUBKEY | F.TOPKEY))) break;
      if (routine === 0n && !(flags & (F.DIRECT | F.SUBKEY | F.TOPKEY))) return STATUS.INVALID_PARAMETER;
      const name = namePtr === 0n ? null : ctx.mem.wstring(namePtr, 256);
      if (flags & F.TOPKEY) key = top;
      if (flags & F.SUBKEY) {
        if (name === null) return STATUS.INVALID_PARAMETER;
        const sub = registryOf(ctx.kernel).openRelative(top, name);
        if (!sub) return STATUS.OBJECT_NAME_NOT_FOUND;
        key = sub;
        if (routine === 0n || !(flags & F.NOVALUE)) continue;
      }
      const call = (valueName: string, type: number, data: Uint8Array): number => {
        if (flags & F.DIRECT) {
          if (flags & F.TYPECHECK) {
            const want = ctx.mem.u32(e + 32n) >>> 24;
            if (want !== type) return STATUS.OBJECT_TYPE_MISMATCH;
          }
          return direct(ctx, entryContext, type, data);
        }
        const pieces: [number, Uint8Array][] =
          type === REG_MULTI_SZ && !(flags & F.NOEXPAND) ? stringsOf(data).map((s) => [REG_SZ, encodeUtf16(s + "\0")]) : [[type, data]];
        for (const [t, d] of pieces) {
          const vn = stage(ctx, encodeUtf16(valueName + "\0"), scratch);
          const vd = stage(ctx, d, scratch);
          const st = Number(ctx.callGuest(routine, [vn, B(t), vd, B(d.length), context, entryContext]) & 0xffffffffn);
          if (st & 0x80000000) return st;
        }
        return STATUS.SUCCESS;
      };
      if (flags & F.NOVALUE) {
        const st = Number(ctx.callGuest(routine, [0n, B(REG_NONE), 0n, 0n, context, entryContext]) & 0xffffffffn);
        if (st & 0x80000000) return st;
        continue;
      }
      if (name === null) {
        // No name: every value of the key, in order.
        for (const v of key.valueList()) {
          const st = call(v.name, v.type, v.data);
          if (st !== STATUS.SUCCESS) return st;
        }
        continue;
      }
      const v = key.value(name);
      let st: number;
      if (v) st = call(v.name, v.type, v.data);
      else if (flags & F.REQUIRED) return STATUS.OBJECT_NAME_NOT_FOUND;
      else {
        const d = defaultOf(ctx, e);
        if (!d) continue;
        st = call(name, d.type, d.data);
      }
      if (st !== STATUS.SUCCESS) return st;
      if (v && flags & F.DELETE) key.deleteValue(name);
    }
    return STATUS.SUCCESS;
  } finally {
    for (const a of scratch) ctx.kernel.kernelPool?.free(a);
  }
}

export const apis: ApiDefinition[] = [
  nt("RtlQueryRegistryValues", 5, (ctx) => queryValues(ctx)),
  nt("RtlWriteRegistryValue", 6, (ctx) => {
    const relativeTo = ctx.u32(0);
    const name = ctx.arg(2) === 0n ? "" : ctx.mem.wstring(ctx.arg(2), 256);
    const type = ctx.u32(3);
    const data = ctx.arg(4);
    const len = ctx.u32(5);
    ctx.describe([hex(relativeTo), relativeTo & RTL_REGISTRY_HANDLE ? hex(ctx.arg(1)) : q(ctx.arg(1) === 0n ? null : ctx.mem.wstring(ctx.arg(1), 256)), q(name), String(type), hex(data), String(len)]);
    if (len > 0x100000) return STATUS.INVALID_PARAMETER;
    const key = resolveKey(ctx, relativeTo, ctx.arg(1), true);
    if (typeof key === "number") return key;
    registryOf(ctx.kernel).setValue(key, name, type, len ? ctx.mem.read(data, len) : new Uint8Array(0));
    return STATUS.SUCCESS;
  }),
  nt("RtlDeleteRegistryValue", 3, (ctx) => {
    const key = resolveKey(ctx, ctx.u32(0), ctx.arg(1), false);
    if (typeof key === "number") return key;
    const name = ctx.mem.wstring(ctx.arg(2), 256);
    ctx.describe([hex(ctx.u32(0)), hex(ctx.arg(1)), q(name)]);
    return key.deleteValue(name) ? STATUS.SUCCESS : STATUS.OBJECT_NAME_NOT_FOUND;
  }),
  nt("RtlCheckRegistryKey", 2, (ctx) => {
    ctx.describe([hex(ctx.u32(0)), ctx.u32(0) & RTL_REGISTRY_HANDLE ? hex(ctx.arg(1)) : q(ctx.arg(1) === 0n ? null : ctx.mem.wstring(ctx.arg(1), 256))]);
    const key = resolveKey(ctx, ctx.u32(0), ctx.arg(1), false);
    return typeof key === "number" ? key : STATUS.SUCCESS;
  }),
  nt("RtlCreateRegistryKey", 2, (ctx) => {
    ctx.describe([hex(ctx.u32(0)), q(ctx.arg(1) === 0n ? null : ctx.mem.wstring(ctx.arg(1), 256))]);
    if (ctx.u32(0) & RTL_REGISTRY_HANDLE) return STATUS.INVALID_PARAMETER;
    const key = resolveKey(ctx, ctx.u32(0), ctx.arg(1), true);
    return typeof key === "number" ? key : STATUS.SUCCESS;
  }),
];
