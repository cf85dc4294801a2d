/**
 * How a user-mode program's path reaches a device: the Win32 prefix `\\.\` is `\??\` (as
 * RtlDosPathNameToNtPathName turns it), `\??\` and `\DosDevices\` are the global DOS-devices
 * directory `\GLOBAL??\`, `\GLOBAL??\GLOBALROOT` is the root of the object namespace, and the
 * object manager walks the path component by component: a symbolic link (IoCreateSymbolicLink)
 * is replaced by its target and the walk starts again; a device object ends the walk, and what is
 * left of the path is the file name the device's driver sees in FILE_OBJECT.FileName
 * (IopParseDevice). Names compare case-insensitively.
 */
import type { KernelState } from "../api/types.js";
import { canonical, ioState } from "../iomgr/index.js";

/** Symbolic-link substitutions before giving up (the object manager's limit is 32 reparses). */
const MAX_REPARSE = 32;

export type Resolved =
  | { ok: true; device: bigint; deviceName: string; fileName: string; via: string[] }
  | { ok: false; status: number; message: string };

const STATUS_OBJECT_NAME_NOT_FOUND = 0xc0000034;
const STATUS_OBJECT_PATH_NOT_FOUND = 0xc000003a;
const STATUS_OBJECT_NAME_INVALID = 0xc0000033;
const STATUS_OBJECT_PATH_SYNTAX_BAD = 0xc000003b;

/** Object directories of a booted system (canonical: upper case; \\ is the root). */
const OBJECT_DIRECTORIES = new Set(["\\", "DEVICE", "GLOBAL??", "??", "DOSDEVICES", "DRIVER", "FILESYSTEM", "BASENAMEDOBJECTS", "CALLBACK", "KERNELOBJECTS", "OBJECTTYPES", "SESSIONS", "RPC CONTROL", "ARCNAME"].map((d) => (d === "\\" ? d : "\\" + d)));

/** A Win32 or NT path as an NT object name: `\\.\X` → `\??\X`; NT paths stay. */
export function ntPathOf(path: string): string | null {
  if (/^\\\\[.?]\\/.test(path)) return "\\??\\" + path.slice(4);
  if (path.startsWith("\\")) return path;
  return null;
}

/** Resolve `path` to a device object and the rest of the path (the file name the driver sees). */
export function resolveDevicePath(kernel: KernelState, path: string): Resolved {
  const nt = ntPathOf(path);
  if (nt === null) return { ok: false, status: STATUS_OBJECT_PATH_SYNTAX_BAD, message: `${path}: not a path like \\\\.\\Name, \\??\\Name or \\Device\\Name` };
  if (/[\x00-\x1f]/.test(nt) || nt.includes("\\\\")) return { ok: false, status: STATUS_OBJECT_NAME_INVALID, message: `${path}: the name has an empty component` };
  const io = ioState(kernel);
  const via: string[] = [];
  let name = nt;
  for (let hops = 0; hops <= MAX_REPARSE; hops++) {
    // \GLOBAL??\GLOBALROOT is a link to the root of the namespace ("").
    const c = canonical(name);
    if (c === "\\GLOBAL??\\GLOBALROOT" || c.startsWith("\\GLOBAL??\\GLOBALROOT\\")) {
      via.push(name);
      name = name.replace(/^\\(\?\?|GLOBAL\?\?|DosDevices)(\\Global)*\\GLOBALROOT/i, "") || "\\";
      continue;
    }
    // Longest prefix first is what a component-by-component walk finds, since a device or a link
    // ends the walk at the first component that names one: walk components from the left.
    const parts = name.split("\\").slice(1);
    let found: { kind: "device"; at: number; dev: bigint } | { kind: "link"; at: number; target: string } | null = null;
    for (let i = 1; i <= parts.length && !found; i++) {
      const prefix = "\\" + parts.slice(0, i).join("\\");
      const key = canonical(prefix);
      const dev = io.names.get(key);
      if (dev !== undefined && !io.devices.get(dev)?.deleted) found = { kind: "device", at: i, dev };
      else {
        const target = io.links.get(key);
        if (target !== undefined) found = { kind: "link", at: i, target };
      }
    }
    if (!found) {
      const parent = canonical("\\" + parts.slice(0, -1).join("\\"));
      const directory = parts.length > 1 && !OBJECT_DIRECTORIES.has(parent);
      return { ok: false, status: directory ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND, message: `${path}: no device or symbolic link ${via.length ? `(after ${via.join(" → ")} → ${name}) ` : ""}in the object namespace` };
    }
    const rest = parts.slice(found.at);
    const restText = rest.length ? "\\" + rest.join("\\") : "";
    if (found.kind === "device") {
      const deviceName = "\\" + parts.slice(0, found.at).join("\\");
      return { ok: true, device: found.dev, deviceName, fileName: restText, via: [...via, name] };
    }
    via.push(name);
    name = found.target.replace(/\\+$/, "") + restText;
    if (!name.startsWith("\\")) return { ok: false, status: STATUS_OBJECT_NAME_INVALID, message: `${path}: the symbolic link ${"\\" + parts.slice(0, found.at).join("\\")} points at "${found.target}", which is not an object name` };
  }
  return { ok: false, status: 0xc0000280 /* STATUS_REPARSE_POINT_NOT_RESOLVED */, message: `${path}: more than ${MAX_REPARSE} symbolic links (a loop?): ${via.slice(0, 6).join(" → ")} …` };
}
