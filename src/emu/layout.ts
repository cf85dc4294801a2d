/**
 * The emulated kernel address space: fixed, deterministic virtual addresses for everything the
 * emulator maps. Regions are mapped once (never per call).
 */
import { hex as formatHex } from "../text/hex.js";
export const PAGE = 0x1000;
export const PAGE_N = 0x1000n;

/** ntoskrnl.exe's synthetic image; hal.dll follows it. */
export const KERNEL_MODULES_BASE = 0xfffff80000000000n;
/** Driver images, in load order, each at a 1 MiB-aligned slot. */
export const DRIVER_IMAGES_BASE = 0xfffff80100000000n;
export const DRIVER_IMAGE_ALIGN = 0x100000n;
/** End of the driver image area (the system data follows). */
export const DRIVER_IMAGES_END = 0xfffff80200000000n;

/*
 * Limits (docs/emulator.md, "Limits"). Driver images share one soft-protected Unicorn region
 * (the driver image area; page rights kept by the addon, native/src/unicorn.cc), so they add no
 * Unicorn regions: Unicorn 2.0.1 aborts the process past about 4096 regions and allocates each
 * one with a search over all the others. The fixed regions (kernel modules, stacks, system data,
 * at most 256 pool chunks) stay under 400. The limits below bound the emulator's bookkeeping.
 */
/** Driver images loaded at once (the x64 image area holds about 4096 1 MiB slots). */
export const MAX_DRIVER_IMAGES = 4096;
/** Separately protected spans of one image after coalescing neighbours with equal rights. */
export const MAX_REGIONS_PER_IMAGE = 64;
/** Protection spans of all driver images together. */
export const MAX_IMAGE_REGIONS = 65536;
/** KPCR, KPRCB, KTHREAD, EPROCESS, object types, DRIVER_OBJECTs. */
export const SYSTEM_DATA_BASE = 0xfffff80200000000n;
export const SYSTEM_DATA_SIZE = 0x40000;
/** The page guest code returns to when a call made by the emulator finishes (filled with hlt). */
export const RETURN_SENTINEL_PAGE = 0xfffff80300000000n;
export const RETURN_SENTINEL = RETURN_SENTINEL_PAGE + 0x10n;
/** Buffers freed when a call returns (the DllInitialize RegistryPath): protected afterwards. */
export const CALL_SCRATCH_BASE = 0xfffff80400000000n;
export const CALL_SCRATCH_PAGES = 64;
/** Kernel stacks: one slot per nesting depth, each below an unmapped guard gap. */
export const STACKS_BASE = 0xfffff88000000000n;
export const STACK_SIZE = 0x10000;
export const STACK_STRIDE = 0x20000n;
export const MAX_CALL_DEPTH = 16;
/** Pool chunks (non-paged and paged pool share the range). */
export const POOL_BASE = 0xffff900000000000n;
export const POOL_CHUNK = 0x100000;
/** KUSER_SHARED_DATA (wdm.h: KI_USER_SHARED_DATA). */
export const KUSER_SHARED_DATA = 0xfffff78000000000n;

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
export function alignUpN(n: bigint, a: bigint): bigint {
  return ((n + a - 1n) / a) * a;
}
/** Upper-case unsigned 64-bit hex ("0xFFFFF80000001000"); the formatter is src/text/hex.ts. */
export function hex(n: bigint | number): string {
  return formatHex(n, { bits: 64, upper: true });
}
/** 16-digit address as a debugger shows it. */
export function addr64(n: bigint): string {
  return "0x" + BigInt.asUintN(64, n).toString(16).padStart(16, "0");
}

/** Stack slot of a call nesting depth: [low, high) mapped; the gap below low is the guard. */
export function stackSlot(depth: number, stacksBase: bigint = STACKS_BASE): { low: bigint; high: bigint; guardLow: bigint } {
  const low = stacksBase + STACK_STRIDE * BigInt(depth) + (STACK_STRIDE - BigInt(STACK_SIZE));
  return { low, high: low + BigInt(STACK_SIZE), guardLow: low - (STACK_STRIDE - BigInt(STACK_SIZE)) };
}
