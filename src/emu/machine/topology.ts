/**
 * The processor topology of the emulated machine (docs/machine.md, "Processors"): one processor
 * group and one NUMA node holding the machine file's `processors` (1..64, default 1); each
 * processor is its own package with one core and one logical processor (no SMT), with its own
 * caches — what CPUID says under both CPU models (leaf 4 EAX[31:26] = 0: one core per package,
 * EAX[25:14] = 0: no cache shared; leaf 1 EDX.HTT clear). Every count kmdll reports
 * (KeNumberProcessors, KeQueryActiveProcessorCount(Ex), SystemBasicInformation, NDIS) and
 * KeQueryLogicalProcessorRelationship's records come from here.
 *
 * SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX (winnt.h / wdm.h): Relationship (ULONG), Size (ULONG),
 * then the relationship's structure; a record is 8 bytes plus that structure with one element in
 * its trailing array (GROUP_AFFINITY, PROCESSOR_GROUP_INFO). Offsets and sizes: clang's offsetof /
 * sizeof over mingw-w64's winnt.h for x64, x86 and ARM64 (test/topology.test.ts checks TOPOLOGY_LAYOUT).
 */
import type { KernelState } from "../api/types.js";
import type { CpuChoice } from "../../nt/cpu-identity.js";
import { machineOf } from "./state.js";

/** LOGICAL_PROCESSOR_RELATIONSHIP values Windows 10 2004 (build 19041) accepts. */
export const Relation = { ProcessorCore: 0, NumaNode: 1, Cache: 2, ProcessorPackage: 3, Group: 4, All: 0xffff } as const;

/** Offsets (from the record's start) and sizes of SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX, by pointer size. */
export const TOPOLOGY_LAYOUT = {
  8: { groupAffinity: 16, processorMask: 32, processorSize: 48, numaMask: 32, numaSize: 48, cacheMask: 40, cacheSize: 56, groupInfo: 32, groupInfoMask: 72, groupSize: 80, union: 8 },
  4: { groupAffinity: 12, processorMask: 32, processorSize: 44, numaMask: 32, numaSize: 44, cacheMask: 40, cacheSize: 52, groupInfo: 32, groupInfoMask: 72, groupSize: 76, union: 8 },
} as const;

/** A cache of each processor: PROCESSOR_CACHE_TYPE 0 unified, 1 instruction, 2 data. */
export interface CacheSpec {
  level: number;
  ways: number;
  line: number;
  size: number;
  type: 0 | 1 | 2;
}

/**
 * The caches CPUID describes under each model (Unicorn 2.0.1, probed): "amd" (qemu64) leaves
 * 0x80000005/6 — L1d and L1i 64 KiB 2-way, L2 512 KiB 16-way (ECX 0x02008140: associativity code 8),
 * no L3 (EDX 0); "intel" (Skylake-Client) leaf 4 — L1d and L1i 32 KiB 8-way, L2 4 MiB 16-way, no L3
 * (subleaf 3 type 0). Lines 64 bytes. examples/api-topo's TestCachesMatchCpuid compares them.
 */
export const CPU_CACHES: Readonly<Record<CpuChoice, readonly CacheSpec[]>> = {
  amd: [
    { level: 1, ways: 2, line: 64, size: 64 << 10, type: 2 },
    { level: 1, ways: 2, line: 64, size: 64 << 10, type: 1 },
    { level: 2, ways: 16, line: 64, size: 512 << 10, type: 0 },
  ],
  intel: [
    { level: 1, ways: 8, line: 64, size: 32 << 10, type: 2 },
    { level: 1, ways: 8, line: 64, size: 32 << 10, type: 1 },
    { level: 2, ways: 16, line: 64, size: 4 << 20, type: 0 },
  ],
};

/** How many processors the machine has (the one source of every processor count). */
export function processorCount(kernel: KernelState): number {
  return machineOf(kernel).spec.processors;
}

/** The active processors' KAFFINITY (group 0). */
export function activeProcessorMask(kernel: KernelState): bigint {
  return (1n << BigInt(processorCount(kernel))) - 1n;
}

/**
 * The records KeQueryLogicalProcessorRelationship returns for `relation`, for all processors
 * (`processor` null) or only those whose affinity includes `processor` (its index in group 0).
 * Order: cores, the NUMA node, caches (per processor L1d, L1i, L2), packages, the group — Windows
 * documents none; a driver walks the records by Size. Null: a relationship Windows 10 does not know.
 */
export function relationshipRecords(processors: number, cpu: CpuChoice, ptr: 4 | 8, relation: number, processor: number | null): Uint8Array | null {
  if (!(Object.values(Relation) as number[]).includes(relation)) return null;
  const L = TOPOLOGY_LAYOUT[ptr];
  const all = (1n << BigInt(processors)) - 1n;
  const wanted = (mask: bigint) => processor === null || ((mask >> BigInt(processor)) & 1n) === 1n;
  const parts: Uint8Array[] = [];
  const record = (rel: number, size: number, fill: (v: DataView) => void) => {
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    v.setUint32(0, rel, true);
    v.setUint32(4, size, true);
    fill(v);
    parts.push(b);
  };
  const putMask = (v: DataView, at: number, mask: bigint) => (ptr === 8 ? v.setBigUint64(at, mask, true) : v.setUint32(at, Number(BigInt.asUintN(32, mask)), true));
  // GROUP_AFFINITY { Mask, Group = 0, Reserved[3] }.
  const affinity = (v: DataView, at: number, mask: bigint) => putMask(v, at, mask);
  const want = (r: number) => relation === Relation.All || relation === r;
  const perProcessor = (r: number, size: number, at: number) => {
    for (let i = 0; i < processors; i++) {
      const mask = 1n << BigInt(i);
      if (!wanted(mask)) continue;
      // PROCESSOR_RELATIONSHIP: Flags 0 (no LTP_PC_SMT), EfficiencyClass 0, GroupCount 1 (+22).
      record(r, size, (v) => {
        v.setUint16(L.union + 22, 1, true);
        affinity(v, at, mask);
      });
    }
  };
  if (want(Relation.ProcessorCore)) perProcessor(Relation.ProcessorCore, L.processorSize, L.processorMask);
  if (want(Relation.NumaNode) && wanted(all))
    // NUMA_NODE_RELATIONSHIP: NodeNumber 0, GroupCount 1 (+22; reserved before Windows Server 2022), GroupMask.
    record(Relation.NumaNode, L.numaSize, (v) => {
      v.setUint16(L.union + 22, 1, true);
      affinity(v, L.numaMask, all);
    });
  if (want(Relation.Cache))
    for (let i = 0; i < processors; i++) {
      const mask = 1n << BigInt(i);
      if (!wanted(mask)) continue;
      // CACHE_RELATIONSHIP: Level, Associativity, LineSize, CacheSize, Type, GroupCount (+30), GroupMask.
      for (const c of CPU_CACHES[cpu])
        record(Relation.Cache, L.cacheSize, (v) => {
          const u = L.union;
          v.setUint8(u, c.level);
          v.setUint8(u + 1, c.ways);
          v.setUint16(u + 2, c.line, true);
          v.setUint32(u + 4, c.size, true);
          v.setUint32(u + 8, c.type, true);
          v.setUint16(u + 30, 1, true);
          affinity(v, L.cacheMask, mask);
        });
    }
  if (want(Relation.ProcessorPackage)) perProcessor(Relation.ProcessorPackage, L.processorSize, L.processorMask);
  if (want(Relation.Group) && wanted(all))
    // GROUP_RELATIONSHIP: MaximumGroupCount 1, ActiveGroupCount 1, GroupInfo[0] { MaximumProcessorCount,
    // ActiveProcessorCount, ActiveProcessorMask }.
    record(Relation.Group, L.groupSize, (v) => {
      v.setUint16(L.union, 1, true);
      v.setUint16(L.union + 2, 1, true);
      v.setUint8(L.groupInfo, processors);
      v.setUint8(L.groupInfo + 1, processors);
      putMask(v, L.groupInfoMask, all);
    });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
