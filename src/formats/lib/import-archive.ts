/**
 * The archive of an import library, written in one go (Microsoft "PE Format" § "Archive
 * (Library) File Format" and § "Import Library Format"): the three descriptor objects, one short
 * import member per import (or weak-external alias objects), both linker members and the
 * longnames member, laid out as `writeArchive` lays out any archive (and as lib.exe does).
 *
 * It takes the imports in columns (no object per import) and computes the whole size first;
 * the members go into the output as one Latin-1 string (built with one `join` of cached header
 * pieces and the names) written with one native call, so a library of 30,000 imports costs a few
 * loops even before V8 has optimized anything (the `kmdll implib` process runs this code once,
 * cold). Deterministic. Pure (no I/O).
 */
import { Buffer } from "node:buffer";
import { KmdllError } from "../../errors.js";
import { compareBytes, sortStrings } from "./archive.js";

/** What the archive holds, in columns: entry k of each array describes import k. Names are byte strings (one char per byte). */
export interface ImportArchivePlan {
  /** COFF machine number (0x8664, 0x14c, 0xaa64). */
  machine: number;
  /** The DLL name importers bind to (the members' name). */
  dll: string;
  /** The three descriptor objects (import descriptor, null import descriptor, null thunk) and the symbol each defines. */
  head: { data: Uint8Array; symbol: string }[];
  /** The import's symbol (without `__imp_`). */
  symbols: string[];
  /** The export each import comes from (for error messages). */
  exports: string[];
  /** Short import Type field: (name type << 2) | import type. */
  typeInfo: ArrayLike<number>;
  /** Ordinal (ordinal imports) or hint. */
  ordinalHint: ArrayLike<number>;
  /** Whether the import has its plain symbol besides `__imp_` (CODE and CONST imports; DATA has only `__imp_`). */
  plain: ArrayLike<boolean | number>;
  /** The EXPORTAS name stored after the DLL name, or null; the array may be null when no import has one. */
  exportAs: (string | null)[] | null;
  /**
   * An import that is a weak alias onto another import: its objects instead of a short import
   * (`plain`: the object defining the plain symbol, for a code import; `imp`: the one defining
   * `__imp_`); null otherwise. The array may be null when there is none.
   */
  objects: ({ plain: Uint8Array | null; imp: Uint8Array } | null)[] | null;
  /** The imports in byte-wise order of their symbols, when the caller has it (its symbols are then distinct); else the writer sorts. */
  bySymbol?: ArrayLike<number>;
}

const IMP = "__imp_";

/** Byte-wise comparison of `a` with IMP + `b` (without building the string). */
function compareWithImp(a: string, b: string): number {
  if (a.startsWith(IMP)) return compareBytes(a.slice(IMP.length), b);
  return compareBytes(a, IMP);
}

/** The 60-byte member header: name field, date/uid/gid 0, mode, size, "`\n". */
function memberHeader(field: string, mode: string, size: number): string {
  return field.padEnd(16) + "0".padEnd(12) + "0".padEnd(6) + "0".padEnd(6) + mode.padEnd(8) + String(size).padEnd(10) + "`\n";
}

/** Throws when two imports have the same symbol (`sorted`: the imports' indices in symbol order). */
function checkUniqueSymbols(plan: ImportArchivePlan, sorted: ArrayLike<number>): void {
  const { symbols, exports } = plan;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (symbols[a] === symbols[b]) throw new KmdllError(`exports '${exports[a]}' and '${exports[b]}' both become the import symbol '${symbols[b]}'`);
  }
}

/** Write the import library's archive. Throws KmdllError when two imports have the same symbol or there are too many members. */
export function writeImportArchive(plan: ImportArchivePlan): Uint8Array {
  const { machine, dll, head, symbols, typeInfo, ordinalHint, plain } = plan;
  const exportAs = plan.exportAs;
  const objects = plan.objects;
  const n = symbols.length;

  // Members and symbols are numbered in file order: the descriptors, then per import its short
  // import member (symbols __imp_X, X) or its alias objects (X, then __imp_X).
  const impSym = new Int32Array(n);
  const plainSym = new Int32Array(n);
  const impMember = new Int32Array(n);
  const plainMember = new Int32Array(n);
  let members = head.length;
  let nsym = head.length;
  let nameBytes = 0;
  for (const h of head) nameBytes += h.symbol.length + 1;
  for (let k = 0; k < n; k++) {
    const len = symbols[k]!.length + 1;
    const o = objects === null ? null : objects[k]!;
    if (o !== null && o !== undefined) {
      if (o.plain !== null) {
        plainMember[k] = members++;
        plainSym[k] = nsym++;
        nameBytes += len;
      } else plainMember[k] = plainSym[k] = -1;
      impMember[k] = members++;
      impSym[k] = nsym++;
      nameBytes += len + IMP.length;
      continue;
    }
    impMember[k] = plainMember[k] = members++;
    impSym[k] = nsym++;
    nameBytes += len + IMP.length;
    if (plain[k]) {
      plainSym[k] = nsym++;
      nameBytes += len;
    } else plainSym[k] = -1;
  }
  if (members > 65535) throw new KmdllError(`too many imports (${n}): an archive's second linker member indexes at most 65535 members`);

  // The second linker member's order: sort the imports' symbols once; the __imp_ symbols follow
  // that order, and so do the plain ones, merged with the descriptors' symbols.
  let bySymbol = plan.bySymbol;
  if (bySymbol === undefined) {
    bySymbol = sortStrings(symbols);
    checkUniqueSymbols(plan, bySymbol);
  }
  const specials = head.map((h, index) => ({ name: h.symbol, index })).sort((a, b) => compareBytes(a.name, b.name) || a.index - b.index);
  // The plain symbols in order: per entry its symbol number, its member and its import (-1: a descriptor's).
  const plainNum = new Int32Array(nsym);
  const plainOf = new Int32Array(nsym);
  const plainImp = new Int32Array(nsym);
  let np = 0;
  let sp = 0;
  const special = (s: { name: string; index: number }) => {
    plainNum[np] = plainOf[np] = s.index;
    plainImp[np++] = -1;
  };
  for (let i = 0; i < n; i++) {
    const k = bySymbol[i]!;
    const num = plainSym[k]!;
    if (num < 0) continue;
    const name = symbols[k]!;
    while (sp < specials.length && (compareBytes(specials[sp]!.name, name) || specials[sp]!.index - num) < 0) special(specials[sp++]!);
    plainNum[np] = num;
    plainOf[np] = plainMember[k]!;
    plainImp[np++] = k;
  }
  for (; sp < specials.length; sp++) special(specials[sp]!);
  const plainName = (a: number) => (plainImp[a]! >= 0 ? symbols[plainImp[a]!]! : head[plainOf[a]!]!.symbol);

  // Layout.
  const pad = (x: number) => x + (x & 1);
  const firstSize = 4 + 4 * nsym + nameBytes;
  const secondSize = 4 + 4 * members + 4 + 2 * nsym + nameBytes;
  const longNamed = dll.length > 15 || dll.includes("/");
  const longTable = longNamed ? dll + "\0" : "";
  const field = longNamed ? "/0" : dll + "/";
  const memberOffset = new Int32Array(members);
  let off = 8 + 60 + pad(firstSize) + 60 + pad(secondSize) + 60 + pad(longTable.length);
  const headData = head.map((h) => h.data);
  for (let m = 0; m < head.length; m++) {
    memberOffset[m] = off;
    off += 60 + pad(headData[m]!.length);
  }
  const fixed = 20 + dll.length + 2;
  for (let k = 0; k < n; k++) {
    const o = objects === null ? null : objects[k]!;
    if (o !== null && o !== undefined) {
      if (o.plain !== null) {
        memberOffset[plainMember[k]!] = off;
        off += 60 + pad(o.plain.length);
      }
      memberOffset[impMember[k]!] = off;
      off += 60 + pad(o.imp.length);
      continue;
    }
    memberOffset[impMember[k]!] = off;
    const ea = exportAs === null ? null : exportAs[k]!;
    off += 60 + pad(fixed + symbols[k]!.length + (ea ? ea.length + 1 : 0));
  }
  const out = Buffer.alloc(off);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Every symbol's bytes once, NUL-terminated, in import order: the names are copied from here.
  const symBytes = Buffer.from(n > 0 ? symbols.join("\0") + "\0" : "", "latin1");
  const symAt = new Int32Array(n + 1);
  for (let k = 0, q = 0; k < n; k++) symAt[k + 1] = q += symbols[k]!.length + 1;

  // Magic and the first linker member: big-endian, symbols in member order.
  let at = out.write("!<arch>\n" + memberHeader("/", "0", firstSize), 0, "latin1");
  dv.setUint32(at, nsym);
  at += 4;
  let nameAt = at + 4 * nsym;
  for (let m = 0; m < head.length; m++) {
    dv.setUint32(at, memberOffset[m]!);
    at += 4;
    nameAt += out.write(head[m]!.symbol + "\0", nameAt, "latin1");
  }
  for (let k = 0; k < n; k++) {
    const io = memberOffset[impMember[k]!]!;
    const p = plainSym[k]!;
    const s = symAt[k]!;
    const e = symAt[k + 1]!;
    if (p >= 0 && p < impSym[k]!) {
      // An alias: the plain symbol's object comes first.
      dv.setUint32(at, memberOffset[plainMember[k]!]!);
      dv.setUint32(at + 4, io);
      at += 8;
      for (let i = s; i < e; i++) out[nameAt++] = symBytes[i]!;
      out[nameAt] = 0x5f; out[nameAt + 1] = 0x5f; out[nameAt + 2] = 0x69; out[nameAt + 3] = 0x6d; out[nameAt + 4] = 0x70; out[nameAt + 5] = 0x5f; // __imp_
      nameAt += 6;
      for (let i = s; i < e; i++) out[nameAt++] = symBytes[i]!;
      continue;
    }
    dv.setUint32(at, io);
    at += 4;
    out[nameAt] = 0x5f; out[nameAt + 1] = 0x5f; out[nameAt + 2] = 0x69; out[nameAt + 3] = 0x6d; out[nameAt + 4] = 0x70; out[nameAt + 5] = 0x5f;
    nameAt += 6;
    for (let i = s; i < e; i++) out[nameAt++] = symBytes[i]!;
    if (p >= 0) {
      dv.setUint32(at, io);
      at += 4;
      for (let i = s; i < e; i++) out[nameAt++] = symBytes[i]!;
    }
  }
  at = nameAt + (firstSize & 1);

  // The second linker member: little-endian, member offsets, then the symbols sorted byte-wise
  // (ties in symbol order) with their member numbers.
  at += out.write(memberHeader("/", "0", secondSize), at, "latin1");
  dv.setUint32(at, members, true);
  at += 4;
  for (let m = 0; m < members; m++, at += 4) dv.setUint32(at, memberOffset[m]!, true);
  dv.setUint32(at, nsym, true);
  at += 4;
  // Plain names that start with "__imp_" sort among the __imp_ names: merge name by name then.
  // Otherwise the __imp_ names are one block, after the plain names below "__imp_".
  let lo = 0;
  let hi = np;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(plainName(mid), IMP) < 0) lo = mid + 1;
    else hi = mid;
  }
  const blockAt = lo;
  let nameAt2 = at + 2 * nsym;
  /** Copy plain name `a` (the bytes of its import's symbol, or a descriptor's symbol) to the names. */
  const putPlain = (a: number) => {
    const k = plainImp[a]!;
    if (k < 0) {
      nameAt2 += out.write(head[plainOf[a]!]!.symbol, nameAt2, "latin1") + 1;
      return;
    }
    for (let i = symAt[k]!, e = symAt[k + 1]!; i < e; i++) out[nameAt2++] = symBytes[i]!;
  };
  const putImp = (k: number) => {
    out[nameAt2] = 0x5f; out[nameAt2 + 1] = 0x5f; out[nameAt2 + 2] = 0x69; out[nameAt2 + 3] = 0x6d; out[nameAt2 + 4] = 0x70; out[nameAt2 + 5] = 0x5f;
    nameAt2 += 6;
    for (let i = symAt[k]!, e = symAt[k + 1]!; i < e; i++) out[nameAt2++] = symBytes[i]!;
  };
  let a = 0;
  let b = 0;
  if (!(blockAt < np && plainName(blockAt).startsWith(IMP))) {
    for (; a < blockAt; a++, at += 2) {
      dv.setUint16(at, plainOf[a]! + 1, true);
      putPlain(a);
    }
    for (; b < n; b++, at += 2) {
      const k = bySymbol[b]!;
      dv.setUint16(at, impMember[k]! + 1, true);
      putImp(k);
    }
    for (; a < np; a++, at += 2) {
      dv.setUint16(at, plainOf[a]! + 1, true);
      putPlain(a);
    }
  } else {
    while (a < np || b < n) {
      const k = b < n ? bySymbol[b]! : -1;
      if (a < np && (k < 0 || (compareWithImp(plainName(a), symbols[k]!) || plainNum[a]! - impSym[k]!) < 0)) {
        dv.setUint16(at, plainOf[a]! + 1, true);
        putPlain(a++);
      } else {
        dv.setUint16(at, impMember[k]! + 1, true);
        putImp(k);
        b++;
      }
      at += 2;
    }
  }
  at = nameAt2;
  if (secondSize & 1) at++;

  // Longnames, then the members (even offsets, padded with "\n").
  at += out.write(memberHeader("//", "0", longTable.length) + longTable, at, "latin1");
  if (longTable.length & 1) out[at++] = 0x0a;
  const object = (data: Uint8Array) => {
    at += out.write(memberHeader(field, "644", data.length), at, "latin1");
    out.set(data, at);
    at += data.length;
    if (data.length & 1) out[at++] = 0x0a;
  };
  for (const d of headData) object(d);
  // A short import: the member header and the import header's first 16 bytes depend only on the size.
  const bySize: Uint8Array[] = [];
  const tail = Buffer.from("\0" + dll + "\0\n", "latin1");
  const tailLen = tail.length - 1;
  for (let k = 0; k < n; k++) {
    const o = objects === null ? null : objects[k]!;
    if (o !== null && o !== undefined) {
      if (o.plain !== null) object(o.plain);
      object(o.imp);
      continue;
    }
    const s = symAt[k]!;
    const len = symAt[k + 1]! - s - 1;
    const ea = exportAs === null ? null : exportAs[k]!;
    const size = fixed + len + (ea ? ea.length + 1 : 0);
    let prefix = bySize[size];
    if (prefix === undefined) {
      const data = size - 20;
      prefix = bySize[size] = Buffer.from(memberHeader(field, "644", size) + "\0\0\xff\xff\0\0" + String.fromCharCode(machine & 0xff, machine >>> 8, 0, 0, 0, 0, data & 0xff, (data >>> 8) & 0xff, (data >>> 16) & 0xff, data >>> 24), "latin1");
    }
    out.set(prefix, at);
    at += 76;
    const ord = ordinalHint[k]!;
    out[at] = ord & 0xff;
    out[at + 1] = ord >>> 8;
    out[at + 2] = typeInfo[k]!;
    at += 4;
    for (let i = 0; i < len; i++) out[at + i] = symBytes[s + i]!;
    at += len;
    if (ea) {
      for (let i = 0; i < tailLen; i++) out[at + i] = tail[i]!;
      at += tailLen;
      at += out.write(ea, at, "latin1") + 1;
      if (size & 1) out[at++] = 0x0a;
    } else {
      const t = size & 1 ? tailLen + 1 : tailLen;
      for (let i = 0; i < t; i++) out[at + i] = tail[i]!;
      at += t;
    }
  }
  if (at !== off) throw new Error(`import archive: wrote ${at} bytes, laid out ${off}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
