/**
 * The `ar` archive container used by `.lib` and `.a` files (Microsoft "PE Format" §
 * "Archive (Library) File Format"; GNU ar): reading with full validation, and writing the
 * Microsoft/COFF flavour (two linker members + longnames). Pure: no I/O.
 */
import { ByteView } from "../binary.js";
import { byteString, fieldString, quoteBytes } from "./text.js";
import { FormatError } from "../../errors.js";

export const ARCHIVE_MAGIC = "!<arch>\n";
const HEADER_SIZE = 60;

/** One regular member (linker members and the longnames member are not listed here). */
export interface ArchiveMember {
  /** Resolved member name (without the GNU trailing "/"). */
  name: string;
  /** Offset of the 60-byte member header. */
  headerOffset: number;
  /** Offset of the member's data. */
  dataOffset: number;
  size: number;
  data: Uint8Array;
  /** The raw header fields, trimmed. */
  date: string;
  mode: string;
}

/** One entry of an archive symbol table: the symbol and the member that defines it. */
export interface ArchiveSymbol {
  name: string;
  /** Index into `Archive.members`. */
  member: number;
}

export interface Archive {
  /**
   * "coff": first + second linker member (Microsoft lib, LLVM K_COFF); "gnu": one big-endian
   * symbol table (GNU ar, llvm-dlltool); "gnu64": `/SYM64/`; "none": no symbol table.
   */
  kind: "coff" | "gnu" | "gnu64" | "none";
  members: ArchiveMember[];
  /** The symbol table (the second linker member's when present, else the first's), or null. */
  symbols: ArchiveSymbol[] | null;
}

interface RawMember {
  rawName: string;
  headerOffset: number;
  dataOffset: number;
  size: number;
  date: string;
  mode: string;
}

function decimalField(v: ByteView, at: number, len: number, what: string, headerOffset: number): number {
  const s = fieldString(v.bytes, at, len);
  if (!/^[0-9]+$/.test(s)) {
    throw new FormatError("archive member header", `${what} field is ${quoteBytes(s)}, not a decimal number`, headerOffset);
  }
  return Number(s);
}

function readRawMembers(v: ByteView): RawMember[] {
  if (v.length < 8 || byteString(v.bytes, 0, 8) !== ARCHIVE_MAGIC) {
    const got = byteString(v.bytes, 0, Math.min(8, v.length));
    throw new FormatError("archive signature", `expected "!<arch>\\n", found ${quoteBytes(got)}`, 0);
  }
  const out: RawMember[] = [];
  let off = 8;
  while (off < v.length) {
    // A lone pad byte at the very end (after an odd-sized member) is tolerated.
    if (off + 1 === v.length && (v.bytes[off] === 0x0a || v.bytes[off] === 0)) break;
    if (off + HEADER_SIZE > v.length) {
      throw new FormatError("archive member header", `truncated: ${v.length - off} bytes left, a header needs 60`, off);
    }
    if (v.bytes[off + 58] !== 0x60 || v.bytes[off + 59] !== 0x0a) {
      const prev = out[out.length - 1];
      const shifted = off > 8 && v.bytes[off + 57] === 0x60 && v.bytes[off + 58] === 0x0a;
      const hint = off % 2 === 1
        ? " (member headers must start at even offsets)"
        : shifted && prev && prev.size % 2 === 1
          ? ` (the odd-sized member before it, ${prev.size} bytes at 0x${prev.dataOffset.toString(16)}, lacks its pad byte: members must start at even offsets)`
          : "";
      throw new FormatError("archive member header", `bad header terminator (expected "\`\\n")${hint}`, off);
    }
    if (off % 2 === 1) throw new FormatError("archive member header", "member header at an odd offset (members must be 2-byte aligned)", off);
    const rawName = fieldString(v.bytes, off, 16);
    const date = fieldString(v.bytes, off + 16, 12).trim();
    const mode = fieldString(v.bytes, off + 40, 8).trim();
    const size = decimalField(v, off + 48, 10, "size", off);
    const dataOffset = off + HEADER_SIZE;
    if (dataOffset + size > v.length) {
      throw new FormatError("archive member header", `member ${quoteBytes(rawName)} has size ${size}, past the end of the file (${v.length - dataOffset} bytes left)`, off);
    }
    out.push({ rawName, headerOffset: off, dataOffset, size, date, mode });
    off = dataOffset + size + (size & 1);
  }
  return out;
}

function longName(table: Uint8Array | null, ref: string, headerOffset: number): string {
  const at = Number(ref);
  if (!table) throw new FormatError("archive member header", `member name "/${ref}" refers to a longnames member, but the archive has none`, headerOffset);
  if (!Number.isSafeInteger(at) || at >= table.length) {
    throw new FormatError("archive member header", `member name "/${ref}" is past the end of the longnames member (${table.length} bytes)`, headerOffset);
  }
  let end = at;
  // GNU terminates names with "/\n", Microsoft with NUL.
  while (end < table.length && table[end] !== 0 && table[end] !== 0x0a) end++;
  let name = byteString(table, at, end);
  if (name.endsWith("/")) name = name.slice(0, -1);
  return name;
}

function readNames(v: ByteView, at: number, end: number, count: number, structure: string): string[] {
  const names: string[] = [];
  let p = at;
  for (let i = 0; i < count; i++) {
    let q = p;
    while (q < end && v.bytes[q] !== 0) q++;
    if (q >= end) {
      throw new FormatError(structure, `string table holds only ${i} of the ${count} symbol names it claims`, p);
    }
    names.push(byteString(v.bytes, p, q));
    p = q + 1;
  }
  return names;
}

/** Parse and validate an archive. Throws FormatError on any structural problem. */
export function readArchive(bytes: Uint8Array): Archive {
  const v = new ByteView(bytes);
  const raws = readRawMembers(v);
  let i = 0;
  let first: RawMember | null = null;
  let second: RawMember | null = null;
  let sym64: RawMember | null = null;
  let longnames: Uint8Array | null = null;
  if (i < raws.length && raws[i]!.rawName === "/") first = raws[i++]!;
  else if (i < raws.length && raws[i]!.rawName === "/SYM64/") sym64 = raws[i++]!;
  if (first && i < raws.length && raws[i]!.rawName === "/") second = raws[i++]!;
  if (i < raws.length && raws[i]!.rawName === "//") longnames = v.slice(raws[i]!.dataOffset, raws[i]!.size, "archive longnames member");
  if (longnames) i++;
  const members: ArchiveMember[] = [];
  const byOffset = new Map<number, number>();
  for (; i < raws.length; i++) {
    const r = raws[i]!;
    let name: string;
    if (r.rawName === "/" || r.rawName === "//" || r.rawName === "/SYM64/") {
      throw new FormatError("archive member header", `special member ${quoteBytes(r.rawName)} out of place (linker members and longnames must come first)`, r.headerOffset);
    } else if (/^\/[0-9]+$/.test(r.rawName)) {
      name = longName(longnames, r.rawName.slice(1), r.headerOffset);
    } else if (r.rawName.startsWith("#1/")) {
      throw new FormatError("archive member header", "BSD-style member names (#1/N) are not supported", r.headerOffset);
    } else {
      name = r.rawName.endsWith("/") ? r.rawName.slice(0, -1) : r.rawName;
    }
    byOffset.set(r.headerOffset, members.length);
    members.push({ name, headerOffset: r.headerOffset, dataOffset: r.dataOffset, size: r.size, data: bytes.subarray(r.dataOffset, r.dataOffset + r.size), date: r.date, mode: r.mode });
  }

  const memberAt = (off: number, sym: string, structure: string, at: number): number => {
    const m = byOffset.get(off);
    if (m === undefined) {
      throw new FormatError(structure, `symbol ${quoteBytes(sym)} points at offset 0x${off.toString(16)}, which is not the header of a member`, at);
    }
    return m;
  };

  let symbols: ArchiveSymbol[] | null = null;
  let kind: Archive["kind"] = "none";
  if (first) {
    kind = "gnu";
    const s = "archive first linker member";
    const base = first.dataOffset;
    const end = base + first.size;
    const n = first.size >= 4 ? v.u32be(base, s) : 0;
    if (first.size < 4 || 4 + n * 4 > first.size) {
      throw new FormatError(s, `claims ${n} symbols, more than its ${first.size} bytes can hold`, base);
    }
    const names = readNames(v, base + 4 + n * 4, end, n, s);
    symbols = names.map((name, k) => ({ name, member: memberAt(v.u32be(base + 4 + k * 4, s), name, s, base + 4 + k * 4) }));
  }
  if (sym64) {
    kind = "gnu64";
    const s = "archive /SYM64/ symbol table";
    const base = sym64.dataOffset;
    const n64 = sym64.size >= 8 ? (BigInt(v.u32be(base, s)) << 32n) | BigInt(v.u32be(base + 4, s)) : 0n;
    if (sym64.size < 8 || 8n + n64 * 8n > BigInt(sym64.size)) throw new FormatError(s, `claims ${n64} symbols, more than its ${sym64.size} bytes can hold`, base);
    const n = Number(n64);
    const names = readNames(v, base + 8 + n * 8, base + sym64.size, n, s);
    symbols = names.map((name, k) => {
      const hi = v.u32be(base + 8 + k * 8, s);
      const lo = v.u32be(base + 12 + k * 8, s);
      return { name, member: memberAt(hi * 2 ** 32 + lo, name, s, base + 8 + k * 8) };
    });
  }
  if (second) {
    kind = "coff";
    const s = "archive second linker member";
    const base = second.dataOffset;
    const end = base + second.size;
    const m = second.size >= 4 ? v.u32(base, s) : 0;
    if (second.size < 4 || 4 + m * 4 + 4 > second.size) throw new FormatError(s, `claims ${m} members, more than its ${second.size} bytes can hold`, base);
    const offsets: number[] = [];
    for (let k = 0; k < m; k++) offsets.push(v.u32(base + 4 + k * 4, s));
    const nAt = base + 4 + m * 4;
    const n = v.u32(nAt, s);
    if (nAt + 4 + n * 2 > end) throw new FormatError(s, `claims ${n} symbols, more than its ${second.size} bytes can hold`, nAt);
    const names = readNames(v, nAt + 4 + n * 2, end, n, s);
    symbols = names.map((name, k) => {
      const idx = v.u16(nAt + 4 + k * 2, s);
      if (idx < 1 || idx > m) throw new FormatError(s, `symbol ${quoteBytes(name)} has member index ${idx}, outside 1..${m}`, nAt + 4 + k * 2);
      return { name, member: memberAt(offsets[idx - 1]!, name, s, base + 4 + (idx - 1) * 4) };
    });
    for (let k = 1; k < names.length; k++) {
      if (names[k - 1]! > names[k]!) throw new FormatError(s, `symbol names are not sorted (${quoteBytes(names[k - 1])} before ${quoteBytes(names[k])})`, nAt);
    }
  }
  return { kind, members, symbols };
}

/** A member to write: its name, data and the external symbols it defines (in order). */
export interface NewArchiveMember {
  name: string;
  /** The member's bytes, or: */
  data?: Uint8Array;
  /** its size and a function writing it in place (saves an allocation per member in large libraries). */
  size?: number;
  write?: (out: Uint8Array, at: number) => void;
  /** External symbols the member defines (for the linker members), in order. */
  symbols: string[];
}

function memberSize(m: NewArchiveMember): number {
  if (m.data) return m.data.length;
  if (m.size === undefined || !m.write) throw new Error(`archive member ${JSON.stringify(m.name)} has neither data nor size + write`);
  return m.size;
}

/** Write ASCII/Latin-1 code units at `at`; returns the position after them. */
function put(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i) & 0xff;
  return at + s.length;
}

/** A 60-byte member header at `at`: name, date 0, uid 0, gid 0, mode, size, "`\n". */
function header(out: Uint8Array, at: number, name: string, size: number, mode: string): number {
  if (name.length > 16) throw new Error(`archive member name field ${JSON.stringify(name)} longer than 16`);
  out.fill(0x20, at, at + 58);
  put(out, at, name);
  put(out, at + 16, "0"); // date: deterministic
  put(out, at + 28, "0"); // uid
  put(out, at + 34, "0"); // gid
  put(out, at + 40, mode);
  put(out, at + 48, String(size));
  out[at + 58] = 0x60;
  out[at + 59] = 0x0a;
  return at + 60;
}

/** Byte-wise comparison, as the linker's binary search over the second linker member expects. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Write a Microsoft-style archive: first linker member (big-endian, symbols in member order),
 * second linker member (little-endian, symbols sorted), longnames member `//` (NUL-terminated
 * names), then the members on even offsets padded with "\n". Timestamps, uids and gids are 0.
 */
export function writeArchive(members: NewArchiveMember[]): Uint8Array {
  // Long names: shared entries, NUL-terminated.
  const longOffsets = new Map<string, number>();
  let longTable = "";
  const memberNames: string[] = members.map((m) => {
    if (m.name.length <= 15 && !m.name.includes("/")) return m.name + "/";
    let at = longOffsets.get(m.name);
    if (at === undefined) {
      at = longTable.length;
      longOffsets.set(m.name, at);
      longTable += m.name + "\0";
    }
    return "/" + at;
  });

  if (members.length > 65535) throw new Error(`an archive's second linker member indexes at most 65535 members (${members.length})`);
  const symNames: string[] = [];
  const symMember: number[] = [];
  members.forEach((m, k) => {
    for (const s of m.symbols) {
      symNames.push(s);
      symMember.push(k);
    }
  });
  let nameBytes = 0;
  for (const s of symNames) nameBytes += s.length + 1;
  const nsym = symNames.length;
  const firstSize = 4 + 4 * nsym + nameBytes;
  const secondSize = 4 + 4 * members.length + 4 + 2 * nsym + nameBytes;
  const pad = (n: number) => n + (n & 1);

  // Layout: member header offsets.
  let off = 8 + 60 + pad(firstSize) + 60 + pad(secondSize) + 60 + pad(longTable.length);
  const offsets = new Array<number>(members.length);
  members.forEach((m, k) => {
    offsets[k] = off;
    off += 60 + pad(memberSize(m));
  });

  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  let at = put(out, 0, ARCHIVE_MAGIC);

  // First linker member: big-endian, symbols in member order.
  at = header(out, at, "/", firstSize, "0");
  dv.setUint32(at, nsym, false);
  at += 4;
  for (let i = 0; i < nsym; i++, at += 4) dv.setUint32(at, offsets[symMember[i]!]!, false);
  for (const s of symNames) at = put(out, at, s) + 1;
  if (firstSize & 1) at++;

  // Second linker member: little-endian, symbols sorted byte-wise (stable).
  // Sorted byte-wise (UTF-16 order of Latin-1 strings); the built-in string sort is much faster than a comparator.
  const sortedNames = [...symNames].sort();
  let order: number[];
  const firstIndex = new Map<string, number>();
  symNames.forEach((n, i) => {
    if (!firstIndex.has(n)) firstIndex.set(n, i);
  });
  if (firstIndex.size === symNames.length) order = sortedNames.map((n) => firstIndex.get(n)!);
  else order = symNames.map((_, i) => i).sort((a, b) => compareBytes(symNames[a]!, symNames[b]!) || a - b);
  at = header(out, at, "/", secondSize, "0");
  dv.setUint32(at, members.length, true);
  at += 4;
  for (const o of offsets) {
    dv.setUint32(at, o, true);
    at += 4;
  }
  dv.setUint32(at, nsym, true);
  at += 4;
  for (const i of order) {
    dv.setUint16(at, symMember[i]! + 1, true);
    at += 2;
  }
  for (const i of order) at = put(out, at, symNames[i]!) + 1;
  if (secondSize & 1) at++;

  // Longnames.
  at = header(out, at, "//", longTable.length, "0");
  at = put(out, at, longTable);
  if (longTable.length & 1) out[at++] = 0x0a;

  members.forEach((m, k) => {
    const size = memberSize(m);
    at = header(out, at, memberNames[k]!, size, "644");
    if (m.data) out.set(m.data, at);
    else m.write!(out, at);
    at += size;
    if (size & 1) out[at++] = 0x0a;
  });
  return out;
}
