/** Reader details that the linkers here do not produce directly, made by mutating real fixtures. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePe, readAtRva, rvaToOffset } from "../src/formats/pe/index.js";
import { FormatError } from "../src/errors.js";
import { fixture } from "./helpers.js";
import { layout, mutate } from "./pe-mutate.js";

const L = layout(fixture("x64", "mydriver.sys"));
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

test("ILT (OriginalFirstThunk) 0 → names come from the IAT", () => {
  const id = L.off(L.image.dataDirectories[1]!.virtualAddress);
  const img = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(id, 0, true)));
  assert.deepEqual(img.imports[0]!.functions, L.image.imports[0]!.functions);
  assert.equal(img.imports[0]!.iltRva, img.imports[0]!.iatRva);
});

test("IAT slot RVAs step by the thunk size", () => {
  for (const arch of ["x64", "x86"] as const) {
    const img = layout(fixture(arch, "mydriver.sys")).image;
    const size = arch === "x64" ? 8 : 4;
    for (const m of img.imports) m.functions.forEach((f, i) => assert.equal(f.iatRva, m.iatRva + i * size));
  }
});

test("two names for one export slot; NONAME slot; forwarder by RVA range", () => {
  const ed = L.off(L.image.dataDirectories[0]!.virtualAddress);
  const ords = L.off(u32(L.bytes, ed + 36));
  const eat = L.off(u32(L.bytes, ed + 28));
  // Names are DllInitialize, DllUnload, LoadPrinterDriver; point the 2nd name at the 1st's slot.
  const first = new DataView(L.bytes.buffer).getUint16(ords, true);
  const img = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint16(ords + 2, first, true)));
  const slot = img.exports!.functions.find((f) => f.names.length === 2)!;
  assert.deepEqual(slot.names, ["DllInitialize", "DllUnload"]);
  assert.equal(slot.name, "DllInitialize");
  // The slot that lost its name is now ordinal-only.
  const noname = img.exports!.functions.filter((f) => f.name === null);
  assert.equal(noname.length, 1);
  assert.equal(img.exports!.namePointerOrder.length, 3);
  // An EAT entry pointing inside the export directory is a forwarder (string read from there).
  const dllNameRva = u32(L.bytes, ed + 12);
  const fw = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint32(eat + 4, dllNameRva, true)));
  const f = fw.exports!.functions.find((x) => x.forwarder !== null)!;
  assert.equal(f.forwarder, "mydriver.sys");
  assert.equal(f.rva, null);
});

test("rvaToOffset / readAtRva", () => {
  const text = L.image.sections.find((s) => s.name === ".text")!;
  assert.equal(rvaToOffset(L.image, text.virtualAddress + 4), text.pointerToRawData + 4);
  assert.equal(rvaToOffset(L.image, 0x10), 0x10, "headers map 1:1");
  assert.equal(rvaToOffset(L.image, 0x7fff0000), null);
  // Past the raw data but inside the virtual size of a section whose VirtualSize exceeds its raw size.
  const big = { ...L.image, sections: [{ ...text, virtualSize: text.sizeOfRawData + 0x1000 }] };
  assert.equal(rvaToOffset(big, text.virtualAddress + text.sizeOfRawData + 8), null);
  const zeros = readAtRva(L.bytes, big, text.virtualAddress + text.sizeOfRawData - 4, 8);
  assert.deepEqual([...zeros.subarray(4)], [0, 0, 0, 0]);
  assert.deepEqual([...zeros.subarray(0, 4)], [...L.bytes.subarray(text.pointerToRawData + text.sizeOfRawData - 4, text.pointerToRawData + text.sizeOfRawData)]);
  const code = readAtRva(L.bytes, L.image, L.image.optional.addressOfEntryPoint, 16);
  assert.deepEqual([...code], [...L.bytes.subarray(rvaToOffset(L.image, L.image.optional.addressOfEntryPoint)!, rvaToOffset(L.image, L.image.optional.addressOfEntryPoint)! + 16)]);
  assert.throws(() => readAtRva(L.bytes, L.image, 0x7fff0000, 4), FormatError);
  assert.throws(() => readAtRva(L.bytes, L.image, text.virtualAddress, 0x100000), FormatError);
});

test("headersOnly skips the directories", () => {
  const img = parsePe(L.bytes, { headersOnly: true });
  assert.equal(img.exports, null);
  assert.deepEqual(img.imports, []);
  assert.equal(img.sections.length, L.image.sections.length);
  assert.equal(img.checksum.computed, L.image.checksum.computed);
});

test("machines other than x86/x64/arm64 are reported by number", () => {
  const img = parsePe(mutate(L.bytes, (_b, dv) => dv.setUint16(L.coff, 0x1c4, true)));
  assert.equal(img.machine, 0x1c4);
  assert.equal(img.exceptionFunctions.length, 0, ".pdata layout unknown for ARMNT here: not decoded");
  assert.deepEqual(img.exports!.functions.map((f) => f.name), L.image.exports!.functions.map((f) => f.name));
});
