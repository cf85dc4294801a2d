/**
 * An indented JSON document written in pieces: the same text as `jsonText(value, indent)`, byte
 * for byte, handed to a writer a batch at a time instead of as one string. A large document
 * (`scan --json` over wine64 is 8.8 MB) as one string costs a copy per pass: V8's JSON builder
 * grows one buffer to the whole size, a single non-Latin-1 character ("→" in a finding) makes
 * all of it two-byte text (17.6 MB), the escape check runs over all of it, and encoding it as
 * UTF-8 fills a fresh 8.8 MB buffer. Here the top levels of plain objects and arrays are laid
 * out by hand and everything below them is one `JSON.stringify` each, indented by V8 for its
 * depth; the escapes of `jsonText` are applied to each batch. Pure (the writer aside).
 */
import { escapeJsonUnsafe, jsonText } from "./terminal.js";

/** Containers above this depth are laid out here; deeper values are one JSON.stringify each. */
const SPLIT_DEPTH = 2;
/** Characters per batch handed to the writer. */
const BATCH_CHARS = 1 << 16;

function bigintHex(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? "0x" + v.toString(16) : v;
}

/** JSON.stringify(v, null, indent) as jsonText makes it (bigints as hex), without the escapes. */
function stringify(v: unknown, indent: number): string | undefined {
  try {
    return JSON.stringify(v, null, indent);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(v, bigintHex, indent);
  }
}

/** An array or an object JSON.stringify serialises by its own enumerable keys, with no toJSON. */
function isLaidOut(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== "object") return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

class Pieces {
  private parts: string[] = [];
  private chars = 0;
  private readonly pads: string[] = [""];
  private readonly wrap: [string, string][] = [["", ""]];
  constructor(
    private readonly indent: number,
    /** Takes a batch: its pieces in order and their length in characters (the array is reused). */
    private readonly write: (parts: readonly string[], chars: number) => void,
  ) {}

  pad(depth: number): string {
    while (this.pads.length <= depth) this.pads.push(" ".repeat(this.indent * this.pads.length));
    return this.pads[depth]!;
  }

  push(s: string): void {
    this.parts.push(s);
    this.chars += s.length;
    if (this.chars >= BATCH_CHARS) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts, this.chars);
    this.parts.length = 0;
    this.chars = 0;
  }

  /** A value at `depth`, after its key or its array slot's indentation has been pushed. */
  value(v: unknown, depth: number): void {
    if (depth < SPLIT_DEPTH && isLaidOut(v)) {
      if (Array.isArray(v)) this.array(v, depth);
      else this.object(v, depth);
      return;
    }
    // In an array, a toJSON that returns undefined gives null, as in JSON.stringify.
    this.push(this.leaf(v, depth) ?? "null");
  }

  /**
   * JSON.stringify's text of v at `depth`: v stringified inside `depth` one-element arrays, so
   * that V8 indents its lines, then the arrays' brackets cut off (a substring, not a pass of
   * re-indentation over the text). Undefined when JSON.stringify leaves v out.
   */
  leaf(v: unknown, depth: number): string | undefined {
    if (depth === 0 || v === null || typeof v !== "object") return stringify(v, this.indent);
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
      const s = stringify(v, this.indent);
      return s !== undefined && s.includes("\n") ? s.replaceAll("\n", "\n" + this.pad(depth)) : s;
    }
    let wrapped: unknown = v;
    for (let i = 0; i < depth; i++) wrapped = [wrapped];
    const s = stringify(wrapped, this.indent)!;
    const [open, close] = this.brackets(depth);
    return s.slice(open.length, s.length - close.length);
  }

  /** The text before and after a value wrapped in `depth` one-element arrays. */
  brackets(depth: number): [string, string] {
    while (this.wrap.length <= depth) {
      const d = this.wrap.length;
      const [open, close] = this.wrap[d - 1]!;
      this.wrap.push([open + "[\n" + this.pad(d), "\n" + this.pad(d - 1) + "]" + close]);
    }
    return this.wrap[depth]!;
  }

  array(a: unknown[], depth: number): void {
    if (a.length === 0) return this.push("[]");
    const inner = this.pad(depth + 1);
    for (let i = 0; i < a.length; i++) {
      this.push(i === 0 ? "[\n" + inner : ",\n" + inner);
      const x = a[i];
      // JSON.stringify writes null for undefined, functions and symbols in arrays.
      if (x === undefined || typeof x === "function" || typeof x === "symbol") this.push("null");
      else this.value(x, depth + 1);
    }
    this.push("\n" + this.pad(depth) + "]");
  }

  object(o: Record<string, unknown>, depth: number): void {
    const inner = this.pad(depth + 1);
    let first = true;
    for (const k of Object.keys(o)) {
      const x = o[k];
      // JSON.stringify leaves out members whose value is undefined, a function or a symbol.
      if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
      const key = JSON.stringify(k) + ": ";
      if (depth + 1 < SPLIT_DEPTH && isLaidOut(x)) {
        this.push((first ? "{\n" : ",\n") + inner + key);
        this.value(x, depth + 1);
      } else {
        const s = this.leaf(x, depth + 1);
        if (s === undefined) continue; // a toJSON that returned undefined
        this.push((first ? "{\n" : ",\n") + inner + key);
        this.push(s);
      }
      first = false;
    }
    this.push(first ? "{}" : "\n" + this.pad(depth) + "}");
  }
}

/**
 * Write `jsonText(value, indent)` (no final newline) through `write`, in batches of about
 * 64 Ki characters. Values that are not a plain object or array are written as jsonText makes
 * them in one piece.
 */
export function writeJsonPieces(value: unknown, indent: number, write: (s: string) => void): void {
  if (!isLaidOut(value)) {
    write(jsonText(value, indent));
    return;
  }
  const p = new Pieces(indent, (parts) => write(escapeJsonUnsafe(parts.join(""))));
  p.value(value, 0);
  p.flush();
}

/**
 * UTF-8 of what escapeJsonUnsafe may change in JSON text: DEL, the lead bytes of C1 and of the
 * format characters. (C0 controls cannot occur raw: JSON.stringify escapes them in strings, and
 * its layout has only newlines and spaces.)
 */
const SUSPECT = [
  Buffer.from([0x7f]), // DEL
  Buffer.from([0xc2]), // U+0080–U+00BF (C1 controls among them)
  Buffer.from([0xd8, 0x9c]), // U+061C
  Buffer.from([0xe2, 0x80]), // U+2000–U+203F (zero-width, separators, bidi embeddings)
  Buffer.from([0xe2, 0x81]), // U+2040–U+207F (bidi isolates, word joiner)
  Buffer.from([0xef, 0xbb]), // U+FEFF
  Buffer.from([0xef, 0xbf]), // U+FFC0–U+FFFF (interlinear annotations)
];

/** Whether UTF-8 bytes may hold a character escapeJsonUnsafe escapes (false: certainly none). */
function suspect(b: Buffer): boolean {
  for (const needle of SUSPECT) if (b.indexOf(needle) >= 0) return true;
  return false;
}

/**
 * writeJsonPieces as UTF-8 bytes: each batch is encoded into one reused buffer and handed to
 * `write` (which must be done with it when it returns). The escape check runs on the bytes
 * (a few native searches) and the text is escaped and encoded again only when one finds a
 * character that may need it: a regular expression over the text costs more than the encoding,
 * most of all over two-byte text (602 of wine64's 694 modules hold a "→").
 */
export function writeJsonBytes(value: unknown, indent: number, write: (b: Buffer) => void): void {
  if (!isLaidOut(value)) {
    write(Buffer.from(jsonText(value, indent), "utf8"));
    return;
  }
  // At most 3 UTF-8 bytes per UTF-16 unit; a batch is a little over BATCH_CHARS, or one large piece.
  let scratch = Buffer.allocUnsafeSlow(BATCH_CHARS * 4);
  const room = (chars: number): void => {
    if (chars * 3 > scratch.length) scratch = Buffer.allocUnsafeSlow(chars * 3);
  };
  const p = new Pieces(indent, (parts, chars) => {
    room(chars);
    // Each piece encoded in place, without joining them into one string first.
    let n = 0;
    for (const part of parts) n += scratch.write(part, n, "utf8");
    if (suspect(scratch.subarray(0, n))) {
      const text = escapeJsonUnsafe(parts.join(""));
      room(text.length);
      n = scratch.write(text, 0, "utf8");
    }
    write(scratch.subarray(0, n));
  });
  p.value(value, 0);
  p.flush();
}
