/**
 * Test helper: write minimal PE images from scratch (for hostile shapes no linker produces).
 * Written independently of the reader: fixed PE32/PE32+ layouts from the PE format documentation.
 */
import { ByteWriter } from "../src/formats/binary.js";

export interface BuildSection {
  name: string;
  virtualAddress: number;
  virtualSize?: number;
  data: Uint8Array;
  characteristics?: number;
}

export interface BuildOptions {
  machine?: number;
  pe32plus?: boolean;
  sections: BuildSection[];
  /** index → [rva, size] */
  dirs?: Record<number, [number, number]>;
  fileAlignment?: number;
}

export function buildPe(o: BuildOptions): Uint8Array {
  const plus = o.pe32plus ?? true;
  const fa = o.fileAlignment ?? 0x200;
  const optSize = plus ? 240 : 224;
  const headerEnd = 0x80 + 24 + optSize + 40 * o.sections.length;
  const sizeOfHeaders = Math.ceil(headerEnd / fa) * fa;
  const w = new ByteWriter(sizeOfHeaders + o.sections.reduce((a, s) => a + s.data.length + fa, 0));
  w.ascii("MZ").zeros(0x3a).u32(0x80).zeros(0x80 - 0x40);
  w.ascii("PE\0\0");
  w.u16(o.machine ?? (plus ? 0x8664 : 0x14c)).u16(o.sections.length).u32(0).u32(0).u32(0).u16(optSize).u16(0x2022);
  const last = o.sections.reduce((a, s) => Math.max(a, s.virtualAddress + (s.virtualSize ?? s.data.length)), 0x1000);
  w.u16(plus ? 0x20b : 0x10b).u8(14).u8(0).u32(0).u32(0).u32(0).u32(0x1000).u32(0x1000);
  if (plus) w.u64(0x180000000n);
  else w.u32(0).u32(0x10000000);
  w.u32(0x1000).u32(fa).u16(6).u16(0).u16(0).u16(0).u16(6).u16(0).u32(0);
  w.u32(Math.ceil(last / 0x1000) * 0x1000).u32(sizeOfHeaders).u32(0).u16(1).u16(0x160);
  for (let i = 0; i < 4; i++) plus ? w.u64(0x100000n) : w.u32(0x100000);
  w.u32(0).u32(16);
  for (let i = 0; i < 16; i++) {
    const d = o.dirs?.[i] ?? [0, 0];
    w.u32(d[0]).u32(d[1]);
  }
  let raw = sizeOfHeaders;
  for (const s of o.sections) {
    const name = new Uint8Array(8);
    name.set(new TextEncoder().encode(s.name).subarray(0, 8));
    const rawSize = Math.ceil(s.data.length / fa) * fa;
    w.bytes(name).u32(s.virtualSize ?? s.data.length).u32(s.virtualAddress).u32(rawSize).u32(rawSize ? raw : 0).u32(0).u32(0).u16(0).u16(0);
    w.u32(s.characteristics ?? 0x40000040);
    raw += rawSize;
  }
  w.zeros(sizeOfHeaders - w.length);
  for (const s of o.sections) {
    w.bytes(s.data);
    w.zeros(Math.ceil(s.data.length / fa) * fa - s.data.length);
  }
  return w.toBytes();
}
