/**
 * The structure layouts of the architecture being emulated. The emulator selects the arch
 * (`setLayoutArch`) when it runs guest code or an API handler; handlers and the kernel
 * components read offsets from `LAYOUT` and pointer-sized fields with `ptrSize()`, so one handler
 * serves every arch. x86 layouts come from the same generated table as x64 (src/nt/layouts.ts);
 * a structure the x86 table lacks falls back to its x64 layout. ARM64 is LLP64 like x64 and its
 * structures have x64's layouts (the WDK declares them once for both): it uses the x64 table.
 */
import { LAYOUTS, type LayoutArch } from "./layouts.js";

let current: LayoutArch = "x64";

export function setLayoutArch(arch: LayoutArch | "arm64"): void {
  current = arch === "arm64" ? "x64" : arch;
}

export function layoutArch(): LayoutArch {
  return current;
}

/** Bytes of a pointer (and of ULONG_PTR/SIZE_T) on the current arch. */
export function ptrSize(): 4 | 8 {
  return current === "x86" ? 4 : 8;
}

type Layouts = typeof LAYOUTS.x64;
const tables = LAYOUTS as unknown as Record<LayoutArch, Record<string, unknown>>;

const structs = new Map<string, unknown>();
/**
 * `LAYOUT.UNICODE_STRING.Buffer`: the offset on the arch being emulated. Each structure is a live
 * view (`const U = LAYOUT.UNICODE_STRING` at module level still follows the arch).
 */
export const LAYOUT: Layouts = new Proxy({} as Layouts, {
  get: (_t, key: string) => {
    let view = structs.get(key);
    if (!view) {
      view = new Proxy({}, { get: (_s, field: string) => ((tables[current]![key] ?? tables.x64![key]) as Record<string, number> | undefined)?.[field] });
      structs.set(key, view);
    }
    return view;
  },
});

/** The memory accessors pointer-sized reads and writes need (GuestMemory has them). */
export interface PtrMemory {
  u32(a: bigint): number;
  u64(a: bigint): bigint;
  setU32(a: bigint, v: number): void;
  setU64(a: bigint, v: bigint): void;
}

/** A pointer (or ULONG_PTR/SIZE_T) field of the arch being emulated. */
export function getPtr(mem: PtrMemory, a: bigint): bigint {
  return current === "x86" ? BigInt(mem.u32(a)) : mem.u64(a);
}

export function putPtr(mem: PtrMemory, a: bigint, v: bigint): void {
  if (current === "x86") mem.setU32(a, Number(BigInt.asUintN(32, v)));
  else mem.setU64(a, v);
}
