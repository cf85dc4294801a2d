/** Writer for .reg files (version 5.00 text; the caller encodes it, regedit uses UTF-16LE + BOM). */
import { REG_DWORD, REG_SZ, decodeRegString, type RegOperation } from "./parse.js";

const NT_ROOTS: [string, string][] = [
  ["\\REGISTRY\\MACHINE", "HKEY_LOCAL_MACHINE"],
  ["\\REGISTRY\\USER", "HKEY_USERS"],
];

function toRegPath(nt: string): string {
  for (const [prefix, root] of NT_ROOTS) if (nt.toUpperCase().startsWith(prefix)) return root + nt.slice(prefix.length);
  return nt;
}

function quote(s: string): string {
  return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
}

function hexList(prefixLen: number, data: Uint8Array): string {
  // regedit wraps at 80 columns with a trailing backslash and two spaces of indent
  let out = "";
  let col = prefixLen;
  data.forEach((b, i) => {
    const item = b.toString(16).padStart(2, "0") + (i < data.length - 1 ? "," : "");
    if (col + item.length > 78 && i < data.length - 1) {
      out += "\\\r\n  ";
      col = 2;
    }
    out += item;
    col += item.length;
  });
  return out;
}

/** Serialize operations as a version 5.00 .reg text (CRLF line ends, as regedit writes). */
export function formatRegFile(ops: RegOperation[]): string {
  let out = "Windows Registry Editor Version 5.00\r\n";
  let current: string | null = null;
  for (const op of ops) {
    if (op.op === "key" || op.op === "delete-key") {
      out += `\r\n[${op.op === "delete-key" ? "-" : ""}${toRegPath(op.path)}]\r\n`;
      current = op.op === "key" ? op.path : null;
      continue;
    }
    if (current !== op.path) {
      out += `\r\n[${toRegPath(op.path)}]\r\n`;
      current = op.path;
    }
    const name = op.name === "" ? "@" : quote(op.name);
    if (op.op === "delete-value") {
      out += `${name}=-\r\n`;
      continue;
    }
    const s = decodeRegString(op.data);
    if (op.type === REG_SZ && op.data.length === s.length * 2 + 2 && !/[\r\n]/.test(s)) out += `${name}=${quote(s)}\r\n`;
    else if (op.type === REG_DWORD && op.data.length === 4)
      out += `${name}=dword:${new DataView(op.data.buffer, op.data.byteOffset, 4).getUint32(0, true).toString(16).padStart(8, "0")}\r\n`;
    else {
      const prefix = `${name}=hex${op.type === 3 ? "" : `(${op.type.toString(16)})`}:`;
      out += prefix + hexList(prefix.length, op.data) + "\r\n";
    }
  }
  return out;
}
