/**
 * The PC's 8042 keyboard controller behind ports 0x60 (data) and 0x64 (status / command), for a
 * machine whose `ports` name 0x64 (the default machine does; its value is the status register's
 * fixed bits, 0x1C: system flag, command/data, keyboard not inhibited). Drivers that talk to it
 * directly (keyloggers, input injectors: rootkit.com's inp.sys family) poll the status register
 * until the input buffer is empty before each write and until the output buffer is full before
 * each read; a plain latch never changes and they spin forever.
 *
 * Sources: IBM "Personal System/2 Hardware Interface Technical Reference", keyboard/auxiliary
 * device controller (status bits, commands 20h/60h/AAh/ABh/ADh/AEh/A7h/A8h/A9h/C0h/D0h/D1h/
 * D2h/D3h/D4h), and the OSDev wiki "8042 PS/2 Controller" and "PS/2 Keyboard" pages (keyboard
 * replies: FAh acknowledge, AAh self-test passed, EEh echo, ABh 83h identity). The controller
 * takes each byte at once, so the input-buffer-full bit (1) always reads 0; bytes for the CPU
 * queue up and set output-buffer-full (bit 0), bit 5 for the auxiliary (mouse) port's.
 */
import type { MachineState } from "./state.js";

export const I8042_DATA = 0x60;
export const I8042_STATUS = 0x64;

const OBF = 0x01, IBF = 0x02, A2 = 0x08, AUXB = 0x20;
/** The configuration byte a BIOS leaves: keyboard interrupt on, system flag, translation (OSDev). */
const DEFAULT_CONFIG = 0x45;
/** Bytes queued for the CPU at most (a driver writing without reading cannot grow it without bound). */
const MAX_QUEUE = 16;

interface Controller {
  /** Bytes for the CPU, oldest first; aux: from the auxiliary port. */
  out: { byte: number; aux: boolean }[];
  /** The last byte read from 0x60 (read again when the queue is empty, as on hardware). */
  last: number;
  /** A command waiting for its data byte (60h, D1h, D2h, D3h, D4h), or null. */
  pending: number | null;
  /** Bit 3 of the status: the last write went to 0x64 (a command). */
  command: boolean;
  config: number;
  outputPort: number;
}

const controllers = new WeakMap<MachineState, Controller>();

function controllerOf(st: MachineState): Controller | null {
  if (!st.spec.ports.has(I8042_STATUS)) return null;
  let c = controllers.get(st);
  if (!c) controllers.set(st, (c = { out: [], last: st.spec.ports.get(I8042_DATA) ?? 0, pending: null, command: true, config: DEFAULT_CONFIG, outputPort: 0xcf }));
  return c;
}

function push(c: Controller, byte: number, aux = false): void {
  if (c.out.length < MAX_QUEUE) c.out.push({ byte: byte & 0xff, aux });
}

/** What the keyboard answers a byte sent to it. */
function keyboardReply(c: Controller, byte: number): void {
  if (byte === 0xee) return push(c, 0xee); // echo
  push(c, 0xfa); // acknowledge
  if (byte === 0xff) push(c, 0xaa); // reset: self-test passed
  else if (byte === 0xf2) (push(c, 0xab), push(c, 0x83)); // identify: MF2 keyboard
}

/** A byte read from `port` (1-byte access) when the controller handles it, else undefined. */
export function i8042Read(st: MachineState, port: number): number | undefined {
  if (port !== I8042_DATA && port !== I8042_STATUS) return undefined;
  const c = controllerOf(st);
  if (!c) return undefined;
  if (port === I8042_DATA) {
    const b = c.out.shift();
    if (b) c.last = b.byte;
    return c.last;
  }
  const fixed = (st.ports.get(I8042_STATUS) ?? st.spec.ports.get(I8042_STATUS) ?? 0x1c) & ~(OBF | IBF | A2 | AUXB);
  const head = c.out[0];
  return (fixed | (head ? OBF : 0) | (head?.aux ? AUXB : 0) | (c.command ? A2 : 0)) & 0xff;
}

/** A byte written to `port` (1-byte access); true when the controller took it. */
export function i8042Write(st: MachineState, port: number, value: number): boolean {
  if (port !== I8042_DATA && port !== I8042_STATUS) return false;
  const c = controllerOf(st);
  if (!c) return false;
  const v = value & 0xff;
  if (port === I8042_STATUS) {
    c.command = true;
    c.pending = null;
    if (v >= 0x20 && v <= 0x3f) push(c, v === 0x20 ? c.config : 0); // read controller RAM (byte 0: configuration)
    else if ((v >= 0x60 && v <= 0x7f) || v === 0xd1 || v === 0xd2 || v === 0xd3 || v === 0xd4) c.pending = v;
    else if (v === 0xaa) push(c, 0x55); // self-test passed
    else if (v === 0xa9 || v === 0xab) push(c, 0x00); // port tests passed
    else if (v === 0xad) c.config |= 0x10; // disable keyboard
    else if (v === 0xae) c.config &= ~0x10;
    else if (v === 0xa7) c.config |= 0x20; // disable auxiliary port
    else if (v === 0xa8) c.config &= ~0x20;
    else if (v === 0xc0) push(c, 0xbf); // input port: keyboard not inhibited
    else if (v === 0xd0) push(c, c.outputPort);
    return true;
  }
  c.command = false;
  const cmd = c.pending;
  c.pending = null;
  if (cmd === null) keyboardReply(c, v);
  else if (cmd === 0x60) c.config = v;
  else if (cmd === 0xd1) c.outputPort = v;
  else if (cmd === 0xd2) push(c, v); // as if the keyboard sent it
  else if (cmd === 0xd3) push(c, v, true); // as if the mouse sent it
  else if (cmd === 0xd4) push(c, 0xfa, true); // to the mouse: acknowledged
  return true;
}
