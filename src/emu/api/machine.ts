/**
 * The machine model behind the hardware routines: physical memory (RAM ranges, device memory,
 * the physical pages behind guest kernel memory), PCI configuration space, I/O ports and
 * interrupt lines. Defaults describe a small PC (docs/machine.md); a JSON machine file
 * (parseMachine + installMachine, `--machine FILE`) changes them. Every access a driver makes through a kernel routine is a
 * `hardware` trace event (kind, op, address, size, value).
 *
 * Memory-mapped I/O is modelled copy-in/copy-out: MmMapIoSpace(Ex) and ZwMapViewOfSection on
 * \Device\PhysicalMemory map a fresh kernel buffer holding the current physical contents (and
 * the bytes of any guest page the physical address belongs to); MmUnmapIoSpace /
 * ZwUnmapViewOfSection write the bytes the driver changed back and report each changed run as an
 * `mmio` write. Individual loads and stores through the mapping are not observed (the CPU runs
 * them). The `in`/`out` instructions and `rdmsr`/`wrmsr` a driver executes itself are served by
 * the instruction hooks (verifier/insn.ts) from the same model.
 *
 * Nothing here touches the host: the model is data in the kernel state.
 */
import { ptrSize } from "../../nt/arch-layout.js";
import type { ApiContext, ApiDefinition, KernelState } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { hal, hex, nt, q, readPtr, unicodeText, writePtr } from "./util.js";
import { insertHandle, lookupHandle, objectManager, registerObject } from "./ob.js";
import { sectionByBody, sectionHandle, sectionOfHandle, unmapView, zwMapView } from "./section.js";
import { directoryName } from "./objdir.js";
import { namespaceOf } from "../obmgr/namespace.js";
import { processOfHandle } from "./process.js";
import { readPort, writePort } from "../machine/ports.js";
import { portGranted } from "../machine/resources.js";
import { hw, machineOf, mapPhysical, pciKey, physicalOf, unmapPhysical, virtualOf, MAX_MAP } from "../machine/index.js";

const PAGE = 0x1000n;

// ---- ports ------------------------------------------------------------------------------------

/**
 * The verifier's port rule for HAL's port routines, as for `in`/`out` instructions
 * (verifier/insn.ts): a port outside the I/O ranges assigned to the calling driver is an error;
 * a driver assigned none gets a warning.
 */
function checkPort(ctx: ApiContext, port: number, size: 1 | 2 | 4, what: "in" | "out"): void {
  const c = ctx.caller;
  if (!c || !ctx.kernel.verify) return;
  const g = portGranted(ctx.kernel, c.module, port, size);
  if (g === "granted") return;
  const text = `${what} ${size === 1 ? "byte" : size === 2 ? "word" : "dword"} port 0x${port.toString(16)} at ${c.module}+0x${c.rva.toString(16)}`;
  if (g === "outside") ctx.kernel.verify({ rule: "port-io-outside-resources", message: `${text}: outside the I/O port ranges assigned to ${c.module}` });
  else ctx.kernel.verify({ rule: "port-io-outside-resources", level: "warning", message: `${text}: ${c.module} was assigned no I/O port resources (a legacy driver, or resources the run did not model)` });
}

export function portRead(ctx: ApiContext, port: number, size: 1 | 2 | 4): number {
  const v = readPort(machineOf(ctx.kernel), port, size);
  hw(ctx, "port", "read", port, size, v);
  checkPort(ctx, port, size, "in");
  return v;
}

export function portWrite(ctx: ApiContext, port: number, size: 1 | 2 | 4, value: number): void {
  hw(ctx, "port", "write", port, size, writePort(machineOf(ctx.kernel), port, size, value));
  checkPort(ctx, port, size, "out");
}

const portOf = (ctx: ApiContext) => Number(ctx.arg(0) & 0xffffn);

/**
 * READ_PORT_* / WRITE_PORT_* as routines: exported by x86 hal.dll only (x64 drivers inline `in`/`out`);
 * the "ports" component (api/index.ts); they reach x86 drivers only (x64's export database lacks them).
 */
export function portApis(): ApiDefinition[] {
  const out: ApiDefinition[] = [];
  for (const [suffix, size] of [["UCHAR", 1], ["USHORT", 2], ["ULONG", 4]] as const) {
    out.push(hal(`READ_PORT_${suffix}`, 1, (ctx) => portRead(ctx, portOf(ctx), size)));
    out.push(hal(`WRITE_PORT_${suffix}`, 2, (ctx) => void portWrite(ctx, portOf(ctx), size, Number(ctx.arg(1) & 0xffffffffn))));
    out.push(
      hal(`READ_PORT_BUFFER_${suffix}`, 3, (ctx) => {
        const port = portOf(ctx);
        const buf = ctx.arg(1);
        const n = ctx.u32(2);
        if (n > 0x100000) ctx.fault("invalid-write", `READ_PORT_BUFFER_${suffix}: count ${n} runs past mapped memory`, { address: hex(buf) });
        for (let i = 0; i < n; i++) {
          const v = portRead(ctx, port, size);
          const a = buf + BigInt(i * size);
          if (size === 1) ctx.mem.setU8(a, v);
          else if (size === 2) ctx.mem.setU16(a, v);
          else ctx.mem.setU32(a, v);
        }
      }),
    );
    out.push(
      hal(`WRITE_PORT_BUFFER_${suffix}`, 3, (ctx) => {
        const port = portOf(ctx);
        const buf = ctx.arg(1);
        const n = ctx.u32(2);
        if (n > 0x100000) ctx.fault("invalid-read", `WRITE_PORT_BUFFER_${suffix}: count ${n} runs past mapped memory`, { address: hex(buf) });
        for (let i = 0; i < n; i++) {
          const a = buf + BigInt(i * size);
          portWrite(ctx, port, size, size === 1 ? ctx.mem.u8(a) : size === 2 ? ctx.mem.u16(a) : ctx.mem.u32(a));
        }
      }),
    );
  }
  return out;
}

// ---- PCI configuration space ------------------------------------------------------------------

/** BUS_DATA_TYPE values (wdm.h). */
const PCIConfiguration = 4;
const Cmos = 0;

function busData(ctx: ApiContext, write: boolean, withOffset: boolean): number {
  const api = `Hal${write ? "Set" : "Get"}BusData${withOffset ? "ByOffset" : ""}`;
  const type = ctx.u32(0);
  const bus = ctx.u32(1);
  const slot = ctx.u32(2);
  const buf = ctx.arg(3);
  const offset = withOffset ? ctx.u32(4) : 0;
  const length = withOffset ? ctx.u32(5) : ctx.u32(4);
  const st = machineOf(ctx.kernel);
  const device = slot & 0x1f;
  const fn = (slot >> 5) & 0x7;
  ctx.describe(() => [String(type), String(bus), `${device}.${fn}`, hex(buf), String(offset), String(length)]);
  if (type === Cmos) {
    // CMOS through ports 0x70/0x71: one byte per offset.
    const n = Math.min(length, 128 - Math.min(offset, 128));
    for (let i = 0; i < n; i++) {
      portWrite(ctx, 0x70, 1, offset + i);
      if (write) portWrite(ctx, 0x71, 1, ctx.mem.u8(buf + BigInt(i)));
      else ctx.mem.setU8(buf + BigInt(i), portRead(ctx, 0x71, 1));
    }
    return n;
  }
  if (type !== PCIConfiguration) {
    ctx.warn(`${api}: bus data type ${type} is not modelled (only Cmos and PCIConfiguration)`);
    return 0;
  }
  let maxBus = 0;
  for (const f of st.spec.pci) if (f.bus > maxBus) maxBus = f.bus;
  if (bus > maxBus) return 0; // no such bus
  const cfg = st.config.get(pciKey(bus, device, fn));
  if (!cfg) {
    // Empty slot: documented to return 2 with PCI_INVALID_VENDORID (0xFFFF) in the buffer.
    if (!write && length >= 2) ctx.mem.setU16(buf, 0xffff);
    hw(ctx, "pci", write ? "write" : "read", (bus << 16) | (device << 11) | (fn << 8) | offset, Math.min(length, 2), 0xffff, { bus, device, function: fn, empty: true });
    return write ? 0 : 2;
  }
  if (offset >= 256) return 0;
  const n = Math.min(length, 256 - offset);
  if (write) {
    const data = ctx.mem.read(buf, n);
    // Vendor and device ID are read-only.
    for (let i = 0; i < n; i++) if (offset + i >= 4) cfg[offset + i] = data[i]!;
  } else ctx.mem.write(buf, cfg.subarray(offset, offset + n));
  let v = 0n;
  const shown = write ? ctx.mem.read(buf, Math.min(n, 8)) : cfg.subarray(offset, offset + Math.min(n, 8));
  for (let k = shown.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(shown[k]!);
  hw(ctx, "pci", write ? "write" : "read", (bus << 16) | (device << 11) | (fn << 8) | offset, n, v, { bus, device, function: fn });
  return n;
}

// ---- \Device\PhysicalMemory sections ------------------------------------------------------------

/**
 * The one \Device\PhysicalMemory section object of a kernel: a small pool body registered with
 * the object manager, so ObReferenceObjectByHandle on a section handle (ObjectType NULL or
 * *MmSectionObjectType, as AsIO64/MsIo64-style drivers call it before mapping a view into the
 * caller's process) returns an object as Windows does. Permanent, like the named kernel object.
 */
const sectionObjects = new WeakMap<KernelState, bigint>();
function physicalMemorySection(ctx: ApiContext): bigint | undefined {
  const known = sectionObjects.get(ctx.kernel);
  if (known !== undefined && objectManager(ctx.kernel).objects.has(known)) return known;
  const body = ctx.kernel.kernelPool?.allocate(0x30, 0x74636553 /* 'Sect' */);
  if (!body) return undefined;
  registerObject(ctx.kernel, body, { type: "Section", name: "\\Device\\PhysicalMemory", permanent: true });
  sectionObjects.set(ctx.kernel, body);
  return body;
}

/** OBJECT_ATTRIBUTES.ObjectName: after Length and RootDirectory, pointer-aligned (0x10 on x64, 8 on x86). */
const OA_NAME = () => 2 * ptrSize();
const OA_ATTRIBUTES = () => 3 * ptrSize();

export const apis: ApiDefinition[] = [
  nt("MmMapIoSpace", 3, (ctx) => {
    const pa = BigInt.asUintN(64, ctx.arg(0));
    const size = Number(BigInt.asUintN(64, ctx.arg(1)) & 0xffffffffn);
    ctx.describe([hex(pa), hex(size), String(ctx.u32(2))]);
    if (BigInt.asUintN(64, ctx.arg(1)) === 0n) return 0n;
    return mapPhysical(ctx, pa, size, "mmio");
  }),
  nt("MmMapIoSpaceEx", 3, (ctx) => {
    const pa = BigInt.asUintN(64, ctx.arg(0));
    const size = Number(BigInt.asUintN(64, ctx.arg(1)) & 0xffffffffn);
    const protect = ctx.u32(2);
    ctx.describe([hex(pa), hex(size), hex(protect)]);
    // PAGE_READWRITE/PAGE_READONLY (+ PAGE_NOCACHE/PAGE_WRITECOMBINE) only; executable protections are refused.
    const base = protect & 0xff;
    if (base !== 0x02 && base !== 0x04) return 0n;
    if (size === 0) return 0n;
    return mapPhysical(ctx, pa, size, "mmio");
  }),
  nt("MmUnmapIoSpace", 2, (ctx) => {
    const va = BigInt.asUintN(64, ctx.arg(0));
    ctx.describe([hex(va), hex(ctx.arg(1))]);
    if (!unmapPhysical(ctx, va, "MmUnmapIoSpace", Number(ctx.arg(1) & 0xffffffffn)))
      ctx.fault("bugcheck", `MmUnmapIoSpace(${hex(va)}): not an address MmMapIoSpace returned (Windows bugchecks with a PTE error)`, { code: "0x0000001A" });
  }),
  nt("MmGetPhysicalMemoryRanges", 0, (ctx) => {
    const st = machineOf(ctx.kernel);
    const n = st.spec.ram.length + 1;
    // Tag 'hPmM' (memory order "MmPh"), which callers pass to ExFreePoolWithTag (HyperPlatform's util.cpp does).
    const a = ctx.pool.allocate(n * 16, 0x68506d4d /* 'hPmM' */, 0, true);
    if (a === 0n) return 0n;
    st.spec.ram.forEach((r, i) => {
      ctx.mem.setU64(a + BigInt(i * 16), r.base);
      ctx.mem.setU64(a + BigInt(i * 16 + 8), r.size);
    });
    return a;
  }),
  nt("MmGetVirtualForPhysical", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return virtualOf(ctx, BigInt.asUintN(64, ctx.arg(0)));
  }),
  nt("MmGetPhysicalAddress", 1, (ctx) => {
    const a = BigInt.asUintN(64, ctx.arg(0));
    ctx.describe([hex(a)]);
    return physicalOf(ctx, a);
  }),
  hal("HalGetBusDataByOffset", 6, (ctx) => busData(ctx, false, true)),
  hal("HalSetBusDataByOffset", 6, (ctx) => busData(ctx, true, true)),
  hal("HalGetBusData", 5, (ctx) => busData(ctx, false, false)),
  hal("HalSetBusData", 5, (ctx) => busData(ctx, true, false)),
  hal("HalTranslateBusAddress", 5, (ctx) => {
    const type = ctx.i32(0);
    const addr = BigInt.asUintN(64, ctx.arg(2));
    const space = ctx.arg(3);
    const out = ctx.arg(4);
    ctx.describe([String(type), String(ctx.u32(1)), hex(addr), hex(space), hex(out)]);
    // Internal (0), Isa (1), Eisa (2), PCIBus (5): identity translation, AddressSpace unchanged.
    if (![0, 1, 2, 5].includes(type)) return 0;
    ctx.mem.u32(space);
    writePtr(ctx.mem, out, addr);
    return 1;
  }),
  nt("ZwOpenSection", 3, (ctx) => {
    const out = ctx.arg(0);
    const oa = ctx.arg(2);
    if (oa === 0n) return STATUS.INVALID_PARAMETER;
    const namePtr = readPtr(ctx.mem, oa + BigInt(OA_NAME()));
    const name = namePtr === 0n ? "" : (unicodeText(ctx.mem, namePtr) ?? "");
    ctx.describe([hex(out), hex(ctx.u32(1)), q(name)]);
    const attributes = ctx.mem.u32(oa + BigInt(OA_ATTRIBUTES()));
    if (name.toLowerCase() !== "\\device\\physicalmemory") {
      // A section a driver created with a name (api/section.ts).
      const nsName = directoryName(name);
      const made = namespaceOf(ctx.kernel).named.get(nsName);
      const s = made?.type === "Section" && made.object !== undefined ? sectionByBody(ctx, made.object) : undefined;
      if (!s) return STATUS.OBJECT_NAME_NOT_FOUND;
      writePtr(ctx.mem, out, sectionHandle(ctx, s, ctx.u32(1), attributes, nsName));
      return STATUS.SUCCESS;
    }
    const object = physicalMemorySection(ctx);
    const h = insertHandle(ctx.kernel, { type: "Section", ...(object !== undefined ? { object } : {}), data: { physical: true }, access: ctx.u32(1), kernelHandle: (attributes & 0x200) !== 0 });
    writePtr(ctx.mem, out, h);
    return STATUS.SUCCESS;
  }),
  nt("ZwMapViewOfSection", 10, (ctx) => {
    const h = lookupHandle(ctx.kernel, ctx.arg(0));
    const process = BigInt.asIntN(8 * ptrSize(), ctx.arg(1));
    const basePtr = ctx.arg(2);
    const offsetPtr = ctx.arg(5);
    const sizePtr = ctx.arg(6);
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(basePtr), hex(offsetPtr), hex(sizePtr)]);
    if (!h) return STATUS.INVALID_HANDLE;
    if (h.type !== "Section") return STATUS.OBJECT_TYPE_MISMATCH;
    const section = sectionOfHandle(h);
    if (section) return zwMapView(ctx, section);
    if (process !== -1n) return STATUS.INVALID_HANDLE;
    const want = BigInt.asUintN(64, readPtr(ctx.mem, sizePtr));
    const offset = offsetPtr === 0n ? 0n : BigInt.asUintN(64, ctx.mem.u64(offsetPtr));
    if (readPtr(ctx.mem, basePtr) !== 0n) return 0xc0000018; // STATUS_CONFLICTING_ADDRESSES: fixed bases are not offered
    if (want === 0n) return 0xc000001f; // STATUS_INVALID_VIEW_SIZE (a physical memory section has no size to default to)
    const start = offset & ~(PAGE - 1n);
    const size = ((offset + want + PAGE - 1n) & ~(PAGE - 1n)) - start;
    if (size > BigInt(MAX_MAP)) return STATUS.NO_MEMORY;
    const va = mapPhysical(ctx, start, Number(size), "physical");
    if (va === 0n) return STATUS.NO_MEMORY;
    writePtr(ctx.mem, basePtr, va);
    if (offsetPtr !== 0n) ctx.mem.setU64(offsetPtr, start);
    writePtr(ctx.mem, sizePtr, size);
    return STATUS.SUCCESS;
  }),
  nt("ZwUnmapViewOfSection", 2, (ctx) => {
    const va = BigInt.asUintN(64, ctx.arg(1));
    ctx.describe([hex(ctx.arg(0)), hex(va)]);
    if (BigInt.asIntN(8 * ptrSize(), ctx.arg(0)) !== -1n) {
      const p = processOfHandle(ctx, ctx.arg(0));
      if (typeof p === "number") return p;
    }
    if (unmapView(ctx, va)) return STATUS.SUCCESS;
    return unmapPhysical(ctx, va, "ZwUnmapViewOfSection") ? STATUS.SUCCESS : 0xc0000019; // STATUS_NOT_MAPPED_VIEW
  }),
  // ---- interrupts
  hal("HalGetInterruptVector", 6, (ctx) => {
    const level = ctx.u32(2);
    const irqlPtr = ctx.arg(4);
    const affPtr = ctx.arg(5);
    ctx.describe([String(ctx.i32(0)), String(ctx.u32(1)), String(level), String(ctx.u32(3))]);
    // Device IRQL = 12 - (level mod 8) (above DISPATCH, below CLOCK), vector = 0x30 + level.
    ctx.mem.setU8(irqlPtr, 12 - (level % 8));
    writePtr(ctx.mem, affPtr, 1n);
    return 0x30 + (level & 0xff);
  }),
  nt("IoConnectInterrupt", 11, (ctx) => {
    const out = ctx.arg(0);
    const isr = ctx.arg(1);
    const vector = ctx.u32(4);
    const irql = ctx.u32(5) & 0xff;
    ctx.describe([hex(out), ctx.kernel.where?.(isr) ?? hex(isr), hex(ctx.arg(2)), String(vector), String(irql)]);
    if (isr === 0n) return STATUS.INVALID_PARAMETER;
    const st = machineOf(ctx.kernel);
    const obj = ctx.kernel.kernelPool?.allocate(0x100, 0x72746e49 /* 'Intr' */) ?? 0n;
    if (obj === 0n) return STATUS.INSUFFICIENT_RESOURCES;
    ctx.mem.setU16(obj, 0x16); // InterruptObject type
    st.interrupts.set(obj, { vector, isr, context: ctx.arg(2), irql, module: ctx.caller?.module ?? "?" });
    writePtr(ctx.mem, out, obj);
    hw(ctx, "interrupt", "connect", vector, undefined, undefined, { isr: ctx.kernel.where?.(isr) ?? hex(isr), irql });
    return STATUS.SUCCESS;
  }),
  nt("IoDisconnectInterrupt", 1, (ctx) => {
    const obj = ctx.arg(0);
    const st = machineOf(ctx.kernel);
    const i = st.interrupts.get(obj);
    if (!i) return ctx.fault("bugcheck", `IoDisconnectInterrupt(${hex(obj)}): not a connected interrupt object`, { code: "0x0000000A" });
    st.interrupts.delete(obj);
    hw(ctx, "interrupt", "disconnect", i.vector);
    ctx.kernel.kernelPool?.free(obj);
  }),
  nt("KeSynchronizeExecution", 3, (ctx) => {
    const obj = ctx.arg(0);
    const routine = ctx.arg(1);
    const st = machineOf(ctx.kernel);
    const i = st.interrupts.get(obj);
    if (!i) return ctx.fault("bugcheck", `KeSynchronizeExecution(${hex(obj)}): not a connected interrupt object`, { code: "0x0000000A" });
    const old = ctx.kernel.irql;
    ctx.kernel.irql = Math.max(old, i.irql);
    try {
      return ctx.callGuest(routine, [ctx.arg(2)]) & 0xffn;
    } finally {
      ctx.kernel.irql = old;
    }
  }),
  nt("KeQueryActiveProcessors", 0, (ctx) => (1n << BigInt(machineOf(ctx.kernel).spec.processors)) - 1n),
  nt("KeSetSystemAffinityThread", 1, (ctx) => void ctx.describe([hex(ctx.arg(0))])),
  nt("KeRevertToUserAffinityThread", 0, () => undefined),
  nt("KeSetSystemAffinityThreadEx", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return (1n << BigInt(machineOf(ctx.kernel).spec.processors)) - 1n;
  }),
  nt("KeRevertToUserAffinityThreadEx", 1, () => undefined),
  nt("KeQueryMaximumProcessorCount", 0, (ctx) => machineOf(ctx.kernel).spec.processors),
  nt("KeQueryMaximumProcessorCountEx", 1, (ctx) => (ctx.u32(0) === 0 || ctx.u32(0) === 0xffff ? machineOf(ctx.kernel).spec.processors : 0)),
  nt("KeGetProcessorNumberFromIndex", 2, (ctx) => {
    const n = machineOf(ctx.kernel).spec.processors;
    if (ctx.u32(0) >= n) return STATUS.INVALID_PARAMETER;
    const out = ctx.arg(1);
    ctx.mem.setU16(out, 0);
    ctx.mem.setU8(out + 2n, ctx.u32(0));
    ctx.mem.setU8(out + 3n, 0);
    return STATUS.SUCCESS;
  }),
  nt("KeGetProcessorIndexFromNumber", 1, (ctx) => {
    const p = ctx.arg(0);
    const group = ctx.mem.u16(p);
    const num = ctx.mem.u8(p + 2n);
    return group === 0 && num < machineOf(ctx.kernel).spec.processors ? num : 0xffffffff;
  }),
];

/** Ends the run: interrupts still connected by `module` (it unloads with its ISR live). */
export function interruptsOf(kernel: KernelState, module: string): number {
  return [...machineOf(kernel).interrupts.values()].filter((i) => i.module === module).length;
}

