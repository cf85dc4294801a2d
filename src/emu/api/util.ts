/**
 * Helpers shared by the API handler files: counted strings, pointers, pool tags, trace text.
 * Structure offsets come from src/nt/layouts.ts (generated from the DDK headers).
 */
import { hex as formatHex } from "../../text/hex.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import type { ApiContext, ApiDefinition, ApiHandler, GuestMemory, KernelState } from "./types.js";

/** Bytes of a pointer on the arch being emulated (8 on x64, 4 on x86). */
export const PTR = (): number => ptrSize();
export const US = LAYOUT.UNICODE_STRING;
export const AS = LAYOUT.ANSI_STRING;

/** Define a handler. */
export function api(module: string, name: string, argc: number, handler: ApiHandler): ApiDefinition {
  return { module, name, argc, handler };
}
export const nt = (name: string, argc: number, handler: ApiHandler): ApiDefinition => api("ntoskrnl.exe", name, argc, handler);
export const hal = (name: string, argc: number, handler: ApiHandler): ApiDefinition => api("hal.dll", name, argc, handler);

/** A pointer-sized field (8 bytes on x64, 4 on x86). */
export function readPtr(mem: GuestMemory, addr: bigint): bigint {
  return ptrSize() === 4 ? BigInt(mem.u32(addr)) : mem.u64(addr);
}
export function writePtr(mem: GuestMemory, addr: bigint, v: bigint): void {
  if (ptrSize() === 4) mem.setU32(addr, Number(BigInt.asUintN(32, v)));
  else mem.setU64(addr, v);
}

/** A counted string (UNICODE_STRING or ANSI_STRING) header. */
export interface CountedString {
  length: number;
  maximumLength: number;
  buffer: bigint;
}

export function readCounted(mem: GuestMemory, addr: bigint): CountedString {
  return {
    length: mem.u16(addr + BigInt(US.Length)),
    maximumLength: mem.u16(addr + BigInt(US.MaximumLength)),
    buffer: readPtr(mem, addr + BigInt(US.Buffer)),
  };
}

export function writeCounted(mem: GuestMemory, addr: bigint, s: CountedString): void {
  mem.setU16(addr + BigInt(US.Length), s.length);
  mem.setU16(addr + BigInt(US.MaximumLength), s.maximumLength);
  writePtr(mem, addr + BigInt(US.Buffer), s.buffer);
}

export function decodeUtf16(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8));
  return s;
}
export function encodeUtf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[i * 2] = s.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = s.charCodeAt(i) >>> 8;
  }
  return out;
}
export function decodeLatin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
/** Narrow a JS string to 8-bit (characters above 0xFF become '?', as the ANSI code page would). */
export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i] = c > 0xff ? 0x3f : c;
  }
  return out;
}

/** Text of a UNICODE_STRING (Length bytes of Buffer); null for a NULL pointer or NULL buffer. */
export function unicodeText(mem: GuestMemory, addr: bigint): string | null {
  if (addr === 0n) return null;
  const s = readCounted(mem, addr);
  if (s.buffer === 0n) return s.length === 0 ? "" : null;
  return decodeUtf16(mem.read(s.buffer, s.length & ~1));
}
/**
 * The text of a UNICODE_STRING the routine dereferences unconditionally (Rtl* routines, no SEH):
 * a NULL pointer is read like any other address, so the call faults (invalid read at 0x0) as
 * Windows would crash, instead of passing as an empty string.
 */
export function unicodeTextDeref(mem: GuestMemory, addr: bigint): string | null {
  const s = readCounted(mem, addr);
  if (s.buffer === 0n) return s.length === 0 ? "" : null;
  return decodeUtf16(mem.read(s.buffer, s.length & ~1));
}
/** ANSI_STRING counterpart of unicodeTextDeref. */
export function ansiTextDeref(mem: GuestMemory, addr: bigint): string | null {
  const s = readCounted(mem, addr);
  if (s.buffer === 0n) return s.length === 0 ? "" : null;
  return decodeLatin1(mem.read(s.buffer, s.length));
}
export function ansiText(mem: GuestMemory, addr: bigint): string | null {
  if (addr === 0n) return null;
  const s = readCounted(mem, addr);
  if (s.buffer === 0n) return s.length === 0 ? "" : null;
  return decodeLatin1(mem.read(s.buffer, s.length));
}

/** Trace form of a string: JSON-quoted, or NULL. */
export function q(s: string | null): string {
  return s === null ? "NULL" : JSON.stringify(s);
}
/** A value in trace text: unsigned 64-bit hex ("0xffffffffffffffff" for -1); the formatter is src/text/hex.ts. */
export function hex(v: bigint | number): string {
  return formatHex(v, { bits: 64 });
}
/** 'rPyM' → "MyPr" (tags are stored little-endian, written as char literals reversed). */
export function tagText(tag: number): string {
  let s = "";
  for (let i = 0; i < 4; i++) {
    const c = (tag >>> (8 * i)) & 0xff;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
  }
  return s;
}

/** Describe a UNICODE_STRING argument safely (never throws on bad pointers). */
export function describeUnicode(ctx: ApiContext, addr: bigint): string {
  try {
    return q(unicodeText(ctx.mem, addr));
  } catch {
    return hex(addr);
  }
}
export function describeCString(ctx: ApiContext, addr: bigint, wide = false): string {
  if (addr === 0n) return "NULL";
  try {
    return JSON.stringify(wide ? ctx.mem.wstring(addr, 256) : ctx.mem.cstring(addr, 256));
  } catch {
    return hex(addr);
  }
}

/** Case mapping of the kernel's RtlUpcaseUnicodeChar for the BMP (ASCII fast path, then Unicode). */
export function upcaseChar(c: number): number {
  if (c < 0x61) return c;
  if (c <= 0x7a) return c - 0x20;
  if (c < 0x80) return c;
  const u = String.fromCharCode(c).toUpperCase();
  return u.length === 1 ? u.charCodeAt(0) : c;
}
export function downcaseChar(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c + 0x20;
  if (c < 0x80) return c;
  const l = String.fromCharCode(c).toLowerCase();
  return l.length === 1 ? l.charCodeAt(0) : c;
}

/** Pool type names (POOL_TYPE) for the trace. */
export function poolTypeText(t: number): string {
  const base: Record<number, string> = {
    0: "NonPagedPool",
    1: "PagedPool",
    2: "NonPagedPoolMustSucceed",
    4: "NonPagedPoolCacheAligned",
    5: "PagedPoolCacheAligned",
    512: "NonPagedPoolNx",
    516: "NonPagedPoolNxCacheAligned",
  };
  return base[t] ?? `PoolType(${t})`;
}

/** Clamp a JS integer into a u16 length as the Rtl routines store it. */
export function u16(n: number): number {
  return n & 0xffff;
}

/** No guest buffer kmdll maps comes near this size. */
const MAX_BUFFER = 0x4000_0000n;

/**
 * The length argument `i` of a memory routine as a JS number (SIZE_T: 64 bits; ULONG: pass bits=32,
 * the upper half of the register or stack slot is garbage). A length larger than any mapped
 * region (e.g. a negative int passed as SIZE_T) faults like the access the real routine would make.
 */
export function lengthArg(ctx: ApiContext, i: number, buffer: bigint, write: boolean, unit = 1, bits: 32 | 64 = 64): number {
  const n = BigInt.asUintN(bits, ctx.arg(i));
  if (n * BigInt(unit) > MAX_BUFFER)
    ctx.fault(write ? "invalid-write" : "invalid-read", `${ctx.api.replace(/^.*!/, "")}: length ${hex(n)} runs past the end of mapped memory at ${hex(buffer)}`, { address: buffer });
  return Number(n);
}

/**
 * A routine of a built-in module's own (an IRP dispatch or unload it installs in a driver
 * object it takes over: storport, scsiport, classpnp, pciidex, ks, portcls, hidclass), callable by
 * guest code; its address comes from the emulator core (KernelState.internalRoutine).
 */
export function moduleRoutine(kernel: KernelState, module: string, name: string, h: ApiHandler, argc: number): bigint {
  if (!kernel.internalRoutine) throw new Error("the emulator core provides no internal routines");
  return kernel.internalRoutine(name, h, argc, module);
}
