/**
 * The kernel's loaded-module list as guest memory: one KLDR_DATA_TABLE_ENTRY per module, linked
 * through InLoadOrderLinks in a circular list whose head is ntoskrnl's PsLoadedModuleList export
 * (a LIST_ENTRY variable drivers import or find with MmGetSystemRoutineAddress; a pool block
 * where the export list lacks it): ntoskrnl.exe and hal.dll first, the other built-in modules
 * (the win32k images, cng.sys, fltmgr.sys...: what SystemModuleInformation lists), then the
 * drivers in load order. The I/O manager points
 * DRIVER_OBJECT.DriverSection at the driver's entry, as Windows does: drivers read it (the
 * LDRP_IMAGE_INTEGRITY_FORCED bit in Flags, their own BaseDllName) and walk the list to find
 * other modules. An unloaded image's entry is unlinked.
 *
 * KLDR_DATA_TABLE_ENTRY (public symbols of ntoskrnl, as ReactOS's and the WDK debugger's
 * headers give it), x64 / x86: InLoadOrderLinks 0/0, ExceptionTable 0x10/8,
 * ExceptionTableSize 0x18/0xC, GpValue 0x20/0x10, NonPagedDebugInfo 0x28/0x14, DllBase 0x30/0x18,
 * EntryPoint 0x38/0x1C, SizeOfImage 0x40/0x20, FullDllName 0x48/0x24, BaseDllName 0x58/0x2C,
 * Flags 0x68/0x34, LoadCount 0x6C/0x38; 0xA0/0x50 bytes in all here.
 */
import type { GuestMemory, KernelState } from "../api/types.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { componentState } from "../api/state.js";
import { writeUnicodeString } from "./driver-object.js";
import { builtinModulePath } from "../../nt/system-modules.js";

const X64 = { DllBase: 0x30, EntryPoint: 0x38, SizeOfImage: 0x40, FullDllName: 0x48, BaseDllName: 0x58, Flags: 0x68, LoadCount: 0x6c, $size: 0xa0 };
const X86 = { DllBase: 0x18, EntryPoint: 0x1c, SizeOfImage: 0x20, FullDllName: 0x24, BaseDllName: 0x2c, Flags: 0x34, LoadCount: 0x38, $size: 0x50 };
const TAG_LDR = 0x20726461; // 'adr '
/** LDRP_ENTRY_PROCESSED | LDRP_IMAGE_DLL-style flags a loaded driver shows (0x4000 | 0x4 | 0x0...): kept minimal. */
const LDRP_ENTRY_PROCESSED = 0x4000;

const ldrList = componentState("ldr-list", () => ({ head: 0n, byModule: new Map<string, bigint>() }));

function setPtr(mem: GuestMemory, at: bigint, v: bigint): void {
  if (ptrSize() === 4) mem.setU32(at, Number(BigInt.asUintN(32, v)));
  else mem.setU64(at, v);
}
function getPtr(mem: GuestMemory, at: bigint): bigint {
  return ptrSize() === 4 ? BigInt(mem.u32(at)) : mem.u64(at);
}

/** A UNICODE_STRING header at `at` whose text lives in its own kernel-pool buffer. */
function putString(mem: GuestMemory, kernel: KernelState, at: bigint, s: string): void {
  const buf = kernel.kernelPool!.allocate(0x10 + s.length * 2 + 2, TAG_LDR);
  writeUnicodeString(mem, buf, s);
  mem.write(at, mem.read(buf, ptrSize() === 4 ? 8 : 16));
}

function insertTail(mem: GuestMemory, head: bigint, entry: bigint): void {
  const p = BigInt(ptrSize());
  const last = getPtr(mem, head + p);
  setPtr(mem, entry, head);
  setPtr(mem, entry + p, last);
  setPtr(mem, last, entry);
  setPtr(mem, head + p, entry);
}

function makeEntry(mem: GuestMemory, kernel: KernelState, m: { name: string; base: bigint; size: number; entry: bigint; path: string }): bigint {
  const L = ptrSize() === 4 ? X86 : X64;
  const e = kernel.kernelPool!.allocate(L.$size, TAG_LDR);
  setPtr(mem, e + BigInt(L.DllBase), m.base);
  setPtr(mem, e + BigInt(L.EntryPoint), m.entry);
  mem.setU32(e + BigInt(L.SizeOfImage), m.size);
  putString(mem, kernel, e + BigInt(L.FullDllName), m.path);
  putString(mem, kernel, e + BigInt(L.BaseDllName), m.name);
  mem.setU32(e + BigInt(L.Flags), LDRP_ENTRY_PROCESSED);
  mem.setU16(e + BigInt(L.LoadCount), 1);
  return e;
}

/** The list head (created with the ntoskrnl.exe and hal.dll entries on first use), or 0 without a kernel pool. */
function listHead(mem: GuestMemory, kernel: KernelState): bigint {
  const st = ldrList(kernel);
  if (st.head !== 0n || !kernel.kernelPool) return st.head;
  const head = kernel.resolveKernelExport?.("PsLoadedModuleList") ?? kernel.kernelPool.allocate(2 * ptrSize(), TAG_LDR);
  setPtr(mem, head, head);
  setPtr(mem, head + BigInt(ptrSize()), head);
  st.head = head;
  const builtins = (kernel.loadedModules?.() ?? []).filter((m) => m.builtin);
  const rank = (name: string) => ["ntoskrnl.exe", "hal.dll"].indexOf(name.toLowerCase()) >>> 0;
  for (const m of builtins.sort((a, b) => rank(a.name) - rank(b.name))) {
    const e = makeEntry(mem, kernel, { name: m.name, base: m.base, size: m.size, entry: 0n, path: builtinModulePath(m.name) });
    insertTail(mem, head, e);
    st.byModule.set(m.name.toLowerCase(), e);
  }
  return head;
}

/** The list head PsLoadedModuleList stands for (created on first use), or 0 without a kernel pool. */
export function loadedModuleListHead(mem: GuestMemory, kernel: KernelState): bigint {
  return listHead(mem, kernel);
}

/** The KLDR_DATA_TABLE_ENTRY of a driver image (made and linked on first use), or 0. */
export function loaderEntry(mem: GuestMemory, kernel: KernelState, m: { name: string; base: bigint; size: number; entry: bigint }): bigint {
  const st = ldrList(kernel);
  const key = m.name.toLowerCase();
  const known = st.byModule.get(key);
  if (known !== undefined) return known;
  const head = listHead(mem, kernel);
  if (head === 0n) return 0n;
  const e = makeEntry(mem, kernel, { ...m, path: `\\SystemRoot\\System32\\drivers\\${m.name}` });
  insertTail(mem, head, e);
  st.byModule.set(key, e);
  return e;
}

/** Unlink an unloaded image's entry (its neighbours point past it; the entry's own links point at itself). */
export function removeLoaderEntry(mem: GuestMemory, kernel: KernelState, module: string): void {
  const st = ldrList(kernel);
  const e = st.byModule.get(module.toLowerCase());
  if (e === undefined) return;
  const p = BigInt(ptrSize());
  const next = getPtr(mem, e);
  const prev = getPtr(mem, e + p);
  setPtr(mem, prev, next);
  setPtr(mem, next + p, prev);
  setPtr(mem, e, e);
  setPtr(mem, e + p, e);
  st.byModule.delete(module.toLowerCase());
}
