/**
 * More Rtl: time conversion (TIME_FIELDS { Year, Month, Day, Hour, Minute, Second, Milliseconds,
 * Weekday } as CSHORTs; the emulated time zone is UTC, so local time = system time), version
 * checks (RtlVerifyVersionInfo / VerSetConditionMask against Windows 10.0.19045, workstation),
 * strings (UTF-8, GUIDs, hashing, IPv4 text, multibyte = Latin-1 as the other Rtl routines),
 * CRC-32, and image helpers that read the PE headers in guest memory.
 */
import { SYSTEM_IMAGES } from "../kernel-modules.js";
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { decodeLatin1, decodeUtf16, encodeLatin1, encodeUtf16, hex, nt, unicodeTextDeref, upcaseChar, writeCounted } from "./util.js";
import { EMULATED_VERSION } from "./rtl.js";
import { dosErrorApis } from "./doserror.js";

const B = (n: number) => BigInt(n);
const EPOCH_1601_MS = -11644473600000;
const STRING_TAG = 0x47727453; // 'StrG'
const STATUS_REVISION_MISMATCH = 0xc0000059;
const STATUS_SOME_NOT_MAPPED = 0x00000107;

// ---- time
function timeToFields(t: bigint): number[] {
  const ms = Number(t / 10000n) + EPOCH_1601_MS;
  const d = new Date(ms);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds(), d.getUTCDay()];
}
function fieldsToTime(f: number[]): bigint | null {
  const [y, mo, d, h, mi, s, ms] = f as [number, number, number, number, number, number, number];
  if (y < 1601 || y > 30827 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || ms > 999 || h < 0 || mi < 0 || s < 0 || ms < 0) return null;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > dim) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const date = new Date(t);
  if (y < 100) date.setUTCFullYear(y);
  return BigInt(date.getTime() - EPOCH_1601_MS) * 10000n;
}
const SECONDS_1970 = 11644473600n;
const SECONDS_1980 = 11960006400n;

// ---- version
const VER = { MINOR: 0x1, MAJOR: 0x2, BUILD: 0x4, PLATFORM: 0x8, SPMINOR: 0x10, SPMAJOR: 0x20, SUITE: 0x40, PRODUCT: 0x80 };
function cond(mask: bigint, bit: number): number {
  const i = 31 - Math.clz32(bit);
  return Number((mask >> B(i * 3)) & 7n);
}
function compare(a: number, b: number, c: number): boolean | null {
  switch (c) {
    case 1: return a === b;
    case 2: return a > b;
    case 3: return a >= b;
    case 4: return a < b;
    case 5: return a <= b;
    default: return null;
  }
}

// ---- strings
function utf8Encode(s: string): { bytes: Uint8Array; bad: boolean } {
  let bad = false;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += "\ufffd";
      bad = true;
    } else out += s[i];
  }
  return { bytes: new TextEncoder().encode(out), bad };
}
function guidText(b: Uint8Array): string {
  const dv = new DataView(b.buffer, b.byteOffset);
  const h = (v: number, n: number) => v.toString(16).toUpperCase().padStart(n, "0");
  return `{${h(dv.getUint32(0, true), 8)}-${h(dv.getUint16(4, true), 4)}-${h(dv.getUint16(6, true), 4)}-${[...b.subarray(8, 10)].map((x) => h(x, 2)).join("")}-${[...b.subarray(10, 16)].map((x) => h(x, 2)).join("")}}`;
}
function allocString(ctx: ApiContext, dest: bigint, s: string): boolean {
  const data = encodeUtf16(s + "\0");
  const a = ctx.pool.allocate(data.length, STRING_TAG, 1, false);
  if (a === 0n) return false;
  ctx.mem.write(a, data);
  writeCounted(ctx.mem, dest, { length: data.length - 2, maximumLength: data.length, buffer: a });
  return true;
}
function crc32(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

// ---- images
function ntHeaders(ctx: ApiContext, base: bigint): bigint {
  if (!ctx.mem.isMapped(base, 0x40) || ctx.mem.u16(base) !== 0x5a4d) return 0n;
  const pe = base + B(ctx.mem.u32(base + 0x3cn));
  if (!ctx.mem.isMapped(pe, 0x18) || ctx.mem.u32(pe) !== 0x4550) return 0n;
  return pe;
}
/**
 * A driver reading the headers of one of kmdll's own modules (ntoskrnl.exe, hal.dll, win32k…)
 * is usually about to walk its sections and scan Windows' code for a byte pattern (to find an
 * unexported routine or table); kmdll's modules hold export thunks only, so the scan finds
 * nothing. Said once per module, as a `limit` warning (kmdll triage reads it).
 */
function warnBuiltinHeaders(ctx: ApiContext, base: bigint, routine: string): void {
  const m = (ctx.kernel.loadedModules?.() ?? []).find((x) => x.base === base && x.builtin);
  if (!m) return;
  const warned = ctx.kernel.state<Set<string>>("rtlx.builtin-headers", () => new Set());
  if (warned.has(m.name)) return;
  warned.add(m.name);
  ctx.warn(`${routine} on kmdll's ${m.name}: its sections hold kmdll's export thunks, not Windows' machine code, so a driver that walks them to scan for a byte pattern (an unexported routine, a table, a structure offset) finds nothing there`, { limit: "windows-code" });
}

function directory(ctx: ApiContext, base: bigint, index: number): { rva: number; size: number } | null {
  const pe = ntHeaders(ctx, base);
  if (pe === 0n) return null;
  const opt = pe + 24n;
  const magic = ctx.mem.u16(opt);
  const dirs = opt + (magic === 0x20b ? 112n : 96n);
  const count = ctx.mem.u32(opt + (magic === 0x20b ? 108n : 92n));
  if (index >= count) return null;
  return { rva: ctx.mem.u32(dirs + B(index * 8)), size: ctx.mem.u32(dirs + B(index * 8 + 4)) };
}

export const apis: ApiDefinition[] = [
  // RtlNtStatusToDosError / RtlNtStatusToDosErrorNoTeb (doserror.ts).
  ...dosErrorApis,
  nt("RtlTimeToTimeFields", 2, (ctx) => {
    const f = timeToFields(BigInt.asIntN(64, ctx.mem.u64(ctx.arg(0))));
    f.forEach((v, i) => ctx.mem.setU16(ctx.arg(1) + B(i * 2), v & 0xffff));
  }),
  nt("RtlTimeFieldsToTime", 2, (ctx) => {
    const f = [...Array(8).keys()].map((i) => (ctx.mem.u16(ctx.arg(0) + B(i * 2)) << 16) >> 16);
    const t = fieldsToTime(f);
    if (t === null) return 0;
    ctx.mem.setU64(ctx.arg(1), t);
    return 1;
  }),
  ...(["RtlTimeToSecondsSince1970", "RtlTimeToSecondsSince1980"] as const).map((name) =>
    nt(name, 2, (ctx) => {
      const secs = BigInt.asIntN(64, ctx.mem.u64(ctx.arg(0))) / 10000000n - (name.endsWith("1970") ? SECONDS_1970 : SECONDS_1980);
      if (secs < 0n || secs > 0xffffffffn) return 0;
      ctx.mem.setU32(ctx.arg(1), Number(secs));
      return 1;
    }),
  ),
  ...(["RtlSecondsSince1970ToTime", "RtlSecondsSince1980ToTime"] as const).map((name) =>
    nt(name, 2, (ctx) => void ctx.mem.setU64(ctx.arg(1), (B(ctx.u32(0)) + (name.includes("1970") ? SECONDS_1970 : SECONDS_1980)) * 10000000n)),
  ),
  // The emulated machine's time zone is UTC (bias 0).
  ...(["ExSystemTimeToLocalTime", "ExLocalTimeToSystemTime"] as const).map((name) => nt(name, 2, (ctx) => void ctx.mem.setU64(ctx.arg(1), ctx.mem.u64(ctx.arg(0))))),
  nt("VerSetConditionMask", 3, (ctx) => {
    let mask = ctx.arg(0);
    const type = ctx.u32(1);
    const c = B(ctx.u32(2) & 7);
    for (let i = 0; i < 8; i++) if (type & (1 << i)) mask = (mask & ~(7n << B(i * 3))) | (c << B(i * 3));
    return mask;
  }),
  nt("RtlVerifyVersionInfo", 3, (ctx) => {
    const vi = ctx.arg(0);
    const type = ctx.u32(1);
    const mask = ctx.arg(2);
    if (type === 0 || mask === 0n) return STATUS.INVALID_PARAMETER;
    const size = ctx.mem.u32(vi);
    if (size !== 284 && size !== 276) return STATUS.INVALID_PARAMETER;
    const want = { major: ctx.mem.u32(vi + 4n), minor: ctx.mem.u32(vi + 8n), build: ctx.mem.u32(vi + 12n), platform: ctx.mem.u32(vi + 16n), spMajor: ctx.mem.u16(vi + 276n), spMinor: ctx.mem.u16(vi + 278n), product: ctx.mem.u8(vi + 282n) };
    const have = { major: EMULATED_VERSION.major, minor: EMULATED_VERSION.minor, build: EMULATED_VERSION.build, platform: 2, spMajor: 0, spMinor: 0, product: 1 };
    // Major, minor and service pack compare as one version, with the condition of the highest requested part.
    const parts: [number, keyof typeof want][] = [[VER.MAJOR, "major"], [VER.MINOR, "minor"], [VER.SPMAJOR, "spMajor"], [VER.SPMINOR, "spMinor"]];
    const requested = parts.filter(([bit]) => type & bit);
    if (requested.length) {
      const c = cond(mask, requested[0]![0]);
      let cmp = 0;
      for (const [, k] of requested) if (cmp === 0) cmp = Math.sign(have[k] - want[k]);
      const ok = compare(cmp, 0, c);
      if (ok === null) return STATUS.INVALID_PARAMETER;
      if (!ok) return STATUS_REVISION_MISMATCH;
    }
    for (const [bit, k] of [[VER.BUILD, "build"], [VER.PLATFORM, "platform"], [VER.PRODUCT, "product"]] as const) {
      if (!(type & bit)) continue;
      const ok = compare(have[k], want[k], cond(mask, bit));
      if (ok === null) return STATUS.INVALID_PARAMETER;
      if (!ok) return STATUS_REVISION_MISMATCH;
    }
    return STATUS.SUCCESS;
  }),
  // NTDDI_WIN10_VB (0x0A000008) covers 20H1 through 22H2 (build 19045).
  nt("RtlIsNtDdiVersionAvailable", 1, (ctx) => (ctx.u32(0) <= 0x0a000008 ? 1 : 0)),
  nt("RtlCreateUnicodeString", 2, (ctx) => (allocString(ctx, ctx.arg(0), ctx.mem.wstring(ctx.arg(1), 0x7ffe)) ? 1 : 0)),
  nt("RtlDuplicateUnicodeString", 3, (ctx) => {
    const flags = ctx.u32(0);
    if (flags & ~3) return STATUS.INVALID_PARAMETER;
    const src = ctx.arg(1);
    const s = src === 0n ? "" : (unicodeTextDeref(ctx.mem, src) ?? "");
    if (s === "" && !(flags & 2)) {
      writeCounted(ctx.mem, ctx.arg(2), { length: 0, maximumLength: 0, buffer: 0n });
      return STATUS.SUCCESS;
    }
    return allocString(ctx, ctx.arg(2), s) ? STATUS.SUCCESS : STATUS.NO_MEMORY;
  }),
  nt("RtlStringFromGUID", 2, (ctx) => (allocString(ctx, ctx.arg(1), guidText(ctx.mem.read(ctx.arg(0), 16))) ? STATUS.SUCCESS : STATUS.NO_MEMORY)),
  nt("RtlGUIDFromString", 2, (ctx) => {
    const s = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const m = /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i.exec(s);
    if (!m) return STATUS.INVALID_PARAMETER;
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, parseInt(m[1]!, 16), true);
    dv.setUint16(4, parseInt(m[2]!, 16), true);
    dv.setUint16(6, parseInt(m[3]!, 16), true);
    const rest = m[4]! + m[5]!;
    for (let i = 0; i < 8; i++) b[8 + i] = parseInt(rest.slice(i * 2, i * 2 + 2), 16);
    ctx.mem.write(ctx.arg(1), b);
    return STATUS.SUCCESS;
  }),
  nt("RtlUnicodeToUTF8N", 5, (ctx) => {
    const [dest, max, result, src, srcBytes] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(4)];
    if (src === 0n || result === 0n) return STATUS.INVALID_PARAMETER;
    const { bytes, bad } = utf8Encode(decodeUtf16(ctx.mem.read(src, srcBytes & ~1)));
    if (dest === 0n) {
      ctx.mem.setU32(result, bytes.length);
      return bad ? STATUS_SOME_NOT_MAPPED : STATUS.SUCCESS;
    }
    const n = Math.min(max, bytes.length);
    ctx.mem.write(dest, bytes.subarray(0, n));
    ctx.mem.setU32(result, n);
    return n < bytes.length ? STATUS.BUFFER_TOO_SMALL : bad ? STATUS_SOME_NOT_MAPPED : STATUS.SUCCESS;
  }),
  nt("RtlUTF8ToUnicodeN", 5, (ctx) => {
    const [dest, max, result, src, srcBytes] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.u32(4)];
    if (src === 0n || result === 0n) return STATUS.INVALID_PARAMETER;
    const raw = ctx.mem.read(src, srcBytes);
    const text = new TextDecoder("utf-8").decode(raw);
    let bad = false;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      bad = true; // invalid sequences became U+FFFD
    }
    const out = encodeUtf16(text);
    if (dest === 0n) {
      ctx.mem.setU32(result, out.length);
      return bad ? STATUS_SOME_NOT_MAPPED : STATUS.SUCCESS;
    }
    const n = Math.min(max & ~1, out.length);
    ctx.mem.write(dest, out.subarray(0, n));
    ctx.mem.setU32(result, n);
    return n < out.length ? STATUS.BUFFER_TOO_SMALL : bad ? STATUS_SOME_NOT_MAPPED : STATUS.SUCCESS;
  }),
  nt("RtlMultiByteToUnicodeN", 5, (ctx) => {
    const text = decodeLatin1(ctx.mem.read(ctx.arg(3), ctx.u32(4)));
    const out = encodeUtf16(text).subarray(0, ctx.u32(1) & ~1);
    ctx.mem.write(ctx.arg(0), out);
    if (ctx.arg(2) !== 0n) ctx.mem.setU32(ctx.arg(2), out.length);
    return STATUS.SUCCESS;
  }),
  nt("RtlUnicodeToMultiByteN", 5, (ctx) => {
    const text = decodeUtf16(ctx.mem.read(ctx.arg(3), ctx.u32(4) & ~1));
    const out = encodeLatin1(text).subarray(0, ctx.u32(1));
    ctx.mem.write(ctx.arg(0), out);
    if (ctx.arg(2) !== 0n) ctx.mem.setU32(ctx.arg(2), out.length);
    return STATUS.SUCCESS;
  }),
  nt("RtlMultiByteToUnicodeSize", 3, (ctx) => (ctx.mem.setU32(ctx.arg(0), ctx.u32(2) * 2), STATUS.SUCCESS)),
  nt("RtlUnicodeToMultiByteSize", 3, (ctx) => (ctx.mem.setU32(ctx.arg(0), (ctx.u32(2) & ~1) / 2), STATUS.SUCCESS)),
  nt("RtlHashUnicodeString", 4, (ctx) => {
    const s = unicodeTextDeref(ctx.mem, ctx.arg(0)) ?? "";
    const alg = ctx.u32(2);
    if (alg > 1 || ctx.arg(3) === 0n) return STATUS.INVALID_PARAMETER;
    let h = 0;
    for (const ch of s) h = (Math.imul(h, 65599) + (ctx.u32(1) & 0xff ? upcaseChar(ch.charCodeAt(0)) : ch.charCodeAt(0))) >>> 0;
    ctx.mem.setU32(ctx.arg(3), h);
    return STATUS.SUCCESS;
  }),
  nt("RtlCompareUnicodeStrings", 5, (ctx) => {
    const a = decodeUtf16(ctx.mem.read(ctx.arg(0), Number(ctx.arg(1) & 0xffffffffn) * 2));
    const b = decodeUtf16(ctx.mem.read(ctx.arg(2), Number(ctx.arg(3) & 0xffffffffn) * 2));
    const ci = (ctx.u32(4) & 0xff) !== 0;
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = ci ? upcaseChar(a.charCodeAt(i)) : a.charCodeAt(i);
      const y = ci ? upcaseChar(b.charCodeAt(i)) : b.charCodeAt(i);
      if (x !== y) return BigInt.asUintN(64, B(x - y));
    }
    return BigInt.asUintN(64, B(a.length - b.length));
  }),
  ...(["RtlIpv4AddressToStringA", "RtlIpv4AddressToStringW"] as const).map((name) =>
    nt(name, 2, (ctx) => {
      const text = [...ctx.mem.read(ctx.arg(0), 4)].join(".");
      const wide = name.endsWith("W");
      ctx.mem.write(ctx.arg(1), wide ? encodeUtf16(text + "\0") : encodeLatin1(text + "\0"));
      return ctx.arg(1) + B(text.length * (wide ? 2 : 1));
    }),
  ),
  nt("RtlIpv4StringToAddressA", 4, (ctx) => {
    const s = ctx.mem.cstring(ctx.arg(0), 64);
    const strict = (ctx.u32(1) & 0xff) !== 0;
    const m = (strict ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/ : /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/).exec(s);
    if (!m || m.slice(1).some((x) => Number(x) > 255)) return STATUS.INVALID_PARAMETER;
    ctx.mem.write(ctx.arg(3), Uint8Array.from(m.slice(1).map(Number)));
    ctx.mem.setU64(ctx.arg(2), ctx.arg(0) + B(m[0].length));
    return STATUS.SUCCESS;
  }),
  nt("RtlIntegerToChar", 4, (ctx) => {
    const base = ctx.u32(1) || 10;
    if (![2, 8, 10, 16].includes(base)) return STATUS.INVALID_PARAMETER;
    const text = ctx.u32(0).toString(base).toUpperCase();
    const len = ctx.i32(2);
    if (text.length > Math.abs(len)) return STATUS.BUFFER_OVERFLOW;
    ctx.mem.write(ctx.arg(3), encodeLatin1(text + (text.length < Math.abs(len) ? "\0" : "")));
    return STATUS.SUCCESS;
  }),
  nt("RtlComputeCrc32", 3, (ctx) => crc32(ctx.u32(0), ctx.mem.read(ctx.arg(1), ctx.u32(2)))),
  nt("RtlCompareMemoryUlong", 3, (ctx) => {
    const n = Number(ctx.arg(1) & 0xffffffffn) & ~3;
    const p = ctx.u32(2);
    let i = 0;
    while (i < n && ctx.mem.u32(ctx.arg(0) + B(i)) === p) i += 4;
    return i;
  }),
  nt("RtlImageNtHeader", 1, (ctx) => {
    const pe = ntHeaders(ctx, ctx.arg(0));
    if (pe !== 0n) warnBuiltinHeaders(ctx, ctx.arg(0), "RtlImageNtHeader");
    return pe;
  }),
  nt("RtlImageDirectoryEntryToData", 4, (ctx) => {
    const d = directory(ctx, ctx.arg(0), ctx.u32(2) & 0xffff);
    if (!d || d.rva === 0) return 0n;
    ctx.mem.setU32(ctx.arg(3), d.size);
    return ctx.arg(0) + B(d.rva);
  }),
  nt("RtlPcToFileHeader", 2, (ctx) => {
    const pc = ctx.arg(0);
    const m = (ctx.kernel.loadedModules?.() ?? []).find((x) => pc >= x.base && pc < x.base + B(x.size));
    ctx.mem.setU64(ctx.arg(1), m ? m.base : 0n);
    return m ? m.base : 0n;
  }),
  nt("RtlFindExportedRoutineByName", 2, (ctx) => {
    const base = ctx.arg(0);
    const want = ctx.mem.cstring(ctx.arg(1), 512);
    ctx.describe([hex(base), JSON.stringify(want)]);
    const d = directory(ctx, base, 0);
    if (!d || d.rva === 0) return 0n;
    const ed = base + B(d.rva);
    const count = ctx.mem.u32(ed + 24n);
    const functions = base + B(ctx.mem.u32(ed + 28n));
    const names = base + B(ctx.mem.u32(ed + 32n));
    const ordinals = base + B(ctx.mem.u32(ed + 36n));
    for (let i = 0; i < Math.min(count, 65536); i++) {
      if (ctx.mem.cstring(base + B(ctx.mem.u32(names + B(i * 4))), 512) !== want) continue;
      const rva = ctx.mem.u32(functions + B(ctx.mem.u16(ordinals + B(i * 2)) * 4));
      // A forwarder (an RVA inside the export directory) is not resolved: NULL, as documented.
      if (rva >= d.rva && rva < d.rva + d.size) return 0n;
      const sys = (ctx.kernel.loadedModules?.() ?? []).find((x) => x.base === base);
      if (sys && (SYSTEM_IMAGES as readonly string[]).includes(sys.name))
        ctx.warn(`RtlFindExportedRoutineByName: ${sys.name}!${want} is kmdll's stand-in (a thunk into the emulator, listed as a stub by \`kmdll apis\`): the synthetic ${sys.name} holds none of Windows's machine code, so a driver that reads the routine's code — to find an internal routine it calls, or a structure offset — finds nothing there`, { limit: "windows-code" });
      return base + B(rva);
    }
    const m = (ctx.kernel.loadedModules?.() ?? []).find((x) => x.base === base);
    if (m && (SYSTEM_IMAGES as readonly string[]).includes(m.name))
      ctx.warn(`RtlFindExportedRoutineByName: ${m.name}!${want} not found — kmdll's ${m.name} exports only what \`kmdll apis --module ${m.name}\` lists (no window manager, code integrity or CNG driver runs in the emulated system)`, { limit: "windows-export" });
    return 0n;
  }),
];

