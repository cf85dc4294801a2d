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

export interface WriteArchiveOptions {
  /**
   * The symbols (numbered in member order: the first member's symbols, then the next
   * member's, …) in the second linker member's order — byte-wise sorted, ties in member order.
   * A caller that knows this order cheaply (an import library: `__imp_X` follows X's order)
   * passes it; otherwise writeArchive sorts.
   */
  sortedSymbols?: ArrayLike<number>;
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

const encoder = new TextEncoder();
const NON_ASCII = /[^\x00-\x7f]/;

/** Write a (long) Latin-1 string at `at`: the native UTF-8 encoder when it is ASCII (the same bytes). */
function putLong(out: Uint8Array, at: number, s: string): number {
  if (s.length < 64 || NON_ASCII.test(s)) return put(out, at, s);
  encoder.encodeInto(s, out.subarray(at, at + s.length));
  return at + s.length;
}

/** Write a decimal number at `at` (no allocation); returns the position after it. */
function putDecimal(out: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = digits - 1, v = n; i >= 0; i--, v = Math.floor(v / 10)) out[at + i] = 0x30 + (v % 10);
  return at + digits;
}

/** The 60-byte member header with name, date 0, uid 0, gid 0 and mode filled in; the size field blank. */
function headerTemplate(name: string, mode: string): Uint8Array {
  if (name.length > 16) throw new Error(`archive member name field ${JSON.stringify(name)} longer than 16`);
  const h = new Uint8Array(60).fill(0x20);
  put(h, 0, name);
  put(h, 16, "0"); // date: deterministic
  put(h, 28, "0"); // uid
  put(h, 34, "0"); // gid
  put(h, 40, mode);
  h[58] = 0x60;
  h[59] = 0x0a;
  return h;
}

/** A member header at `at` from a template, with the size; returns the position of the data. */
function header(out: Uint8Array, at: number, template: Uint8Array, size: number): number {
  out.set(template, at);
  putDecimal(out, at + 48, size);
  return at + 60;
}

/** Byte-wise comparison, as the linker's binary search over the second linker member expects. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Indices of `symNames` in byte-wise order of the names, ties in index order (unique names, the usual case: by a lookup). */
export function sortStrings(symNames: string[]): ArrayLike<number> {
  return sortUniqueStrings(symNames) ?? symNames.map((_, i) => i).sort((a, b) => compareBytes(symNames[a]!, symNames[b]!) || a - b);
}

/** Indices of `names` in byte-wise order of the names, or null when two names are equal. */
export function sortUniqueStrings(names: string[]): Int32Array | null {
  const n = names.length;
  const sortedNames = names.slice().sort();
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set(names[i]!, i);
  if (index.size !== n) return null;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = index.get(sortedNames[i]!)!;
  return order;
}

/**
 * Write a Microsoft-style archive: first linker member (big-endian, symbols in member order),
 * second linker member (little-endian, symbols sorted), longnames member `//` (NUL-terminated
 * names), then the members on even offsets padded with "\n". Timestamps, uids and gids are 0.
 */
export function writeArchive(members: NewArchiveMember[], opts: WriteArchiveOptions = {}): Uint8Array {
  if (members.length > 65535) throw new Error(`an archive's second linker member indexes at most 65535 members (${members.length})`);
  // Long names: shared entries, NUL-terminated; one header template per distinct name.
  const templates = new Map<string, Uint8Array>();
  let longTable = "";
  const memberHeaders = new Array<Uint8Array>(members.length);
  for (let k = 0; k < members.length; k++) {
    const name = members[k]!.name;
    let t = templates.get(name);
    if (t === undefined) {
      let field: string;
      if (name.length <= 15 && !name.includes("/")) field = name + "/";
      else {
        field = "/" + longTable.length;
        longTable += name + "\0";
      }
      t = headerTemplate(field, "644");
      templates.set(name, t);
    }
    memberHeaders[k] = t;
  }

  const symNames: string[] = [];
  const symMember: number[] = [];
  let nameBytes = 0;
  for (let k = 0; k < members.length; k++) {
    const syms = members[k]!.symbols;
    for (let j = 0; j < syms.length; j++) {
      const s = syms[j]!;
      symNames.push(s);
      symMember.push(k);
      nameBytes += s.length + 1;
    }
  }
  const nsym = symNames.length;
  const firstSize = 4 + 4 * nsym + nameBytes;
  const secondSize = 4 + 4 * members.length + 4 + 2 * nsym + nameBytes;
  const pad = (n: number) => n + (n & 1);

  // Layout: member header offsets.
  let off = 8 + 60 + pad(firstSize) + 60 + pad(secondSize) + 60 + pad(longTable.length);
  const offsets = new Array<number>(members.length);
  const sizes = new Array<number>(members.length);
  for (let k = 0; k < members.length; k++) {
    const size = memberSize(members[k]!);
    offsets[k] = off;
    sizes[k] = size;
    off += 60 + pad(size);
  }

  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  let at = put(out, 0, ARCHIVE_MAGIC);
  const special = headerTemplate("/", "0");

  // First linker member: big-endian, symbols in member order.
  at = header(out, at, special, firstSize);
  dv.setUint32(at, nsym, false);
  at += 4;
  for (let i = 0; i < nsym; i++, at += 4) dv.setUint32(at, offsets[symMember[i]!]!, false);
  if (nsym) at = putLong(out, at, symNames.join("\0")) + 1;
  if (firstSize & 1) at++;

  // Second linker member: little-endian, symbols sorted byte-wise (stable).
  const order = opts.sortedSymbols ?? sortStrings(symNames);
  if (order.length !== nsym) throw new Error(`sortedSymbols lists ${order.length} symbols, the members define ${nsym}`);
  at = header(out, at, special, secondSize);
  dv.setUint32(at, members.length, true);
  at += 4;
  for (let k = 0; k < offsets.length; k++, at += 4) dv.setUint32(at, offsets[k]!, true);
  dv.setUint32(at, nsym, true);
  at += 4;
  const sorted = new Array<string>(nsym);
  for (let i = 0; i < nsym; i++, at += 2) {
    const s = order[i]!;
    dv.setUint16(at, symMember[s]! + 1, true);
    sorted[i] = symNames[s]!;
  }
  if (nsym) at = putLong(out, at, sorted.join("\0")) + 1;
  if (secondSize & 1) at++;

  // Longnames.
  at = header(out, at, headerTemplate("//", "0"), longTable.length);
  at = put(out, at, longTable);
  if (longTable.length & 1) out[at++] = 0x0a;

  for (let k = 0; k < members.length; k++) {
    const m = members[k]!;
    const size = sizes[k]!;
    at = header(out, at, memberHeaders[k]!, size);
    if (m.data) out.set(m.data, at);
    else m.write!(out, at);
    at += size;
    if (size & 1) out[at++] = 0x0a;
  }
  return out;
}
