/**
 * The sandboxed volume behind the Zw*File routines. Drive C: is emulated; its \Windows folder
 * (\SystemRoot) is the host folder given as --root, read only; every other folder of C: exists
 * only in memory. Writes, creations, renames and deletions go to an in-memory overlay and never
 * reach the host.
 *
 * Safety: an NT path is split into components, "." and ".." and names NTFS forbids are refused
 * (STATUS_OBJECT_NAME_INVALID) before any host access; host lookups walk the root one directory
 * entry at a time, matching names case-insensitively among the entries `readdir` lists, and never
 * follow a symbolic link; so no name in a driver reaches a host path outside the root.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";

export const MAX_FILE = 64 << 20;

export interface VolumeNode {
  kind: "file" | "dir";
  /** Display name (as created / as on the host). */
  name: string;
  /** File contents (loaded lazily for host files). */
  data?: Uint8Array;
  /** 100 ns system time of the last write (the boot time for host files, so runs stay deterministic). */
  written: bigint;
  attributes: number;
}

export interface Volume {
  /** Real path of the --root folder, or null (an empty \Windows). */
  root: string | null;
  /** Overlay: lower-case volume path ("c/windows/x.txt") → node, or null when deleted. */
  overlay: Map<string, VolumeNode | null>;
  bootTime: bigint;
}

export function createVolume(root: string | null, bootTime: bigint): Volume {
  let real: string | null = null;
  if (root !== null) {
    try {
      real = realpathSync(root);
    } catch {
      real = null;
    }
  }
  return { root: real, overlay: new Map(), bootTime };
}

/** The volume's device, C:'s target (ObQueryNameString of a file on it starts with this). */
export const VOLUME_DEVICE = "\\Device\\HarddiskVolume1";

export type PathResult = { ok: true; parts: string[] } | { ok: false; status: "invalid" | "not-volume" };

const INVALID = /[<>:"|?*\u0000-\u001f]/;

/**
 * `\SystemRoot\x`, `\??\C:\x`, `\DosDevices\C:\x`, `\GLOBAL??\C:\x`, `\Device\HarddiskVolume1\x`
 * → ["c", ...components] ("windows" first under \SystemRoot). Anything else is not on the volume.
 */
export function volumePath(nt: string): PathResult {
  let rest: string;
  const lower = nt.toLowerCase();
  if (lower === "\\systemroot" || lower.startsWith("\\systemroot\\")) rest = "Windows" + nt.slice("\\SystemRoot".length);
  else {
    const m = /^\\(?:\?\?|dosdevices|global\?\?)\\c:(\\.*)?$/i.exec(nt) ?? /^\\device\\harddiskvolume1(\\.*)?$/i.exec(nt);
    if (!m) return { ok: false, status: "not-volume" };
    rest = m[1] ?? "";
  }
  const parts = rest.split("\\").filter((p, i, all) => p !== "" || (i > 0 && i < all.length - 1));
  for (const p of parts) if (p === "" || p === "." || p === ".." || INVALID.test(p) || p.length > 255) return { ok: false, status: "invalid" };
  return { ok: true, parts };
}

const key = (parts: string[]) => parts.map((p) => p.toLowerCase()).join("/");
export const displayPath = (parts: string[]) => "C:\\" + parts.join("\\");

/** Host path of a volume path under the root (walking real entries, no symlinks), or null. */
function hostPath(v: Volume, parts: string[]): string | null {
  if (v.root === null || parts.length === 0 || parts[0]!.toLowerCase() !== "windows") return null;
  let cur = v.root;
  for (const p of parts.slice(1)) {
    let entries: string[];
    try {
      entries = readdirSync(cur);
    } catch {
      return null;
    }
    const hit = entries.find((e) => e.toLowerCase() === p.toLowerCase());
    if (!hit) return null;
    const next = join(cur, hit);
    try {
      if (lstatSync(next).isSymbolicLink()) return null;
    } catch {
      return null;
    }
    cur = next;
  }
  return cur;
}

function hostNode(v: Volume, parts: string[]): VolumeNode | null {
  if (parts.length === 0) return { kind: "dir", name: "", written: v.bootTime, attributes: 0x10 };
  if (parts.length === 1 && parts[0]!.toLowerCase() === "windows") return { kind: "dir", name: "Windows", written: v.bootTime, attributes: 0x10 };
  const h = hostPath(v, parts);
  if (h === null) return null;
  try {
    const st = lstatSync(h);
    const name = h.slice(h.lastIndexOf("/") + 1);
    if (st.isDirectory()) return { kind: "dir", name, written: v.bootTime, attributes: 0x10 };
    if (st.isFile()) return { kind: "file", name, written: v.bootTime, attributes: 0x20 };
  } catch {
    /* gone */
  }
  return null;
}

/** The node at a path: overlay first, then the host under --root. */
export function lookup(v: Volume, parts: string[]): VolumeNode | null {
  const k = key(parts);
  if (v.overlay.has(k)) return v.overlay.get(k)!;
  // A deleted ancestor hides everything below it.
  for (let i = parts.length - 1; i > 0; i--) if (v.overlay.get(key(parts.slice(0, i))) === null) return null;
  return hostNode(v, parts);
}

/** Contents of a file node (host files are read on first use, at most MAX_FILE bytes). */
export function contents(v: Volume, parts: string[], node: VolumeNode): Uint8Array {
  if (node.data) return node.data;
  const h = hostPath(v, parts);
  let data = new Uint8Array(0);
  if (h !== null) {
    try {
      const st = lstatSync(h);
      if (st.isFile() && st.size <= MAX_FILE) data = new Uint8Array(readFileSync(h));
    } catch {
      /* unreadable: empty */
    }
  }
  node.data = data;
  return data;
}

/** Put a node in the overlay (created, written, renamed). */
export function put(v: Volume, parts: string[], node: VolumeNode): void {
  v.overlay.set(key(parts), node);
}
export function remove(v: Volume, parts: string[]): void {
  v.overlay.set(key(parts), null);
}

/** Children of a directory: host entries and overlay entries, minus deletions, sorted case-insensitively. */
export function children(v: Volume, parts: string[]): VolumeNode[] {
  const out = new Map<string, VolumeNode>();
  const h = parts.length === 0 ? null : parts.length === 1 && parts[0]!.toLowerCase() === "windows" ? v.root : hostPath(v, parts);
  if (parts.length === 0) out.set("windows", { kind: "dir", name: "Windows", written: v.bootTime, attributes: 0x10 });
  if (h !== null && v.root !== null) {
    try {
      for (const e of readdirSync(h)) {
        const n = hostNode(v, [...parts, e]);
        if (n) out.set(e.toLowerCase(), n);
      }
    } catch {
      /* not a directory */
    }
  }
  const prefix = key(parts) + (parts.length ? "/" : "");
  for (const [k, n] of v.overlay) {
    if (!k.startsWith(prefix) || k.slice(prefix.length).includes("/") || k === key(parts)) continue;
    const leaf = k.slice(prefix.length);
    if (n === null) out.delete(leaf);
    else out.set(leaf, n);
  }
  return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, n]) => n);
}

/** Windows-style wildcard match (`*`, `?`; case-insensitive), the subset drivers use with ZwQueryDirectoryFile. */
export function wildcard(pattern: string, name: string): boolean {
  const re = new RegExp("^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "is");
  return re.test(name);
}
