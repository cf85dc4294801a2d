/**
 * The resources of a device as the PnP manager hands them to IRP_MN_START_DEVICE: a raw and a
 * translated CM_RESOURCE_LIST (wdm.h: one CM_FULL_RESOURCE_DESCRIPTOR, InterfaceType
 * Internal/PCIBus, version 1.1 partial list; CmResourceTypePort 1, Interrupt 2, Memory 3).
 * Ports and memory translate to themselves on the emulated x86/x64 PC; an interrupt's raw form
 * is its IRQ (Level = Vector = IRQ), its translated form the IDT vector 0x30 + IRQ (the HAL's
 * PRIMARY_VECTOR_BASE on APIC PCs, ReactOS hal/halx86/include/halp.h) with IRQL = vector / 16 (the
 * x64 rule, "Scheduling, Thread Context, and IRQL", Microsoft Learn) and affinity 1.
 * `{"pci": "B:D.F"}` takes the BARs of that PCI function of the machine model: a memory BAR
 * (bit 0 clear) becomes 4 KiB of memory, an I/O BAR 32 ports (the model has no BAR sizes), and its
 * configuration-space Interrupt Line (offset 0x3C), when not 0 or 0xFF, an interrupt.
 */
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import type { KernelState } from "../api/types.js";
import { machineOf, pciKey } from "../machine/index.js";
import type { ResourceSpec } from "./spec.js";
import type { IoEnv } from "../iomgr/index.js";
import { kalloc } from "../iomgr/index.js";

const B = (n: number) => BigInt(n);
const CmResourceTypePort = 1;
const CmResourceTypeInterrupt = 2;
const CmResourceTypeMemory = 3;
const CmResourceShareDeviceExclusive = 1;
const CM_RESOURCE_PORT_IO = 0x1;
const CM_RESOURCE_MEMORY_READ_WRITE = 0x0;
const CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE = 0x0;
const Internal = 0;
const PCIBus = 5;
const TAG_RES = 0x73655250; // 'PRes'

export interface Resource {
  type: "port" | "memory" | "interrupt";
  start: bigint;
  length: number;
}

/** Expand `{"pci": ...}` entries through the machine model. */
export function expandResources(kernel: KernelState, specs: ResourceSpec[]): { resources: Resource[]; problems: string[]; pci: boolean } {
  const out: Resource[] = [];
  const problems: string[] = [];
  let pci = false;
  for (const r of specs) {
    if (r.type === "port" || r.type === "memory") out.push({ type: r.type, start: r.start, length: r.length });
    else if (r.type === "interrupt") out.push({ type: "interrupt", start: B(r.irq), length: 1 });
    else {
      const key = pciKey(r.bus, r.device, r.function);
      const cfg = machineOf(kernel).config.get(key);
      if (!cfg) {
        problems.push(`PCI function ${key} is not in the machine model`);
        continue;
      }
      pci = true;
      const dv = new DataView(cfg.buffer, cfg.byteOffset, cfg.byteLength);
      for (let i = 0; i < 6; i++) {
        const bar = dv.getUint32(0x10 + 4 * i, true);
        if (bar === 0) continue;
        if (bar & 1) out.push({ type: "port", start: B(bar & 0xfffc), length: 32 });
        else out.push({ type: "memory", start: B(bar & 0xfffffff0), length: 0x1000 });
      }
      const line = cfg[0x3c]!;
      if (line !== 0 && line !== 0xff) out.push({ type: "interrupt", start: B(line), length: 1 });
    }
  }
  return { resources: out, problems, pci };
}

/** Build a CM_RESOURCE_LIST in kernel pool (null when there are no resources: START gets NULL lists). */
export function buildResourceList(env: IoEnv, res: Resource[], translated: boolean, pci: boolean): bigint {
  if (res.length === 0) return 0n;
  const L = LAYOUT.CM_RESOURCE_LIST;
  const F = LAYOUT.CM_FULL_RESOURCE_DESCRIPTOR;
  const P = LAYOUT.CM_PARTIAL_RESOURCE_LIST;
  const D = LAYOUT.CM_PARTIAL_RESOURCE_DESCRIPTOR;
  const full = B(L.List);
  const partial = full + B(F.PartialResourceList);
  const first = partial + B(P.PartialDescriptors);
  const size = Number(first) + res.length * D.$size;
  const m = env.mem;
  const list = kalloc(env, size, TAG_RES);
  m.write(list, new Uint8Array(size));
  m.setU32(list + B(L.Count), 1);
  m.setU32(list + full + B(F.InterfaceType), pci ? PCIBus : Internal);
  m.setU32(list + full + B(F.BusNumber), 0);
  m.setU16(list + partial + B(P.Version), 1);
  m.setU16(list + partial + B(P.Revision), 1);
  m.setU32(list + partial + B(P.Count), res.length);
  res.forEach((r, i) => {
    const d = list + first + B(i * D.$size);
    m.setU8(d + B(D.ShareDisposition), CmResourceShareDeviceExclusive);
    if (r.type === "port") {
      m.setU8(d + B(D.Type), CmResourceTypePort);
      m.setU16(d + B(D.Flags), CM_RESOURCE_PORT_IO);
      m.setU64(d + B(D["u.Port.Start"]), r.start);
      m.setU32(d + B(D["u.Port.Length"]), r.length);
    } else if (r.type === "memory") {
      m.setU8(d + B(D.Type), CmResourceTypeMemory);
      m.setU16(d + B(D.Flags), CM_RESOURCE_MEMORY_READ_WRITE);
      m.setU64(d + B(D["u.Memory.Start"]), r.start);
      m.setU32(d + B(D["u.Memory.Length"]), r.length);
    } else {
      const irq = Number(r.start);
      const vector = translated ? 0x30 + irq : irq;
      m.setU8(d + B(D.Type), CmResourceTypeInterrupt);
      m.setU16(d + B(D.Flags), CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE);
      m.setU32(d + B(D["u.Interrupt.Level"]), translated ? vector >> 4 : irq);
      m.setU32(d + B(D["u.Interrupt.Vector"]), vector);
      if (ptrSize() === 8) m.setU64(d + B(D["u.Interrupt.Affinity"]), 1n);
      else m.setU32(d + B(D["u.Interrupt.Affinity"]), 1);
    }
  });
  return list;
}

/** "port 0x300-0x30f, memory 0xfebc0000+0x1000, IRQ 5" for events. */
export function describeResources(res: Resource[]): string {
  return res.map((r) => (r.type === "interrupt" ? `IRQ ${r.start}` : `${r.type} 0x${r.start.toString(16)}+0x${r.length.toString(16)}`)).join(", ") || "none";
}
