/**
 * The output sanitiser: every text kmdll writes to a terminal goes through `terminalText`, so
 * that names read from files (sections, exports, imports, DLL and file names) and text a driver
 * prints (DbgPrint) cannot move the cursor, clear the screen, set the window title, switch
 * character sets or hide part of a line. Control characters are shown escaped instead:
 *
 * - C0 controls other than newline and tab (ESC is `\x1b`, CR `\x0d`, BEL `\x07`), DEL (`\x7f`)
 *   and the C1 controls U+0080–U+009F (`\x9b` is CSI on some terminals) as `\xNN`;
 * - Unicode format characters that reorder or hide text (bidirectional overrides and isolates,
 *   zero-width characters, the line and paragraph separators) as `\u{NNNN}`.
 *
 * JSON needs none of this: `jsonText` writes those same characters as JSON `\uNNNN` escapes, so a
 * JSON document is still exact (it parses to the original strings) and still safe to print.
 * Pure.
 */

/** Characters a terminal acts on instead of showing (newline and tab excepted). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** Text with every control and text-reordering character shown escaped (newline and tab kept). */
export function terminalText(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** Like terminalText, but newlines and tabs are escaped too: for one field shown on one line. */
export function terminalLine(s: string): string {
  return terminalText(s).replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}

/** Whether a string holds any character terminalText would escape. */
export function hasUnsafeText(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s);
}

/**
 * JSON.stringify for kmdll's output: bigints as "0x…" hex strings, and the characters above that
 * JSON.stringify leaves raw (DEL, C1, format characters) written as `\uNNNN` escapes — the same
 * value to any JSON parser, inert on a terminal.
 */
export function jsonText(value: unknown, indent?: number): string {
  let s: string | undefined;
  try {
    // Without a replacer JSON.stringify stays in native code (about twice as fast on a large
    // scan report); it throws a TypeError on the first bigint, and then the replacer is used.
    s = JSON.stringify(value, null, indent);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    s = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? "0x" + v.toString(16) : v), indent);
  }
  if (s === undefined) return "null";
  return escapeJsonUnsafe(s);
}

/** JSON text with the characters terminalText would escape written as `\uNNNN` (jsonText's last step). */
export function escapeJsonUnsafe(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : s;
}
