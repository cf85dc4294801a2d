/**
 * I/O port reads and writes against the machine model's port latches (docs/machine.md), shared by
 * the READ_PORT_* / WRITE_PORT_* routines (api/machine.ts) and the `in`/`out` instruction hook
 * (verifier/insn.ts). Pure state updates: the callers emit the `hardware` events.
 */
import { pciKey, type MachineState } from "./state.js";
import { i8042Read, i8042Write } from "./i8042.js";

export type PortSize = 1 | 2 | 4;

/**
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2; the form every PC
 * chipset decodes): a dword written to CONFIG_ADDRESS (0xCF8) selects bus [23:16], device [15:11],
 * function [10:8] and dword register [7:2] when bit 31 (enable) is set; CONFIG_DATA (0xCFC–0xCFF)
 * then reads or writes that register's bytes. A function the machine has not got reads all ones
 * (vendor ID 0xFFFF: an empty slot), as on hardware. The machine's configuration spaces are the
 * ones HalGetBusDataByOffset/HalSetBusDataByOffset use (docs/machine.md), so both ways agree.
 */
const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;

/** CONFIG_ADDRESS as a dword: its four bytes (0 where never written, as after reset), or a machine file's whole value. */
function configAddress(st: MachineState): number {
  const w = st.ports.get(CONFIG_ADDRESS);
  if (w !== undefined && w > 0xff) return w >>> 0;
  let a = 0;
  for (let i = 0; i < 4; i++) a |= ((st.ports.get(CONFIG_ADDRESS + i) ?? 0) & 0xff) << (8 * i);
  return a >>> 0;
}

function configTarget(st: MachineState, port: number, size: PortSize): { cfg: Uint8Array | undefined; offset: number } | null {
  if (port < CONFIG_DATA || port + size > CONFIG_DATA + 4) return null;
  const a = configAddress(st);
  if ((a & 0x80000000) === 0) return null;
  const bus = (a >>> 16) & 0xff, device = (a >>> 11) & 0x1f, fn = (a >>> 8) & 0x7;
  return { cfg: st.config.get(pciKey(bus, device, fn)), offset: (a & 0xfc) + (port - CONFIG_DATA) };
}

/** What a CONFIG_DATA access reaches, for the caller's event: bus/device/function and register, or null (not a configuration access). */
export function pciConfigAccess(st: MachineState, port: number, size: PortSize): { bus: number; device: number; function: number; offset: number; empty: boolean } | null {
  const t = configTarget(st, port, size);
  if (!t) return null;
  const a = configAddress(st);
  return { bus: (a >>> 16) & 0xff, device: (a >>> 11) & 0x1f, function: (a >>> 8) & 0x7, offset: t.offset, empty: t.cfg === undefined };
}

/** The value an `in` of `size` bytes reads at `port`: latched bytes, all ones where nothing is latched. */
export function readPort(st: MachineState, port: number, size: PortSize): number {
  const kbc = size === 1 ? i8042Read(st, port) : undefined; // the keyboard controller (./i8042.ts)
  if (kbc !== undefined) return kbc;
  if (port >= CONFIG_ADDRESS && port + size <= CONFIG_ADDRESS + 4) return size === 4 ? configAddress(st) : (configAddress(st) >>> (8 * (port - CONFIG_ADDRESS))) & (size === 1 ? 0xff : 0xffff);
  const t = configTarget(st, port, size);
  if (t) {
    let v = 0;
    for (let i = 0; i < size; i++) v |= (t.cfg ? t.cfg[t.offset + i]! : 0xff) << (8 * i);
    return v >>> 0;
  }
  let v = 0;
  for (let i = 0; i < size; i++) {
    const b = st.ports.has(port + i) ? st.ports.get(port + i)! & 0xff : 0xff;
    v |= b << (8 * i);
  }
  // A port configured with a wider value (e.g. 0xCF8) reads that value whole.
  if (size > 1 && st.ports.has(port)) {
    const w = st.ports.get(port)!;
    if (w > 0xff) v = w & (size === 2 ? 0xffff : 0xffffffff);
  }
  return v >>> 0;
}

/** Latch an `out` of `size` bytes; returns the value as written (masked to its size). */
export function writePort(st: MachineState, port: number, size: PortSize, value: number): number {
  const v = (value & (size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff)) >>> 0;
  if (size === 1 && i8042Write(st, port, v)) return v;
  const t = configTarget(st, port, size);
  if (t) {
    // Vendor and device ID are read-only (as HalSetBusDataByOffset treats them); an empty slot ignores the write.
    if (t.cfg) for (let i = 0; i < size; i++) if (t.offset + i >= 4) t.cfg[t.offset + i] = (v >>> (8 * i)) & 0xff;
    return v;
  }
  if (port >= CONFIG_ADDRESS && port + size <= CONFIG_ADDRESS + 4) {
    // CONFIG_ADDRESS is a dword register whose bytes can be written alone: kept as four bytes.
    const a = configAddress(st);
    for (let i = 0; i < 4; i++) st.ports.set(CONFIG_ADDRESS + i, (a >>> (8 * i)) & 0xff);
    for (let i = 0; i < size; i++) st.ports.set(port + i, (v >>> (8 * i)) & 0xff);
    return v;
  }
  if (size === 1) st.ports.set(port, v);
  else if (st.ports.has(port) && st.ports.get(port)! > 0xff) st.ports.set(port, v);
  else for (let i = 0; i < size; i++) st.ports.set(port + i, (v >>> (8 * i)) & 0xff);
  return v;
}
