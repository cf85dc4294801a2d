/**
 * The emulated kernel address space of each architecture: fixed, deterministic virtual addresses
 * for everything the emulator maps. x64 uses the canonical upper half (as Windows x64 does); x86
 * the upper 2 GiB of a 32-bit address space (Windows x86 system space starts at 0x80000000, and
 * KUSER_SHARED_DATA is at 0xFFDF0000 — wdm.h: KI_USER_SHARED_DATA for _X86_).
 */
export interface AddressSpace {
  /** ntoskrnl.exe's synthetic image; hal.dll follows it; internal routines on the page below. */
  kernelModulesBase: bigint;
  /** Driver images, in load order, each at an aligned slot. */
  driverImagesBase: bigint;
  driverImageAlign: bigint;
  /** End of the driver image area. */
  driverImagesEnd: bigint;
  /** KPCR, KPRCB, KTHREAD, EPROCESS, object types (and the x86 GDT). */
  systemDataBase: bigint;
  systemDataSize: number;
  /** The page guest code returns to when a call made by the emulator finishes (filled with hlt). */
  returnSentinelPage: bigint;
  returnSentinel: bigint;
  /** Buffers freed when a call returns (the DllInitialize RegistryPath): protected afterwards. */
  callScratchBase: bigint;
  /** Kernel stacks: one slot per nesting depth, each below an unmapped guard gap. */
  stacksBase: bigint;
  /** Pool chunks (non-paged and paged pool share the range). */
  poolBase: bigint;
  /** Driver Verifier's special pool (one soft-protected region, docs/verifier.md). */
  specialPoolBase: bigint;
  specialPoolEnd: bigint;
  /** KUSER_SHARED_DATA. */
  kuserSharedData: bigint;
  /** System mappings of MDL pages that alias other guest memory (MmMapLockedPagesSpecifyCache; src/emu/sysmap.ts). */
  systemPtesBase: bigint;
  systemPtesEnd: bigint;
  /** MmSystemRangeStart, MmHighestUserAddress, MmUserProbeAddress. */
  systemRangeStart: bigint;
  highestUserAddress: bigint;
  userProbeAddress: bigint;
}

export const X64_SPACE: AddressSpace = {
  kernelModulesBase: 0xfffff80000000000n,
  driverImagesBase: 0xfffff80100000000n,
  driverImageAlign: 0x100000n,
  driverImagesEnd: 0xfffff80200000000n,
  systemDataBase: 0xfffff80200000000n,
  systemDataSize: 0x40000,
  returnSentinelPage: 0xfffff80300000000n,
  returnSentinel: 0xfffff80300000010n,
  callScratchBase: 0xfffff80400000000n,
  stacksBase: 0xfffff88000000000n,
  poolBase: 0xffff900000000000n,
  specialPoolBase: 0xffffa00000000000n,
  specialPoolEnd: 0xffffa00100000000n,
  kuserSharedData: 0xfffff78000000000n,
  systemPtesBase: 0xfffff80500000000n,
  systemPtesEnd: 0xfffff80600000000n,
  systemRangeStart: 0xffff800000000000n,
  highestUserAddress: 0x7ffffffeffffn,
  userProbeAddress: 0x7fffffff0000n,
};

export const X86_SPACE: AddressSpace = {
  kernelModulesBase: 0x80400000n,
  driverImagesBase: 0x81000000n,
  driverImageAlign: 0x100000n,
  driverImagesEnd: 0x84000000n,
  systemDataBase: 0x84000000n,
  systemDataSize: 0x40000,
  returnSentinelPage: 0x84100000n,
  returnSentinel: 0x84100010n,
  callScratchBase: 0x84200000n,
  stacksBase: 0x85000000n,
  // 256 MiB of pool (the allocator's limit) fits below 0xA0000000.
  poolBase: 0x90000000n,
  specialPoolBase: 0xa0000000n,
  specialPoolEnd: 0xb0000000n,
  kuserSharedData: 0xffdf0000n,
  // Between the call scratch pages (0x84200000, 64 pages) and the stacks (0x85000000).
  systemPtesBase: 0x84400000n,
  systemPtesEnd: 0x84c00000n,
  systemRangeStart: 0x80000000n,
  highestUserAddress: 0x7ffeffffn,
  userProbeAddress: 0x7fff0000n,
};
