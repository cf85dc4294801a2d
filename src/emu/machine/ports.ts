/**
 * I/O port reads and writes against the machine model's port latches (docs/machine.md), shared by
 * the READ_PORT_* / WRITE_PORT_* routines (api/machine.ts) and the `in`/`out` instruction hook
 * (verifier/insn.ts). Pure state updates: the callers emit the `hardware` events.
 */
import type { MachineState } from "./state.js";

export type PortSize = 1 | 2 | 4;

/** The value an `in` of `size` bytes reads at `port`: latched bytes, all ones where nothing is latched. */
export function readPort(st: MachineState, port: number, size: PortSize): number {
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
  if (size === 1) st.ports.set(port, v);
  else if (st.ports.has(port) && st.ports.get(port)! > 0xff) st.ports.set(port, v);
  else for (let i = 0; i < size; i++) st.ports.set(port + i, (v >>> (8 * i)) & 0xff);
  return v;
}
