/**
 * The machine description behind the hardware routines (docs/machine.md): RAM ranges, initial
 * physical memory contents, I/O port values, PCI functions, MSRs, processors. Pure data: the
 * default machine and the parser of a JSON machine file.
 */
import { isCpuChoice, type CpuChoice } from "../../nt/cpu-identity.js";
import { parseFirmware, type FirmwareSpec } from "./firmware.js";

export interface PciFunctionSpec {
  bus: number;
  device: number;
  function: number;
  /** Configuration space (256 bytes; shorter is padded with zeros), hex string. */
  config?: string;
  vendorId?: number;
  deviceId?: number;
  classCode?: number;
  subclass?: number;
  bars?: number[];
}

/** A process of the booted system (api/processes.ts): PID, parent PID, image name, session, PS_PROTECTION byte. */
export interface ProcessSpec {
  pid: number;
  parent: number;
  name: string;
  session: number;
  protection?: number;
}

export interface MachineSpec {
  /** RAM ranges reported by MmGetPhysicalMemoryRanges. */
  ram: { base: bigint; size: bigint }[];
  /** Initial physical memory contents: address → bytes (device memory, BIOS data area, ...), written over `lowMemory`. */
  physical: { address: bigint; bytes: Uint8Array }[];
  /** The first MiB: a BIOS PC's IVT, BDA, EBDA, text buffer and ROMs (lowmem.ts), or nothing (all ones outside `ram`). */
  lowMemory: "pc" | "none";
  /** I/O port read values (a port latches the last value written to it). Unknown ports read all ones. */
  ports: Map<number, number>;
  pci: PciFunctionSpec[];
  /** Model-specific registers: what rdmsr reads (verifier/trap.ts, verifier/insn.ts). */
  msrs: Map<number, bigint>;
  processors: number;
  /** I/O port ranges the PnP manager assigned to each driver (lower-case image name), for the port I/O rule. */
  portResources: Map<string, { base: number; length: number }[]>;
  /** The processes of the booted system; absent: the default list (api/processes.ts). */
  processes?: ProcessSpec[];
  /** The processor (nt/cpu-identity.ts): "amd" (Unicorn's qemu64, the default) or "intel" (Skylake-Client). */
  cpu: CpuChoice;
  /** SMBIOS and ACPI tables replacing the defaults (firmware.ts). */
  firmware?: FirmwareSpec;
}

/**
 * What rdmsr reads on the "intel" CPU unless the file's `msrs` says otherwise (Intel SDM vol. 4,
 * "Architectural MSRs" and the Core-family thermal MSRs): TjMax 100 °C, the core and the package at
 * 50 °C (readout = TjMax − temperature, reading valid, 1 °C resolution), thermal interrupts off.
 */
export const INTEL_THERMAL_MSRS: ReadonlyMap<number, bigint> = new Map([
  [0x19b, 0n], // IA32_THERM_INTERRUPT
  [0x19c, 0x88320000n], // IA32_THERM_STATUS: bit 31 reading valid, bits 30:27 resolution 1, bits 22:16 readout 50
  [0x1a2, 0x00640000n], // MSR_TEMPERATURE_TARGET: bits 23:16 TjMax = 100
  [0x1b1, 0x00320000n], // IA32_PACKAGE_THERM_STATUS: bits 22:16 package readout 50
  [0x1b2, 0n], // IA32_PACKAGE_THERM_INTERRUPT
]);

export const DEFAULT_MACHINE_JSON = {
  about: "kmdll default machine: 2 GiB of RAM, a BIOS PC's first MiB, one host bridge and one network controller on PCI bus 0, CMOS ports",
  ram: [
    { base: "0x1000", size: "0x9e000" },
    { base: "0x100000", size: "0x7ff00000" },
  ],
  physical: [{ address: "0xf0000", ascii: "kmdll BIOS" }],
  ports: { "0x70": "0x00", "0x71": "0x00", "0x64": "0x1c", "0x60": "0x00", "0xcf8": "0x00000000" },
  pci: [
    { bus: 0, device: 0, function: 0, vendorId: "0x8086", deviceId: "0x1237", classCode: "0x06", subclass: "0x00" },
    { bus: 0, device: 3, function: 0, vendorId: "0x8086", deviceId: "0x100e", classCode: "0x02", subclass: "0x00", bars: ["0xfebc0000", "0x0000c001"] },
  ],
  msrs: { "0x1b": "0xfee00900", "0x10": "0x0" },
  processors: 1,
};

/** Parse a machine description (the JSON of docs/machine.md). Throws an Error naming the bad field. */
export function parseMachine(json: unknown): MachineSpec {
  const o = (json ?? {}) as Record<string, unknown>;
  const num = (v: unknown, what: string): bigint => {
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === "string" && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v.trim())) return BigInt(v.trim());
    throw new Error(`machine: ${what}: expected a non-negative integer or "0x..." string, got ${JSON.stringify(v)}`);
  };
  const arr = (v: unknown, what: string): unknown[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new Error(`machine: ${what}: expected an array`);
    return v;
  };
  const ram = arr(o["ram"], "ram").map((r, i) => {
    const x = r as Record<string, unknown>;
    return { base: num(x["base"], `ram[${i}].base`), size: num(x["size"], `ram[${i}].size`) };
  });
  const physical = arr(o["physical"], "physical").map((r, i) => {
    const x = r as Record<string, unknown>;
    let bytes: Uint8Array;
    if (typeof x["hex"] === "string") {
      const h = (x["hex"] as string).replace(/\s+/g, "");
      if (!/^([0-9a-f]{2})*$/i.test(h)) throw new Error(`machine: physical[${i}].hex: not hex bytes`);
      bytes = Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
    } else if (typeof x["ascii"] === "string") bytes = Uint8Array.from(x["ascii"] as string, (c) => c.charCodeAt(0) & 0xff);
    else throw new Error(`machine: physical[${i}]: needs "hex" or "ascii"`);
    if (bytes.length > 0x100000) throw new Error(`machine: physical[${i}]: more than 1 MiB`);
    return { address: num(x["address"], `physical[${i}].address`), bytes };
  });
  const ports = new Map<number, number>();
  for (const [k, v] of Object.entries((o["ports"] ?? {}) as Record<string, unknown>)) {
    const p = Number(num(k, `ports key ${k}`));
    if (p > 0xffff) throw new Error(`machine: port ${k} is above 0xFFFF`);
    ports.set(p, Number(num(v, `ports[${k}]`) & 0xffffffffn));
  }
  const pci = arr(o["pci"], "pci").map((r, i) => {
    const x = r as Record<string, unknown>;
    const f: PciFunctionSpec = {
      bus: Number(num(x["bus"] ?? 0, `pci[${i}].bus`)),
      device: Number(num(x["device"], `pci[${i}].device`)),
      function: Number(num(x["function"] ?? 0, `pci[${i}].function`)),
    };
    if (f.bus > 255 || f.device > 31 || f.function > 7) throw new Error(`machine: pci[${i}]: bus/device/function out of range`);
    if (typeof x["config"] === "string") f.config = x["config"] as string;
    for (const k of ["vendorId", "deviceId", "classCode", "subclass"] as const) if (x[k] !== undefined) f[k] = Number(num(x[k], `pci[${i}].${k}`));
    if (x["bars"] !== undefined) f.bars = arr(x["bars"], `pci[${i}].bars`).map((b, j) => Number(num(b, `pci[${i}].bars[${j}]`) & 0xffffffffn));
    return f;
  });
  const cpu = o["cpu"] ?? "amd";
  if (!isCpuChoice(cpu)) throw new Error(`machine: cpu: expected "amd" or "intel", got ${JSON.stringify(cpu)}`);
  const msrs = new Map<number, bigint>(cpu === "intel" ? INTEL_THERMAL_MSRS : []);
  for (const [k, v] of Object.entries((o["msrs"] ?? {}) as Record<string, unknown>)) msrs.set(Number(num(k, `msrs key ${k}`)), num(v, `msrs[${k}]`));
  const processors = Number(num(o["processors"] ?? 1, "processors"));
  if (processors < 1 || processors > 64) throw new Error("machine: processors: 1..64");
  const portResources = new Map<string, { base: number; length: number }[]>();
  for (const [drv, v] of Object.entries((o["resources"] ?? {}) as Record<string, unknown>)) {
    const ranges = arr((v as Record<string, unknown> | null)?.["ports"], `resources.${drv}.ports`).map((r, i) => {
      const x = (r ?? {}) as Record<string, unknown>;
      const base = Number(num(x["base"], `resources.${drv}.ports[${i}].base`));
      const length = Number(num(x["length"], `resources.${drv}.ports[${i}].length`));
      if (base > 0xffff || length < 1 || base + length > 0x10000) throw new Error(`machine: resources.${drv}.ports[${i}]: not a range of ports 0..0xFFFF`);
      return { base, length };
    });
    portResources.set(drv.toLowerCase(), ranges);
  }
  const lowMemory = o["lowMemory"] ?? "pc";
  if (lowMemory !== "pc" && lowMemory !== "none") throw new Error(`machine: lowMemory: expected "pc" or "none", got ${JSON.stringify(lowMemory)}`);
  const processes = o["processes"] === undefined ? undefined : parseProcesses(arr(o["processes"], "processes"), num);
  const firmware = parseFirmware(o["firmware"]);
  return { ram, physical, lowMemory, ports, pci, msrs, processors, portResources, cpu, ...(processes ? { processes } : {}), ...(firmware ? { firmware } : {}) };
}


/** `processes`: [{ pid, parent, name, session, protection? }], PID 4 (System) included, PIDs distinct multiples of 4. */
function parseProcesses(rows: unknown[], num: (v: unknown, what: string) => bigint): ProcessSpec[] {
  if (rows.length > 256) throw new Error("machine: processes: at most 256");
  const seen = new Set<number>();
  const out = rows.map((r, i) => {
    const x = (r ?? {}) as Record<string, unknown>;
    const pid = Number(num(x["pid"], `processes[${i}].pid`));
    const name = x["name"];
    if (typeof name !== "string" || name.length === 0 || name.length > 255) throw new Error(`machine: processes[${i}].name: a non-empty string`);
    if (pid <= 0 || pid % 4 !== 0 || pid > 0xfffffffc || seen.has(pid)) throw new Error(`machine: processes[${i}].pid: a distinct non-zero multiple of 4`);
    seen.add(pid);
    const p: ProcessSpec = { pid, parent: Number(num(x["parent"] ?? 0, `processes[${i}].parent`)), name, session: Number(num(x["session"] ?? 0, `processes[${i}].session`)) };
    if (x["protection"] !== undefined) p.protection = Number(num(x["protection"], `processes[${i}].protection`) & 0xffn);
    return p;
  });
  if (!seen.has(4)) throw new Error("machine: processes: the list must contain System (pid 4)");
  return out;
}
