/**
 * Parser for registry export files (.reg, SPEC §3.4). Pure: bytes or text in, operations out.
 *
 *   Windows Registry Editor Version 5.00      (or REGEDIT4)
 *   ; comment
 *   [HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\mydriver]
 *   "ImagePath"="\\SystemRoot\\System32\\drivers\\mydriver.sys"
 *   "Start"=dword:00000003
 *   @="default value"
 *   "Blob"=hex:01,02,\
 *     03
 *   "Path"=hex(2):25,00,...        REG_EXPAND_SZ (UTF-16LE bytes)
 *   "List"=hex(7):61,00,00,00,00,00  REG_MULTI_SZ
 *   "Big"=hex(b):01,00,00,00,00,00,00,00   REG_QWORD
 *   "Gone"=-                       delete the value
 *   [-HKEY_LOCAL_MACHINE\SOFTWARE\Old]   delete the key and its subkeys
 *
 * Errors are RegSyntaxError (a FormatError) positioned as `file:line:col`.
 */
import { FormatError } from "../../errors.js";

export const REG_NONE = 0;
export const REG_SZ = 1;
export const REG_EXPAND_SZ = 2;
export const REG_BINARY = 3;
export const REG_DWORD = 4;
export const REG_DWORD_BIG_ENDIAN = 5;
export const REG_LINK = 6;
export const REG_MULTI_SZ = 7;
export const REG_RESOURCE_LIST = 8;
export const REG_FULL_RESOURCE_DESCRIPTOR = 9;
export const REG_RESOURCE_REQUIREMENTS_LIST = 10;
export const REG_QWORD = 11;

const TYPE_NAMES: Record<number, string> = {
  0: "REG_NONE",
  1: "REG_SZ",
  2: "REG_EXPAND_SZ",
  3: "REG_BINARY",
  4: "REG_DWORD",
  5: "REG_DWORD_BIG_ENDIAN",
  6: "REG_LINK",
  7: "REG_MULTI_SZ",
  8: "REG_RESOURCE_LIST",
  9: "REG_FULL_RESOURCE_DESCRIPTOR",
  10: "REG_RESOURCE_REQUIREMENTS_LIST",
  11: "REG_QWORD",
};

/** "REG_DWORD", or "REG_0x1234" for types without a name. */
export function regTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `REG_0x${type.toString(16)}`;
}

/** A syntax error in a .reg file, with its 1-based line and column. */
export class RegSyntaxError extends FormatError {
  readonly line: number;
  readonly column: number;
  constructor(detail: string, line: number, column: number, file?: string) {
    super(".reg", detail, undefined, file);
    this.line = line;
    this.column = column;
    this.message = `${file ?? "<reg>"}:${line}:${column}: ${detail}`;
    this.name = "RegSyntaxError";
  }
  override withFile(file: string): RegSyntaxError {
    return new RegSyntaxError(this.detail, this.line, this.column, file);
  }
}

export type RegOperation =
  | { op: "key"; path: string; line: number }
  | { op: "delete-key"; path: string; line: number }
  | { op: "value"; path: string; name: string; type: number; data: Uint8Array; line: number }
  | { op: "delete-value"; path: string; name: string; line: number };

export interface RegFile {
  /** "5.00" (Unicode, Windows 2000+) or "4" (REGEDIT4, ANSI). */
  version: "5.00" | "4";
  encoding: "utf-16le" | "utf-8";
  operations: RegOperation[];
}

/** Decode the bytes of a .reg file: UTF-16LE with BOM (what regedit writes), UTF-8 with or without BOM. */
export function decodeRegText(bytes: Uint8Array): { text: string; encoding: "utf-16le" | "utf-8" } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    if ((bytes.length - 2) % 2 !== 0) throw new RegSyntaxError("UTF-16LE file has an odd number of bytes", 1, 1);
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) throw new RegSyntaxError("UTF-16BE files are not .reg files (regedit writes UTF-16LE)", 1, 1);
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { text: new TextDecoder("utf-8").decode(bytes.subarray(start)), encoding: "utf-8" };
}

const ROOTS: Record<string, string> = {
  HKEY_LOCAL_MACHINE: "\\REGISTRY\\MACHINE",
  HKLM: "\\REGISTRY\\MACHINE",
  HKEY_USERS: "\\REGISTRY\\USER",
  HKU: "\\REGISTRY\\USER",
  HKEY_CURRENT_USER: "\\REGISTRY\\USER\\.DEFAULT",
  HKCU: "\\REGISTRY\\USER\\.DEFAULT",
  HKEY_CLASSES_ROOT: "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes",
  HKCR: "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes",
  HKEY_CURRENT_CONFIG: "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current",
  HKCC: "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current",
};

/**
 * Turn a key path as written in a .reg file (`HKEY_LOCAL_MACHINE\...`, `HKLM\...`) or an NT path
 * (`\Registry\Machine\...`) into the NT form `\REGISTRY\MACHINE\...`. Returns null for an unknown root.
 */
export function regPathToNt(path: string): string | null {
  const parts = path.split("\\").filter((p) => p.length > 0);
  if (parts.length === 0) return null;
  if (path.startsWith("\\")) {
    if (parts[0]!.toUpperCase() !== "REGISTRY") return null;
    if (parts.length === 1) return "\\REGISTRY";
    const second = parts[1]!.toUpperCase();
    if (second !== "MACHINE" && second !== "USER") return null;
    return ["\\REGISTRY", second, ...parts.slice(2)].join("\\");
  }
  const root = ROOTS[parts[0]!.toUpperCase()];
  if (!root) return null;
  return [root, ...parts.slice(1)].join("\\");
}

/** Parse a .reg file from its bytes (any supported encoding) or from already decoded text. */
export function parseRegFile(input: Uint8Array | string): RegFile {
  let text: string;
  let encoding: "utf-16le" | "utf-8" = "utf-8";
  if (typeof input === "string") text = input.replace(/^\uFEFF/, "");
  else ({ text, encoding } = decodeRegText(input));
  const rawLines = text.split(/\r\n|\n|\r/);
  let idx = 0;
  // Header: first non-empty line.
  while (idx < rawLines.length && rawLines[idx]!.trim() === "") idx++;
  if (idx >= rawLines.length) throw new RegSyntaxError('empty file: expected "Windows Registry Editor Version 5.00"', 1, 1);
  const header = rawLines[idx]!.trim();
  let version: "5.00" | "4";
  if (header === "Windows Registry Editor Version 5.00") version = "5.00";
  else if (header === "REGEDIT4") version = "4";
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u0008\u000e-\u001f]/.test(header)) throw new RegSyntaxError('not a .reg file (binary data): expected "Windows Registry Editor Version 5.00"', idx + 1, 1);
  else throw new RegSyntaxError(`expected "Windows Registry Editor Version 5.00" or "REGEDIT4", found ${JSON.stringify(header.slice(0, 60))}`, idx + 1, 1);
  idx++;

  const ops: RegOperation[] = [];
  let current: string | null = null;
  while (idx < rawLines.length) {
    const lineNo = idx + 1;
    let line = rawLines[idx]!;
    idx++;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith(";")) continue;
    const indent = line.length - line.trimStart().length;
    if (trimmed.startsWith("[")) {
      const close = trimmed.lastIndexOf("]");
      if (close < 0) throw new RegSyntaxError("key line has no closing ']'", lineNo, indent + 1);
      const rest = trimmed.slice(close + 1).trim();
      if (rest !== "" && !rest.startsWith(";")) throw new RegSyntaxError(`unexpected text after the key: ${JSON.stringify(rest.slice(0, 40))}`, lineNo, indent + close + 2);
      let inner = trimmed.slice(1, close);
      const del = inner.startsWith("-");
      if (del) inner = inner.slice(1);
      if (inner.trim() === "") throw new RegSyntaxError("empty key name", lineNo, indent + 2);
      const nt = regPathToNt(inner);
      if (!nt || nt === "\\REGISTRY") throw new RegSyntaxError(`unknown root key ${JSON.stringify(inner.split("\\")[0])} (use HKEY_LOCAL_MACHINE, HKEY_USERS, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT or HKEY_CURRENT_CONFIG)`, lineNo, indent + (del ? 3 : 2));
      checkKeyLimits(inner, lineNo, indent + (del ? 3 : 2));
      if (del) {
        ops.push({ op: "delete-key", path: nt, line: lineNo });
        current = null;
      } else {
        ops.push({ op: "key", path: nt, line: lineNo });
        current = nt;
      }
      continue;
    }
    // A value line, possibly continued with a trailing backslash (hex lists). Only the line just
    // read is tested for the backslash and the pieces are joined once: a hex list continued over
    // hundreds of thousands of lines stays linear.
    const cols: { offset: number; line: number; col0: number }[] = [{ offset: 0, line: lineNo, col0: 0 }];
    const pieces: string[] = [];
    let joinedLength = 0;
    let piece = line;
    if (TRAILING_BACKSLASH.test(piece) && isHexContinuation(piece)) {
      while (TRAILING_BACKSLASH.test(piece)) {
        piece = piece.replace(TRAILING_BACKSLASH, "");
        pieces.push(piece);
        joinedLength += piece.length;
        if (idx >= rawLines.length) {
          piece = "";
          break;
        }
        const nextRaw = rawLines[idx]!;
        const lead = nextRaw.length - nextRaw.trimStart().length;
        cols.push({ offset: joinedLength, line: idx + 1, col0: lead });
        piece = nextRaw.trimStart();
        idx++;
      }
    }
    pieces.push(piece);
    const joined = pieces.length === 1 ? pieces[0]! : pieces.join("");
    const where = (offset: number): [number, number] => {
      // The last piece starting at or before offset (cols is sorted by offset).
      let lo = 0;
      let hi = cols.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (cols[mid]!.offset <= offset) lo = mid;
        else hi = mid - 1;
      }
      const c = cols[lo]!;
      return [c.line, offset - c.offset + c.col0 + 1];
    };
    const fail = (detail: string, offset: number): never => {
      const [l, col] = where(offset);
      throw new RegSyntaxError(detail, l, col);
    };
    if (current === null) fail("value outside of a key (add a [HKEY_...] line before it)", indent);
    line = joined;
    let p = indent;
    let name: string;
    if (line[p] === "@") {
      name = "";
      p++;
    } else if (line[p] === '"') {
      const r = readQuoted(line, p, fail);
      name = r.value;
      p = r.end;
      if (name.length > REG_LIMITS.valueNameChars) fail(`value name of ${name.length} characters; the registry allows ${REG_LIMITS.valueNameChars}`, p);
    } else {
      return fail(`expected a value name in quotes or @, found ${JSON.stringify(line.slice(p, p + 20))}`, p);
    }
    while (line[p] === " " || line[p] === "\t") p++;
    if (line[p] !== "=") fail("expected '=' after the value name", p);
    p++;
    while (line[p] === " " || line[p] === "\t") p++;
    const dataStart = p;
    const rest = line.slice(p).trimEnd();
    const path = current!;
    if (rest === "-") {
      ops.push({ op: "delete-value", path, name, line: lineNo });
      continue;
    }
    if (rest.startsWith('"')) {
      const r = readQuoted(line, p, fail);
      const tail = line.slice(r.end).trim();
      if (tail !== "" && !tail.startsWith(";")) fail(`unexpected text after the string: ${JSON.stringify(tail.slice(0, 30))}`, r.end);
      ops.push({ op: "value", path, name, type: REG_SZ, data: version === "4" ? ansiToUtf16z(r.value) : utf16z(r.value), line: lineNo });
      continue;
    }
    const lower = rest.toLowerCase();
    if (lower.startsWith("dword:")) {
      const hex = rest.slice(6).replace(/;.*$/, "").trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) fail(`dword value must be 1 to 8 hex digits, found ${JSON.stringify(hex)}`, dataStart + 6);
      const v = parseInt(hex, 16) >>> 0;
      const data = new Uint8Array(4);
      new DataView(data.buffer).setUint32(0, v, true);
      ops.push({ op: "value", path, name, type: REG_DWORD, data, line: lineNo });
      continue;
    }
    const hm = /^hex(?:\(([0-9a-fA-F]{1,8})\))?:/i.exec(rest);
    if (hm) {
      const type = hm[1] === undefined ? REG_BINARY : parseInt(hm[1], 16) >>> 0;
      const listStart = dataStart + hm[0].length;
      const list = line.slice(listStart).replace(/;.*$/, "");
      const bytes: number[] = [];
      if (list.trim() !== "") {
        let off = listStart;
        for (const item of list.split(",")) {
          const t = item.trim();
          const col = off + (item.length - item.trimStart().length);
          if (!/^[0-9a-fA-F]{1,2}$/.test(t)) fail(`expected a hex byte (00-ff), found ${JSON.stringify(t.slice(0, 10))}`, col);
          bytes.push(parseInt(t, 16));
          off += item.length + 1;
        }
      }
      let data: Uint8Array = Uint8Array.from(bytes);
      if (version === "4" && (type === REG_EXPAND_SZ || type === REG_MULTI_SZ)) data = ansiBytesToUtf16(data);
      ops.push({ op: "value", path, name, type, data, line: lineNo });
      continue;
    }
    fail(`unknown value data ${JSON.stringify(rest.slice(0, 30))} (expected "string", dword:, hex:, hex(N): or -)`, dataStart);
  }
  return { version, encoding, operations: ops };
}

const TRAILING_BACKSLASH = /\\[ \t]*$/;

/** Windows registry limits (Microsoft Learn, "Registry element size limits"). */
export const REG_LIMITS = { keyNameChars: 255, depth: 512, valueNameChars: 16383 };

/** A key path within the configuration manager's limits: 255 characters per key name, 512 levels. */
function checkKeyLimits(inner: string, line: number, col: number): void {
  const parts = inner.split("\\");
  if (parts.length > REG_LIMITS.depth) throw new RegSyntaxError(`key path is ${parts.length} levels deep; the registry allows ${REG_LIMITS.depth}`, line, col);
  let at = col;
  for (const part of parts) {
    if (part.length > REG_LIMITS.keyNameChars) throw new RegSyntaxError(`key name of ${part.length} characters; the registry allows ${REG_LIMITS.keyNameChars}`, line, at);
    at += part.length + 1;
  }
}

/** A line continues with `\` only in a hex list; a string value ending with `\"` is complete. */
function isHexContinuation(line: string): boolean {
  return /=\s*hex(\([0-9a-fA-F]+\))?:/i.test(line);
}

function readQuoted(line: string, start: number, fail: (d: string, o: number) => never): { value: string; end: number } {
  let p = start + 1;
  let value = "";
  for (;;) {
    if (p >= line.length) fail("unterminated string (missing closing quote)", start);
    const c = line[p]!;
    if (c === '"') return { value, end: p + 1 };
    if (c === "\\") {
      const e = line[p + 1];
      if (e === "\\" || e === '"') {
        value += e;
        p += 2;
        continue;
      }
      if (e === undefined) fail("unterminated string (backslash at the end of the line)", p);
      // regedit keeps an unknown escape as the backslash itself.
      value += "\\";
      p++;
      continue;
    }
    value += c;
    p++;
  }
}

function utf16z(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2 + 2);
  for (let i = 0; i < s.length; i++) {
    out[i * 2] = s.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = s.charCodeAt(i) >>> 8;
  }
  return out;
}

function ansiToUtf16z(s: string): Uint8Array {
  return utf16z(s);
}

function ansiBytesToUtf16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) out[i * 2] = b[i]!;
  return out;
}

/** The registry's string encoding: UTF-16LE with a terminating NUL (REG_SZ / REG_EXPAND_SZ data). */
export function encodeRegString(s: string): Uint8Array {
  return utf16z(s);
}

/** REG_MULTI_SZ data: each string NUL-terminated, then one more NUL. */
export function encodeRegMultiString(list: string[]): Uint8Array {
  return utf16z(list.map((s) => s + "\0").join(""));
}

/** Decode REG_SZ/REG_EXPAND_SZ data (stops at the first NUL). */
export function decodeRegString(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < data.length; i += 2) {
    const c = data[i]! | (data[i + 1]! << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Decode REG_MULTI_SZ data into its strings. */
export function decodeRegMultiString(data: Uint8Array): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i + 1 < data.length; i += 2) {
    const c = data[i]! | (data[i + 1]! << 8);
    if (c === 0) {
      if (cur === "") break;
      out.push(cur);
      cur = "";
    } else cur += String.fromCharCode(c);
  }
  if (cur !== "") out.push(cur);
  return out;
}
