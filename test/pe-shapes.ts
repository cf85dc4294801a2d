/**
 * Test/bench helper: synthetic x64 driver images written from the PE format documentation (not
 * with kmdll's reader), for shapes no example project is worth building: import chains of
 * thousands of export drivers, and images with thousands of sections.
 *
 * Export tables: exportImage writes a directory with any slot count and any (name → slot) list,
 * duplicates and awkward characters included.
 *
 * Chain: m0.sys is a standard driver whose DriverEntry sets a DriverUnload and returns STATUS_SUCCESS, and which imports
 * F1 from m1.sys; each mK.sys (K ≥ 1) is an export driver exporting DllInitialize, DllUnload and
 * FK (all `xor eax, eax; ret`) and importing F(K+1) from m(K+1).sys; the last imports nothing.
 */
import { buildPe, type BuildSection } from "./pe-build.js";

const enc = new TextEncoder();
/** xor eax, eax; ret */
const RET0 = [0x31, 0xc0, 0xc3];
const TEXT = 0x1000;
const RDATA = 0x2000;

class Blob {
  bytes: number[] = [];
  constructor(readonly rva: number) {}
  get here(): number {
    return this.rva + this.bytes.length;
  }
  align(n: number): this {
    while (this.bytes.length % n) this.bytes.push(0);
    return this;
  }
  u16(v: number): this {
    this.bytes.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.bytes.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: number): this {
    return this.u32(v).u32(Math.floor(v / 2 ** 32));
  }
  str(s: string): this {
    this.bytes.push(...enc.encode(s), 0);
    return this;
  }
  /** Reserve n bytes; returns their RVA. */
  advance(n: number): number {
    const at = this.here;
    for (let i = 0; i < n; i++) this.bytes.push(0);
    return at;
  }
  patch32(rva: number, v: number): void {
    const o = rva - this.rva;
    for (let i = 0; i < 4; i++) this.bytes[o + i] = (v >>> (8 * i)) & 0xff;
  }
}

/**
 * DriverEntry that sets DriverObject->DriverUnload (offset 0x68 of DRIVER_OBJECT on x64, wdm.h) to
 * the `ret` at .text+0x40 and returns STATUS_SUCCESS:
 *   lea rax, [rip + 0x39]; mov [rcx + 0x68], rax; xor eax, eax; ret
 */
const DRIVER_ENTRY = [0x48, 0x8d, 0x05, 0x39, 0x00, 0x00, 0x00, 0x48, 0x89, 0x41, 0x68, ...RET0];

/** One driver of a chain: its exports (sorted names) and at most one import; without exports, a DriverEntry that sets DriverUnload. */
export function chainDriver(self: string, exportsNames: string[], imp: { dll: string; name: string } | null): Uint8Array {
  // .text: one `xor eax, eax; ret` per export, the first also the entry point.
  const text = new Uint8Array(Math.max(0x50, 16 * exportsNames.length));
  for (let i = 0; i < Math.max(1, exportsNames.length); i++) text.set(RET0, i * 16);
  if (exportsNames.length === 0) {
    text.set(DRIVER_ENTRY, 0);
    text[0x40] = 0xc3;
  }
  const r = new Blob(RDATA);
  const dirs: Record<number, [number, number]> = {};
  if (exportsNames.length) {
    const names = [...exportsNames].sort();
    const ed = r.advance(40);
    const eat = r.here;
    names.forEach((_n, i) => r.u32(TEXT + i * 16));
    const npt = r.advance(4 * names.length);
    const ot = r.here;
    names.forEach((_n, i) => r.u16(i));
    r.align(4);
    const nameRva = r.here;
    r.str(self);
    names.forEach((n, i) => {
      r.patch32(npt + 4 * i, r.here);
      r.str(n);
    });
    r.align(8);
    r.patch32(ed + 12, nameRva);
    r.patch32(ed + 16, 1);
    r.patch32(ed + 20, names.length);
    r.patch32(ed + 24, names.length);
    r.patch32(ed + 28, eat);
    r.patch32(ed + 32, npt);
    r.patch32(ed + 36, ot);
    dirs[0] = [ed, r.here - ed];
  }
  if (imp) {
    const hint = r.here;
    r.u16(0).str(imp.name).align(8);
    const dllName = r.here;
    r.str(imp.dll).align(8);
    const ilt = r.here;
    r.u64(hint).u64(0);
    const iat = r.here;
    r.u64(hint).u64(0);
    const desc = r.here;
    r.u32(ilt).u32(0).u32(0).u32(dllName).u32(iat);
    r.advance(20);
    dirs[1] = [desc, 40];
    dirs[12] = [iat, 16];
  }
  if (r.bytes.length === 0) r.advance(8);
  const sections: BuildSection[] = [
    { name: ".text", virtualAddress: TEXT, data: text, characteristics: 0x60000020 },
    { name: ".rdata", virtualAddress: RDATA, data: new Uint8Array(r.bytes), characteristics: 0x40000040 },
  ];
  if (r.bytes.length > 0x1000) throw new Error("chainDriver: .rdata too large for the fixed layout");
  return buildPe({ sections, dirs });
}

/** The N images of an import chain m0.sys → m1.sys → … → m(N-1).sys, as [file name, bytes]. */
export function importChain(n: number): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (let k = 0; k < n; k++) {
    const self = `m${k}.sys`;
    const exportsNames = k === 0 ? [] : ["DllInitialize", "DllUnload", `F${k}`];
    const imp = k + 1 < n ? { dll: `m${k + 1}.sys`, name: `F${k + 1}` } : null;
    out.push([self, chainDriver(self, exportsNames, imp)]);
  }
  return out;
}

/**
 * An export driver with `count` one-page data sections after .text (exports DllInitialize,
 * DllUnload, Ping). `alternate`: their protections alternate read-only / read-write, so no two
 * neighbours can share a mapping.
 */
export function manySections(count: number, alternate: boolean): Uint8Array {
  const text = new Uint8Array(16 * 3);
  for (let i = 0; i < 3; i++) text.set(RET0, i * 16);
  const sections: BuildSection[] = [{ name: ".text", virtualAddress: TEXT, data: text, characteristics: 0x60000020 }];
  // Exports in the first data section.
  const r = new Blob(RDATA);
  const names = ["DllInitialize", "DllUnload", "Ping"];
  const ed = r.advance(40);
  const eat = r.here;
  names.forEach((_n, i) => r.u32(TEXT + i * 16));
  const npt = r.advance(12);
  const ot = r.here;
  names.forEach((_n, i) => r.u16(i));
  r.align(4);
  const nameRva = r.here;
  r.str("many.sys");
  names.forEach((n, i) => {
    r.patch32(npt + 4 * i, r.here);
    r.str(n);
  });
  r.patch32(ed + 12, nameRva);
  r.patch32(ed + 16, 1);
  r.patch32(ed + 20, 3);
  r.patch32(ed + 24, 3);
  r.patch32(ed + 28, eat);
  r.patch32(ed + 32, npt);
  r.patch32(ed + 36, ot);
  sections.push({ name: ".rdata", virtualAddress: RDATA, data: new Uint8Array(r.bytes), characteristics: 0x40000040 });
  for (let i = 1; i < count; i++) {
    const rw = alternate && i % 2 === 1;
    sections.push({ name: `.d${i}`, virtualAddress: RDATA + i * 0x1000, data: new Uint8Array(16).fill(i & 0xff), characteristics: rw ? 0xc0000040 : 0x40000040 });
  }
  return buildPe({ sections, dirs: { 0: [ed, r.here - ed] } });
}

/** A PE with an export directory: `slots` EAT entries (RVA 0x1000 each) and `names` (name → slot index). */
export function exportImage(slots: number, names: [string, number][], dllName = "exp.sys"): Uint8Array {
  const enc = new TextEncoder();
  const strings: Uint8Array[] = [enc.encode(dllName + "\0"), ...names.map(([n]) => enc.encode(n + "\0"))];
  const eat = 0x40;
  const npt = eat + slots * 4;
  const ot = npt + names.length * 4;
  let str = ot + names.length * 2;
  const size = str + strings.reduce((a, s) => a + s.length, 0);
  const data = new Uint8Array(size);
  const dv = new DataView(data.buffer);
  const va = 0x1000;
  dv.setUint32(12, va + str, true); // Name
  dv.setUint32(16, 1, true); // Base
  dv.setUint32(20, slots, true);
  dv.setUint32(24, names.length, true);
  dv.setUint32(28, va + eat, true);
  dv.setUint32(32, va + npt, true);
  dv.setUint32(36, va + ot, true);
  data.set(strings[0]!, str);
  str += strings[0]!.length;
  for (let i = 0; i < slots; i++) dv.setUint32(eat + i * 4, 0x1000, true);
  names.forEach(([, slot], i) => {
    dv.setUint32(npt + i * 4, va + str, true);
    dv.setUint16(ot + i * 2, slot, true);
    data.set(strings[i + 1]!, str);
    str += strings[i + 1]!.length;
  });
  return buildPe({ sections: [{ name: ".edata", virtualAddress: va, data, characteristics: 0x60000020 }], dirs: { 0: [va, 40] } });
}

