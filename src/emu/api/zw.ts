/**
 * Zw* registry routines over the emulated registry (src/nt/registry.ts), with kernel handles
 * from the object manager (ob.ts). OBJECT_ATTRIBUTES: ObjectName is either a full NT path
 * (`\Registry\Machine\...`) or, with RootDirectory, a path relative to an open key.
 */
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { Registry, type RegistryKey, type RegistryValue } from "../../nt/registry.js";
import { parseRegFile, regTypeName } from "../../formats/reg/parse.js";
import { inFile } from "../../errors.js";
import { closeHandle, insertHandle, lookupHandle } from "./ob.js";
import { encodeUtf16, hex, lengthArg, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { componentState } from "./state.js";
import { REG_NOTIFY_CHANGE_LAST_SET, REG_NOTIFY_CHANGE_NAME, keyHandleClosing, registryChanged } from "./regnotify.js";

const B = (n: number) => BigInt(n);
const OA = LAYOUT.OBJECT_ATTRIBUTES;
export const OBJ_CASE_INSENSITIVE = 0x40;
export const OBJ_KERNEL_HANDLE = 0x200;
export const REG_OPTION_VOLATILE = 1;
export const REG_CREATED_NEW_KEY = 1;
export const REG_OPENED_EXISTING_KEY = 2;

/** The emulated registry of this kernel (created empty, with the standard hive roots). */
export const registryOf = componentState("registry", () => new Registry());

/**
 * Seed the kernel's registry from the bytes of a .reg file (`kmdll call --registry FILE.reg`).
 * Syntax errors throw a RegSyntaxError naming `file:line:col`.
 */
export function seedRegistry(kernel: KernelState, bytes: Uint8Array, file: string): Registry {
  const reg = registryOf(kernel);
  reg.apply(inFile(file, () => parseRegFile(bytes)));
  return reg;
}

const VALUE_CLASSES = ["KeyValueBasicInformation", "KeyValueFullInformation", "KeyValuePartialInformation", "KeyValueFullInformationAlign64", "KeyValuePartialInformationAlign64"];
const KEY_CLASSES = ["KeyBasicInformation", "KeyNodeInformation", "KeyFullInformation", "KeyNameInformation"];
const valueClass = (c: number) => VALUE_CLASSES[c] ?? String(c);
const keyClass = (c: number) => KEY_CLASSES[c] ?? String(c);

interface KeyHandle {
  key: RegistryKey;
}

function parseObjectAttributes(ctx: ApiContext, oa: bigint, api: string): { base: RegistryKey | null; name: string; attributes: number } | number {
  if (oa === 0n) return STATUS.INVALID_PARAMETER;
  const length = ctx.mem.u32(oa + B(OA.Length));
  if (length !== OA.$size) {
    ctx.warn(`${api}: OBJECT_ATTRIBUTES.Length is ${length}, expected ${OA.$size} (use InitializeObjectAttributes)`);
    return STATUS.INVALID_PARAMETER;
  }
  const root = readPtr(ctx.mem, oa + B(OA.RootDirectory));
  const namePtr = readPtr(ctx.mem, oa + B(OA.ObjectName));
  const attributes = ctx.mem.u32(oa + B(OA.Attributes));
  const name = namePtr === 0n ? "" : (unicodeText(ctx.mem, namePtr) ?? "");
  if ((attributes & OBJ_KERNEL_HANDLE) === 0)
    ctx.warn(`${api}(${q(name)}): OBJECT_ATTRIBUTES without OBJ_KERNEL_HANDLE — the handle is accessible from the current user process`);
  if (root !== 0n) {
    const h = lookupHandle(ctx.kernel, root);
    if (!h || h.type !== "Key") return STATUS.INVALID_HANDLE;
    if (name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
    const k = (h.data as KeyHandle).key;
    if (k.deleted) return STATUS.KEY_DELETED;
    return { base: k, name, attributes };
  }
  if (!name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
  return { base: null, name, attributes };
}

export function keyOf(ctx: ApiContext, handle: bigint): RegistryKey | number {
  const h = lookupHandle(ctx.kernel, handle);
  if (!h || h.type !== "Key") return STATUS.INVALID_HANDLE;
  const k = (h.data as KeyHandle).key;
  return k.deleted ? STATUS.KEY_DELETED : k;
}

function openHandle(ctx: ApiContext, key: RegistryKey, access: number, attributes: number): bigint {
  const data: KeyHandle = { key };
  return insertHandle(ctx.kernel, { type: "Key", data, access, kernelHandle: (attributes & OBJ_KERNEL_HANDLE) !== 0 });
}

/** Resolve a path: full (\REGISTRY\...) or relative to base. */
function resolve(reg: Registry, base: RegistryKey | null, name: string): RegistryKey | null {
  if (base) return name === "" ? base : reg.openRelative(base, name);
  return reg.openKey(name);
}

function splitParent(reg: Registry, base: RegistryKey | null, name: string): { parent: RegistryKey | null; leaf: string } {
  const parts = name.split("\\").filter(Boolean);
  const leaf = parts.pop() ?? "";
  if (base) return { parent: parts.length ? reg.openRelative(base, parts.join("\\")) : base, leaf };
  return { parent: reg.openKey("\\" + parts.join("\\")), leaf };
}

/**
 * Write a variable-length information structure: `fixed` bytes of header (all of which must fit,
 * else STATUS_BUFFER_TOO_SMALL), then the full image as far as it fits (STATUS_BUFFER_OVERFLOW).
 * ResultLength always receives the full size.
 */
function writeInfo(ctx: ApiContext, buf: bigint, length: number, resultLength: bigint, image: Uint8Array, fixed: number): number {
  if (resultLength !== 0n) ctx.mem.setU32(resultLength, image.length);
  if (length < fixed) return STATUS.BUFFER_TOO_SMALL;
  ctx.mem.write(buf, image.subarray(0, Math.min(length, image.length)));
  return length < image.length ? STATUS.BUFFER_OVERFLOW : STATUS.SUCCESS;
}

function u32At(img: Uint8Array, off: number, v: number): void {
  new DataView(img.buffer, img.byteOffset).setUint32(off, v >>> 0, true);
}
function u64At(img: Uint8Array, off: number, v: bigint): void {
  new DataView(img.buffer, img.byteOffset).setBigUint64(off, BigInt.asUintN(64, v), true);
}
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** KEY_VALUE_INFORMATION_CLASS images: returns [image, fixed header size] or null for a bad class. */
function valueInfo(v: RegistryValue, cls: number): [Uint8Array, number] | null {
  const name = encodeUtf16(v.name);
  switch (cls) {
    case 0: {
      const L = LAYOUT.KEY_VALUE_BASIC_INFORMATION;
      const img = new Uint8Array(L.Name + name.length);
      u32At(img, L.TitleIndex, 0);
      u32At(img, L.Type, v.type);
      u32At(img, L.NameLength, name.length);
      img.set(name, L.Name);
      return [img, L.Name];
    }
    case 1:
    case 3 /* KeyValueFullInformationAlign64 */: {
      const L = LAYOUT.KEY_VALUE_FULL_INFORMATION;
      const dataOffset = alignUp(L.Name + name.length, 8);
      const img = new Uint8Array(dataOffset + v.data.length);
      u32At(img, L.TitleIndex, 0);
      u32At(img, L.Type, v.type);
      u32At(img, L.DataOffset, dataOffset);
      u32At(img, L.DataLength, v.data.length);
      u32At(img, L.NameLength, name.length);
      img.set(name, L.Name);
      img.set(v.data, dataOffset);
      return [img, L.Name];
    }
    case 2: {
      const L = LAYOUT.KEY_VALUE_PARTIAL_INFORMATION;
      const img = new Uint8Array(L.Data + v.data.length);
      u32At(img, L.TitleIndex, 0);
      u32At(img, L.Type, v.type);
      u32At(img, L.DataLength, v.data.length);
      img.set(v.data, L.Data);
      return [img, L.Data];
    }
    case 4: {
      const L = LAYOUT.KEY_VALUE_PARTIAL_INFORMATION_ALIGN64;
      const img = new Uint8Array(L.Data + v.data.length);
      u32At(img, L.Type, v.type);
      u32At(img, L.DataLength, v.data.length);
      img.set(v.data, L.Data);
      return [img, L.Data];
    }
    default:
      return null;
  }
}

/** KEY_INFORMATION_CLASS images (Basic 0, Node 1, Full 2). */
function keyInfo(k: RegistryKey, cls: number): [Uint8Array, number] | null {
  const name = encodeUtf16(k.name);
  switch (cls) {
    case 0: {
      const L = LAYOUT.KEY_BASIC_INFORMATION;
      const img = new Uint8Array(L.Name + name.length);
      u64At(img, L.LastWriteTime, k.lastWrite);
      u32At(img, L.NameLength, name.length);
      img.set(name, L.Name);
      return [img, L.Name];
    }
    case 1: {
      const L = LAYOUT.KEY_NODE_INFORMATION;
      const img = new Uint8Array(L.Name + name.length);
      u64At(img, L.LastWriteTime, k.lastWrite);
      u32At(img, L.ClassOffset, 0xffffffff);
      u32At(img, L.ClassLength, 0);
      u32At(img, L.NameLength, name.length);
      img.set(name, L.Name);
      return [img, L.Name];
    }
    case 2: {
      const L = LAYOUT.KEY_FULL_INFORMATION;
      const img = new Uint8Array(L.Class);
      const subs = k.subkeyList();
      const vals = k.valueList();
      u64At(img, L.LastWriteTime, k.lastWrite);
      u32At(img, L.ClassOffset, 0xffffffff);
      u32At(img, L.SubKeys, subs.length);
      // Loops, not Math.max(...list): a key with 200k values would overflow the stack.
      let maxName = 0;
      for (const s of subs) maxName = Math.max(maxName, s.name.length * 2);
      let maxValueName = 0;
      let maxData = 0;
      for (const v of vals) {
        maxValueName = Math.max(maxValueName, v.name.length * 2);
        maxData = Math.max(maxData, v.data.length);
      }
      u32At(img, L.MaxNameLen, maxName);
      u32At(img, L.Values, vals.length);
      u32At(img, L.MaxValueNameLen, maxValueName);
      u32At(img, L.MaxValueDataLen, maxData);
      return [img, L.Class];
    }
    default:
      return null;
  }
}

export const apis: ApiDefinition[] = [
  nt("ZwCreateKey", 7, (ctx) => {
    const [out, access, oa, , , options, disposition] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.arg(3), ctx.arg(4), ctx.u32(5), ctx.arg(6)];
    const p = parseObjectAttributes(ctx, oa, "ZwCreateKey");
    ctx.describe([hex(out), hex(access), typeof p === "number" ? hex(oa) : q(p.name), hex(options)]);
    if (typeof p === "number") return p;
    const reg = registryOf(ctx.kernel);
    let key = resolve(reg, p.base, p.name);
    let created = false;
    if (!key) {
      const { parent, leaf } = splitParent(reg, p.base, p.name);
      if (!parent || leaf === "") return STATUS.OBJECT_NAME_NOT_FOUND;
      if (parent.deleted) return STATUS.KEY_DELETED;
      if (!p.base && parent.parent === null) return STATUS.ACCESS_DENIED; // directly below \REGISTRY
      const r = reg.createChild(parent, leaf);
      key = r.key;
      created = r.created;
      if (options & REG_OPTION_VOLATILE) key.volatile = true;
      if (created) registryChanged(ctx, parent, REG_NOTIFY_CHANGE_NAME);
    }
    writePtr(ctx.mem, out, openHandle(ctx, key, access, p.attributes));
    if (disposition !== 0n) ctx.mem.setU32(disposition, created ? REG_CREATED_NEW_KEY : REG_OPENED_EXISTING_KEY);
    return STATUS.SUCCESS;
  }),
  ...["ZwOpenKey", "ZwOpenKeyEx"].map((name) =>
    nt(name, name === "ZwOpenKey" ? 3 : 4, (ctx) => {
      const [out, access, oa] = [ctx.arg(0), ctx.u32(1), ctx.arg(2)];
      const p = parseObjectAttributes(ctx, oa, name);
      ctx.describe([hex(out), hex(access), typeof p === "number" ? hex(oa) : q(p.name)]);
      if (typeof p === "number") return p;
      const key = resolve(registryOf(ctx.kernel), p.base, p.name);
      if (!key) return STATUS.OBJECT_NAME_NOT_FOUND;
      writePtr(ctx.mem, out, openHandle(ctx, key, access, p.attributes));
      return STATUS.SUCCESS;
    }),
  ),
  nt("ZwSetValueKey", 6, (ctx) => {
    const [h, namePtr, , type, data, size] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.u32(3), ctx.arg(4), ctx.u32(5)];
    const name = namePtr === 0n ? "" : (unicodeText(ctx.mem, namePtr) ?? "");
    ctx.describe([hex(h), q(name), regTypeName(type), String(size)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    const bytes = size === 0 ? new Uint8Array(0) : ctx.mem.read(data, lengthArg(ctx, 5, data, false, 1, 32));
    registryOf(ctx.kernel).setValue(k, name, type, bytes);
    registryChanged(ctx, k, REG_NOTIFY_CHANGE_LAST_SET);
    return STATUS.SUCCESS;
  }),
  nt("ZwQueryValueKey", 6, (ctx) => {
    const [h, namePtr, cls, buf, length, result] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3), ctx.u32(4), ctx.arg(5)];
    const name = namePtr === 0n ? "" : (unicodeText(ctx.mem, namePtr) ?? "");
    ctx.describe([hex(h), q(name), valueClass(cls), hex(buf), String(length)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    const v = k.value(name);
    if (!v) return STATUS.OBJECT_NAME_NOT_FOUND;
    const info = valueInfo(v, cls);
    if (!info) return STATUS.INVALID_PARAMETER;
    return writeInfo(ctx, buf, length, result, info[0], info[1]);
  }),
  nt("ZwEnumerateValueKey", 6, (ctx) => {
    const [h, index, cls, buf, length, result] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3), ctx.u32(4), ctx.arg(5)];
    ctx.describe([hex(h), String(index), valueClass(cls), hex(buf), String(length)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    const v = k.valueList()[index];
    if (!v) return STATUS.NO_MORE_ENTRIES;
    const info = valueInfo(v, cls);
    if (!info) return STATUS.INVALID_PARAMETER;
    return writeInfo(ctx, buf, length, result, info[0], info[1]);
  }),
  nt("ZwEnumerateKey", 6, (ctx) => {
    const [h, index, cls, buf, length, result] = [ctx.arg(0), ctx.u32(1), ctx.u32(2), ctx.arg(3), ctx.u32(4), ctx.arg(5)];
    ctx.describe([hex(h), String(index), keyClass(cls), hex(buf), String(length)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    const sub = k.subkeyList()[index];
    if (!sub) return STATUS.NO_MORE_ENTRIES;
    const info = keyInfo(sub, cls);
    if (!info) return STATUS.INVALID_PARAMETER;
    return writeInfo(ctx, buf, length, result, info[0], info[1]);
  }),
  nt("ZwQueryKey", 5, (ctx) => {
    const [h, cls, buf, length, result] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3), ctx.arg(4)];
    ctx.describe([hex(h), keyClass(cls), hex(buf), String(length)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    const info = keyInfo(k, cls);
    if (!info) return STATUS.INVALID_PARAMETER;
    return writeInfo(ctx, buf, length, result, info[0], info[1]);
  }),
  nt("ZwDeleteKey", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    const k = keyOf(ctx, ctx.arg(0));
    if (typeof k === "number") return k;
    if (!k.parent || !k.parent.parent) return STATUS.ACCESS_DENIED;
    if (!registryOf(ctx.kernel).deleteKey(k)) return STATUS.CANNOT_DELETE;
    registryChanged(ctx, k.parent, REG_NOTIFY_CHANGE_NAME);
    return STATUS.SUCCESS;
  }),
  nt("ZwDeleteValueKey", 2, (ctx) => {
    const name = ctx.arg(1) === 0n ? "" : (unicodeText(ctx.mem, ctx.arg(1)) ?? "");
    ctx.describe([hex(ctx.arg(0)), q(name)]);
    const k = keyOf(ctx, ctx.arg(0));
    if (typeof k === "number") return k;
    if (!k.deleteValue(name)) return STATUS.OBJECT_NAME_NOT_FOUND;
    registryChanged(ctx, k, REG_NOTIFY_CHANGE_LAST_SET);
    return STATUS.SUCCESS;
  }),
  /**
   * ZwSetInformationKey(KeyHandle, KeySetInformationClass, KeySetInformation, Length) (wdm.h;
   * Learn: zwsetinformationkey, KEY_SET_INFORMATION_CLASS): KeyWriteTimeInformation (0) sets the
   * key's LastWriteTime (a LARGE_INTEGER, what ZwQueryKey then returns); the other classes
   * (KeyWow64FlagsInformation .. KeySetHandleTagsInformation, 1..5) take one ULONG and change
   * nothing kmdll models. A length other than the class's: STATUS_INFO_LENGTH_MISMATCH; an
   * unknown class: STATUS_INVALID_INFO_CLASS.
   */
  nt("ZwSetInformationKey", 4, (ctx) => {
    const [h, cls, buf, length] = [ctx.arg(0), ctx.u32(1), ctx.arg(2), ctx.u32(3)];
    ctx.describe([hex(h), String(cls), hex(buf), String(length)]);
    const k = keyOf(ctx, h);
    if (typeof k === "number") return k;
    if (cls > 5) return STATUS.INVALID_INFO_CLASS;
    if (length !== (cls === 0 ? 8 : 4)) return STATUS.INFO_LENGTH_MISMATCH;
    if (cls === 0) k.lastWrite = ctx.mem.u64(buf);
    else ctx.mem.u32(buf);
    return STATUS.SUCCESS;
  }),
  nt("ZwFlushKey", 1, (ctx) => {
    const k = keyOf(ctx, ctx.arg(0));
    return typeof k === "number" ? k : STATUS.SUCCESS;
  }),
  nt("ZwClose", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    if (lookupHandle(ctx.kernel, ctx.arg(0))?.type === "Key") keyHandleClosing(ctx, ctx.arg(0));
    return closeHandle(ctx, ctx.arg(0));
  }),
];
