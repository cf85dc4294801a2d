/**
 * The emulated registry: a tree of keys (names case-insensitive, case preserved) holding typed
 * values (raw bytes, as the configuration manager stores them). Seeded from .reg files
 * (src/formats/reg), read and written by the Zw* registry handlers (src/emu/api/zw.ts) and by the
 * loader (services' ImagePath / Start / Type).
 *
 * Paths are NT paths: `\REGISTRY\MACHINE\SYSTEM\CurrentControlSet\Services\x`. As in Windows,
 * `SYSTEM\CurrentControlSet` is a link to `SYSTEM\ControlSet001`.
 */
import {
  REG_DWORD,
  REG_QWORD,
  REG_SZ,
  REG_EXPAND_SZ,
  REG_MULTI_SZ,
  decodeRegMultiString,
  decodeRegString,
  encodeRegString,
  regPathToNt,
  regTypeName,
  type RegFile,
} from "../formats/reg/parse.js";

export interface RegistryValue {
  /** Name as written ("" = the default value). */
  name: string;
  type: number;
  data: Uint8Array;
}

export class RegistryKey {
  readonly name: string;
  readonly parent: RegistryKey | null;
  readonly subkeys = new Map<string, RegistryKey>();
  readonly values = new Map<string, RegistryValue>();
  /** Order of value insertion (for enumeration). */
  private valueOrder: string[] = [];
  /** Set when the key was deleted; open handles then fail with STATUS_KEY_DELETED. */
  deleted = false;
  /** A volatile key (REG_OPTION_VOLATILE). */
  volatile = false;
  /** Last write time in 100 ns units (deterministic: the registry's clock). */
  lastWrite = 0n;
  constructor(name: string, parent: RegistryKey | null) {
    this.name = name;
    this.parent = parent;
  }
  /** Full NT path of the key. */
  get path(): string {
    const parts: string[] = [];
    for (let k: RegistryKey | null = this; k; k = k.parent) parts.push(k.name);
    return "\\" + parts.reverse().join("\\");
  }
  subkey(name: string): RegistryKey | undefined {
    return this.subkeys.get(name.toLowerCase());
  }
  value(name: string): RegistryValue | undefined {
    return this.values.get(name.toLowerCase());
  }
  setValue(name: string, type: number, data: Uint8Array): void {
    const k = name.toLowerCase();
    if (!this.values.has(k)) this.valueOrder.push(k);
    this.values.set(k, { name: this.values.get(k)?.name ?? name, type, data: data.slice() });
  }
  deleteValue(name: string): boolean {
    const k = name.toLowerCase();
    if (!this.values.delete(k)) return false;
    this.valueOrder = this.valueOrder.filter((v) => v !== k);
    return true;
  }
  /** Values in insertion order. */
  valueList(): RegistryValue[] {
    return this.valueOrder.map((k) => this.values.get(k)!);
  }
  /** Subkeys sorted by upper-cased name, as the configuration manager enumerates them. */
  subkeyList(): RegistryKey[] {
    return [...this.subkeys.values()].sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : a.name.toUpperCase() > b.name.toUpperCase() ? 1 : 0));
  }
}

/** A JSON-friendly view of a value (for `kmdll` output and tests). */
export function describeValue(v: RegistryValue): { name: string; type: string; value: string | number | string[] | bigint } {
  const dv = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  let value: string | number | string[] | bigint;
  if (v.type === REG_DWORD && v.data.length >= 4) value = dv.getUint32(0, true);
  else if (v.type === REG_QWORD && v.data.length >= 8) value = dv.getBigUint64(0, true);
  else if (v.type === REG_SZ || v.type === REG_EXPAND_SZ) value = decodeRegString(v.data);
  else if (v.type === REG_MULTI_SZ) value = decodeRegMultiString(v.data);
  else value = [...v.data].map((b) => b.toString(16).padStart(2, "0")).join(",");
  return { name: v.name, type: regTypeName(v.type), value };
}

export class Registry {
  readonly root = new RegistryKey("REGISTRY", null);
  /** Link keys: lower-case full path → target full path. */
  private readonly links = new Map<string, string>();
  private clock = 0x01d9_0000_0000_0000n;

  constructor() {
    for (const p of [
      "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services",
      "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control",
      "\\REGISTRY\\MACHINE\\SOFTWARE",
      "\\REGISTRY\\MACHINE\\HARDWARE",
      "\\REGISTRY\\USER\\.DEFAULT",
    ])
      this.createKey(p);
    this.addLink("\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet", "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001");
  }

  /** Make `from` (a full path) an alias of `to`. */
  addLink(from: string, to: string): void {
    this.links.set(normalize(from).toLowerCase(), normalize(to));
  }

  /** Split a full NT path into components after \REGISTRY, following links; null for a bad path. */
  private components(path: string): string[] | null {
    const nt = regPathToNt(path);
    if (!nt) return null;
    let parts = nt.split("\\").filter(Boolean);
    // Follow the longest link that is a prefix of the path (a link target never contains another
    // link here). The links are few: compare each with the path instead of building every prefix
    // of the path, which is quadratic for deep paths.
    const lower = "\\" + parts.join("\\").toLowerCase();
    let best: { from: string; to: string } | null = null;
    for (const [from, to] of this.links) {
      if ((lower === from || lower.startsWith(from + "\\")) && (!best || from.length > best.from.length)) best = { from, to };
    }
    if (best) {
      const n = best.from.split("\\").filter(Boolean).length;
      parts = [...best.to.split("\\").filter(Boolean), ...parts.slice(n)];
    }
    if (parts[0]!.toUpperCase() !== "REGISTRY") return null;
    return parts.slice(1);
  }

  /** Tick the deterministic clock (used for LastWriteTime). */
  private now(): bigint {
    this.clock += 10_000_000n;
    return this.clock;
  }

  /** The key at a full path (`\REGISTRY\...`, `HKEY_LOCAL_MACHINE\...`, `HKLM\...`), or null. */
  openKey(path: string): RegistryKey | null {
    const parts = this.components(path);
    if (!parts) return null;
    return this.walk(this.root, parts);
  }

  /** A subkey by relative path (`a\b`) of `base`, or null. */
  openRelative(base: RegistryKey, relative: string): RegistryKey | null {
    return this.walk(base, relative.split("\\").filter(Boolean));
  }

  private walk(base: RegistryKey, parts: string[]): RegistryKey | null {
    let k: RegistryKey | undefined = base;
    for (const p of parts) {
      k = k.subkey(p);
      if (!k) return null;
    }
    return k;
  }

  /**
   * Create (or open) a key and its missing parents. Returns null when the path is not under
   * \REGISTRY\MACHINE or \REGISTRY\USER.
   */
  createKey(path: string): { key: RegistryKey; created: boolean } | null {
    const parts = this.components(path);
    if (!parts || parts.length === 0) return null;
    return this.createUnder(this.root, parts);
  }

  /** Create (or open) `relative` below `base`, creating intermediate keys. */
  createRelative(base: RegistryKey, relative: string): { key: RegistryKey; created: boolean } {
    return this.createUnder(base, relative.split("\\").filter(Boolean));
  }

  /** Create only the last component: the parent must exist (NtCreateKey semantics). */
  createChild(parent: RegistryKey, name: string): { key: RegistryKey; created: boolean } {
    const existing = parent.subkey(name);
    if (existing) return { key: existing, created: false };
    const k = new RegistryKey(name, parent);
    k.lastWrite = this.now();
    parent.subkeys.set(name.toLowerCase(), k);
    return { key: k, created: true };
  }

  private createUnder(base: RegistryKey, parts: string[]): { key: RegistryKey; created: boolean } {
    let k = base;
    let created = false;
    for (const p of parts) {
      const r = this.createChild(k, p);
      k = r.key;
      created = r.created;
    }
    return { key: k, created };
  }

  /** Delete one key (must have no subkeys unless `recursive`). Returns false when it has subkeys. */
  deleteKey(key: RegistryKey, recursive = false): boolean {
    if (key.subkeys.size > 0 && !recursive) return false;
    const mark = (k: RegistryKey): void => {
      for (const s of k.subkeys.values()) mark(s);
      k.deleted = true;
    };
    mark(key);
    if (key.parent) key.parent.subkeys.delete(key.name.toLowerCase());
    return true;
  }

  setValue(key: RegistryKey, name: string, type: number, data: Uint8Array): void {
    key.setValue(name, type, data);
    key.lastWrite = this.now();
  }

  /** Convenience for the loader and tests: read a value by full key path. */
  getValue(path: string, name: string): RegistryValue | undefined {
    return this.openKey(path)?.value(name);
  }

  /** Convenience: REG_SZ / REG_EXPAND_SZ as a string, REG_DWORD as a number. */
  getString(path: string, name: string): string | undefined {
    const v = this.getValue(path, name);
    if (!v || (v.type !== REG_SZ && v.type !== REG_EXPAND_SZ)) return undefined;
    return decodeRegString(v.data);
  }
  getDword(path: string, name: string): number | undefined {
    const v = this.getValue(path, name);
    if (!v || v.type !== REG_DWORD || v.data.length < 4) return undefined;
    return new DataView(v.data.buffer, v.data.byteOffset, 4).getUint32(0, true);
  }
  setString(path: string, name: string, value: string, type = REG_SZ): void {
    const k = this.createKey(path);
    if (!k) throw new Error(`not a registry path: ${path}`);
    this.setValue(k.key, name, type, encodeRegString(value));
  }
  setDword(path: string, name: string, value: number): void {
    const k = this.createKey(path);
    if (!k) throw new Error(`not a registry path: ${path}`);
    const d = new Uint8Array(4);
    new DataView(d.buffer).setUint32(0, value >>> 0, true);
    this.setValue(k.key, name, REG_DWORD, d);
  }

  /** Apply the operations of a parsed .reg file, in order (as regedit imports it). */
  apply(file: RegFile): void {
    for (const op of file.operations) {
      switch (op.op) {
        case "key":
          this.createKey(op.path);
          break;
        case "delete-key": {
          const k = this.openKey(op.path);
          // hive roots (\REGISTRY\MACHINE, \REGISTRY\USER) cannot be deleted
          if (k && k.parent && k.parent.parent) this.deleteKey(k, true);
          break;
        }
        case "value": {
          const k = this.createKey(op.path);
          if (k) this.setValue(k.key, op.name, op.type, op.data);
          break;
        }
        case "delete-value": {
          const k = this.openKey(op.path);
          k?.deleteValue(op.name);
          break;
        }
      }
    }
  }

  /** Every key under `path` (default: the whole registry) with its values, depth first. */
  dump(path = "\\REGISTRY"): { path: string; values: ReturnType<typeof describeValue>[] }[] {
    const start = path === "\\REGISTRY" ? this.root : this.openKey(path);
    const out: { path: string; values: ReturnType<typeof describeValue>[] }[] = [];
    const visit = (k: RegistryKey): void => {
      out.push({ path: k.path, values: k.valueList().map(describeValue) });
      for (const s of k.subkeyList()) visit(s);
    };
    if (start) visit(start);
    return out;
  }
}

function normalize(path: string): string {
  return regPathToNt(path) ?? path;
}
