/**
 * The processors the emulated machine can be (the machine file's "cpu", docs/machine.md): what
 * CPUID answers under each Unicorn CPU model, and what Windows writes from it into
 * HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\N (VendorIdentifier = leaf 0's vendor,
 * Identifier = "<AMD64|Intel64> Family F Model M Stepping S" from leaf 1 EAX, ProcessorNameString =
 * the brand string of leaves 0x80000002..4). The CPUID values are those Unicorn 2.0.1's CPU models
 * give (qemu's target/i386/cpu.c definitions); examples/machine-cpu checks them against real CPUID.
 */
export type CpuChoice = "amd" | "intel";

export interface CpuIdentity {
  /** Unicorn's model (UC_CPU_X86_*, unicorn/x86.h); undefined: Unicorn's default (qemu64). */
  ucModel?: number;
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  brand: string;
  /** CPUID leaves answered instead of the Unicorn model's: leaf → [EAX, EBX, ECX, EDX]. */
  cpuid?: Readonly<Record<number, readonly [number, number, number, number]>>;
}

/**
 * CPUID.01H:EDX of the "intel" processor. Unicorn's TCG answers 0x07088100 on every model (no FPU,
 * TSC, MSR, PAE, APIC...: bits every x64 processor has and Windows requires); this is qemu's
 * Skylake-Client definition (FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT
 * PSE36 CLFSH MMX FXSR SSE SSE2 = 0x078BFBFF) plus ACPI (bit 22) and TM (bit 29): the thermal
 * monitor whose MSRs (IA32_THERM_STATUS...) the machine model answers (Intel SDM vol. 2A, CPUID).
 */
const INTEL_LEAF1_EDX = (0x078bfbff | (1 << 22) | (1 << 29)) >>> 0;

/**
 * CPUID.01H:EDX of the "amd" processor (qemu64 otherwise). Unicorn's 0x07088100 lacks the FPU, TSC,
 * MSR, PAE, APIC... bits, so drivers that test them before rdtsc/rdmsr give up. This is every bit AMD
 * defines for Fn0000_0001_EDX (AMD64 Architecture Programmer's Manual vol. 3, appendix E.3.2; AMD
 * CPUID Specification #25481): FPU VME DE PSE TSC MSR PAE MCE CMPXCHG8B APIC SysEnterSysExit MTRR PGE
 * MCA CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 — what EPYC and Ryzen processors report — except HTT
 * (bit 28): the machine has one logical processor per package (machine/topology.ts) and EBX[23:16]
 * (LogicalProcessorCount) says none. Bits 10, 18, 20-22, 27 and 29-31 are reserved on AMD, clear.
 * = qemu's own EPYC definition of the leaf. Leaf 1 EAX, EBX, ECX stay Unicorn's (0x663, 0x800, 0x02182200).
 */
export const AMD_LEAF1_EDX = 0x078bfbff;

/** UC_CPU_X86_SKYLAKE_CLIENT (unicorn/x86.h enum uc_cpu_x86, value 21). */
export const UC_CPU_X86_SKYLAKE_CLIENT = 21;

export const CPU_IDENTITIES: Readonly<Record<CpuChoice, CpuIdentity>> = {
  // Unicorn's default x86 model qemu64: leaf 1 EAX 0x663.
  amd: { vendor: "AuthenticAMD", family: 6, model: 6, stepping: 3, brand: "QEMU Virtual CPU version 2.5+", cpuid: { 1: [0x00000663, 0x00000800, 0x02182200, AMD_LEAF1_EDX] } },
  // Skylake-Client: leaf 1 EAX 0x506E3 (family 6, extended model 5 + model 0xE = 94, stepping 3).
  // Leaf 1: Unicorn's EAX, EBX, ECX (0x506E3, 0x800, 0x02182200: no VMX, TCG cannot run it), the EDX
  // above. Leaf 6 (thermal and power): ARAT (bit 2, Unicorn's) plus the digital thermal sensor
  // (bit 0) and package thermal management (bit 6); EBX = 2 interrupt thresholds.
  intel: {
    ucModel: UC_CPU_X86_SKYLAKE_CLIENT, vendor: "GenuineIntel", family: 6, model: 94, stepping: 3, brand: "Intel Core Processor (Skylake)",
    cpuid: { 1: [0x000506e3, 0x00000800, 0x02182200, INTEL_LEAF1_EDX], 6: [0x45, 2, 0, 0] },
  },
};

export function isCpuChoice(v: unknown): v is CpuChoice {
  return v === "amd" || v === "intel";
}

/**
 * The CentralProcessor\N values Windows writes from CPUID for this processor. Identifier's first
 * word: "Intel64" / "AMD64" on 64-bit Windows, "x86" on 32-bit Windows whatever the vendor (as in
 * PROCESSOR_IDENTIFIER, "x86 Family 6 Model 94 Stepping 3, GenuineIntel").
 */
export function centralProcessorValues(c: CpuIdentity, windows: "x64" | "x86" = "x64"): { identifier: string; vendor: string; name: string } {
  const arch = windows === "x86" ? "x86" : c.vendor === "GenuineIntel" ? "Intel64" : "AMD64";
  return { identifier: `${arch} Family ${c.family} Model ${c.model} Stepping ${c.stepping}`, vendor: c.vendor, name: c.brand };
}
