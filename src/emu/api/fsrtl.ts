/**
 * File system run-time library routines drivers use on names and files: FsRtlIsNameInExpression,
 * FsRtlDoesNameContainWildCards, FsRtlDissectName, FsRtlAreNamesEqual, FsRtlGetFileSize.
 *
 * Semantics (Microsoft Learn, the routines' pages; ntifs.h for the DOS wildcards): `*` matches any
 * run of characters, `?` one character; DOS_STAR `<` any run that does not take the name's final
 * period, DOS_QM `>` one character, or nothing at a period or the end of the name, DOS_DOT `"` a
 * period or nothing at the end. With IgnoreCase the expression must already be upper case and the
 * name is upcased (through UpcaseTable when given). The match is a set-of-positions automaton over
 * the expression: time bounded by the product of the two lengths (each at most 32767 characters),
 * no recursion.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, q, readCounted, upcaseChar, writeCounted } from "./util.js";
import { objectManager } from "./ob.js";
import { contents, lookup, volumePath, VOLUME_DEVICE } from "../volume/volume.js";
import { volumeOf } from "./file.js";

const [STAR, QM, DOS_STAR, DOS_QM, DOS_DOT, DOT] = [0x2a, 0x3f, 0x3c, 0x3e, 0x22, 0x2e];
const WILD = new Set([STAR, QM, DOS_STAR, DOS_QM, DOS_DOT]);

/** A UNICODE_STRING's UTF-16 code units (Length / 2 of them). */
function units(ctx: ApiContext, us: bigint): Uint16Array {
  const s = readCounted(ctx.mem, us);
  const n = s.length >> 1;
  const bytes = n ? ctx.mem.read(s.buffer, n * 2) : new Uint8Array(0);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

const text = (u: Uint16Array) => String.fromCharCode(...u.subarray(0, 200));

/** Upcase through the caller's table (256 KiB: one WCHAR per character) or the system's. */
function upcaser(ctx: ApiContext, table: bigint): (c: number) => number {
  if (table === 0n) return upcaseChar;
  return (c) => ctx.mem.u16(table + BigInt(2 * c));
}

/** Whether `name` matches `expr` (both code units); `up` applied to name characters. */
export function nameInExpression(expr: Uint16Array, name: Uint16Array, up: ((c: number) => number) | null): boolean {
  const E = expr.length;
  const N = name.length;
  if (E === 1 && expr[0] === STAR) return true;
  if (E === 0 || N === 0) return E === N;
  let lastDot = -1;
  for (let i = 0; i < N; i++) if (name[i] === DOT) lastDot = i;
  let set = new Uint8Array(E + 1);
  let next = new Uint8Array(E + 1);
  set[0] = 1;
  const closure = (s: Uint8Array, n: number) => {
    const atEnd = n === N;
    for (let e = 0; e < E; e++) {
      if (!s[e]) continue;
      const c = expr[e]!;
      if (c === STAR || c === DOS_STAR || (c === DOS_QM && (atEnd || name[n] === DOT)) || (c === DOS_DOT && atEnd)) s[e + 1] = 1;
    }
  };
  for (let n = 0; n < N; n++) {
    closure(set, n);
    next.fill(0);
    const raw = name[n]!;
    const ch = up ? up(raw) : raw;
    let any = false;
    for (let e = 0; e < E; e++) {
      if (!set[e]) continue;
      const c = expr[e]!;
      let stay = false;
      let adv = false;
      if (c === STAR) stay = true;
      else if (c === DOS_STAR) stay = !(raw === DOT && n === lastDot);
      else if (c === QM) adv = true;
      else if (c === DOS_QM) adv = raw !== DOT;
      else if (c === DOS_DOT) adv = raw === DOT;
      else adv = c === ch;
      if (stay) next[e] = 1;
      if (adv) next[e + 1] = 1;
      any ||= stay || adv;
    }
    if (!any) return false;
    [set, next] = [next, set];
  }
  closure(set, N);
  return set[E] === 1;
}

/** A file object's path on the sandboxed volume (the file objects api/file-object.ts makes), or null. */
function volumeParts(ctx: ApiContext, fo: bigint): string[] | null {
  const o = objectManager(ctx.kernel).objects.get(fo);
  if (!o || o.type !== "File" || !o.name?.startsWith(VOLUME_DEVICE)) return null;
  const r = volumePath(o.name);
  return r.ok ? r.parts : null;
}

export const apis: ApiDefinition[] = [
  nt("FsRtlIsNameInExpression", 4, (ctx) => {
    const expr = units(ctx, ctx.arg(0));
    const name = units(ctx, ctx.arg(1));
    const ignoreCase = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe(() => [q(text(expr)), q(text(name)), ignoreCase ? "TRUE" : "FALSE", hex(ctx.arg(3))]);
    return nameInExpression(expr, name, ignoreCase ? upcaser(ctx, ctx.arg(3)) : null) ? 1 : 0;
  }),
  nt("FsRtlDoesNameContainWildCards", 1, (ctx) => {
    const name = units(ctx, ctx.arg(0));
    ctx.describe(() => [q(text(name))]);
    return name.some((c) => WILD.has(c)) ? 1 : 0;
  }),
  // FsRtlDissectName(Path, *FirstName, *RemainingName): Path is a UNICODE_STRING by value (x64: a
  // pointer to the caller's copy; x86: Length/MaximumLength then Buffer on the stack). One leading
  // backslash is skipped; the results point into Path's buffer.
  nt("FsRtlDissectName", 4, (ctx) => {
    const x64 = ptrSize() === 8;
    const path = x64 ? readCounted(ctx.mem, ctx.arg(0)) : { length: ctx.u32(0) & 0xffff, maximumLength: ctx.u32(0) >>> 16, buffer: BigInt(ctx.u32(1)) };
    const [first, rest] = x64 ? [ctx.arg(1), ctx.arg(2)] : [ctx.arg(2), ctx.arg(3)];
    const n = path.length >> 1;
    const bytes = n ? ctx.mem.read(path.buffer, n * 2) : new Uint8Array(0);
    const at = (i: number) => bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    ctx.describe([hex(path.buffer), String(path.length), hex(first), hex(rest)]);
    writeCounted(ctx.mem, first, { length: 0, maximumLength: 0, buffer: 0n });
    writeCounted(ctx.mem, rest, { length: 0, maximumLength: 0, buffer: 0n });
    if (n === 0) return;
    let i = at(0) === 0x5c ? 1 : 0;
    const start = i;
    while (i < n && at(i) !== 0x5c) i++;
    writeCounted(ctx.mem, first, { length: (i - start) * 2, maximumLength: (i - start) * 2, buffer: path.buffer + BigInt(start * 2) });
    if (i < n) writeCounted(ctx.mem, rest, { length: (n - i - 1) * 2, maximumLength: (n - i - 1) * 2, buffer: path.buffer + BigInt((i + 1) * 2) });
  }),
  nt("FsRtlAreNamesEqual", 4, (ctx) => {
    const a = units(ctx, ctx.arg(0));
    const b = units(ctx, ctx.arg(1));
    const ignoreCase = (ctx.u32(2) & 0xff) !== 0;
    ctx.describe(() => [q(text(a)), q(text(b)), ignoreCase ? "TRUE" : "FALSE"]);
    if (a.length !== b.length) return 0;
    const up = ignoreCase ? upcaser(ctx, ctx.arg(3)) : (c: number) => c;
    for (let i = 0; i < a.length; i++) if (up(a[i]!) !== up(b[i]!)) return 0;
    return 1;
  }),
  // FsRtlGetFileSize(FileObject, *FileSize): the end of file of a file on the volume; a directory →
  // STATUS_FILE_IS_A_DIRECTORY. File objects on other devices: the query is not modelled
  // (STATUS_INVALID_DEVICE_REQUEST, what a device that is no file system answers).
  nt("FsRtlGetFileSize", 2, (ctx) => {
    const [fo, out] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(fo), hex(out)]);
    ctx.mem.u16(fo); // the file object is read (a wild pointer faults)
    const parts = volumeParts(ctx, fo);
    if (!parts) return STATUS.INVALID_DEVICE_REQUEST;
    const v = volumeOf(ctx.kernel);
    const node = lookup(v, parts);
    if (!node) return 0xc0000056; // STATUS_DELETE_PENDING
    if (node.kind === "dir") return 0xc00000ba; // STATUS_FILE_IS_A_DIRECTORY
    ctx.mem.setU64(out, BigInt(contents(v, parts, node).length));
    return STATUS.SUCCESS;
  }),
];
