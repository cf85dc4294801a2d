/**
 * Synthetic ntoskrnl.exe and hal.dll: real PE images built in memory with a real export
 * directory (so MmGetSystemRoutineAddress and drivers that walk exports work), placed in guest
 * memory like any module. Each code export points at 8 bytes (more for WIDE_CODE) of `ret` (0xC3) in .text, where the
 * emulator's single range-limited code hook dispatches to the TypeScript handler; each data
 * export points at a zeroed 0x100-byte slot in .data (the system initialises a few of them).
 * File alignment equals section alignment, so the file bytes are the mapped image.
 */

export interface SyntheticExport {
  name: string;
  type: "code" | "data" | "const";
}

export interface SyntheticModule {
  name: string;
  bytes: Uint8Array;
  /** RVA of every export by name (a Map made on first read; the emulator looks names up with exportRva). */
  readonly rvaOf: Map<string, number>;
  /** RVA of `ordered[i]`. */
  rvas: Int32Array;
  /** Exports in ordinal order (ordinal = index + ordinalBase). */
  ordered: SyntheticExport[];
  /** Code exports by thunk slot (the thunk at text.rva + i * CODE_STRIDE; a hole after a WIDE_CODE export), data exports in .data order (DATA_STRIDE apart). */
  codeExports: (SyntheticExport | undefined)[];
  dataExports: SyntheticExport[];
  ordinalBase: number;
  text: { rva: number; size: number };
  /** Where the thunks end in .text (extraText's pages follow). */
  thunkEnd: number;
  data: { rva: number; size: number };
  sizeOfImage: number;
}

export const CODE_STRIDE = 8;
/**
 * Code exports given more than one thunk slot (8 bytes each): the slots after the first are no
 * thunks, so machine-code bytes drivers scan for can follow the routine's `ret` there:
 * KeAddSystemServiceTable's reference to KeServiceDescriptorTableShadow (x86, ssdt-x86.ts),
 * MmGetVirtualForPhysical's PTE_BASE (x64, kernel-modules.ts CODE_TAILS).
 */
const WIDE_CODE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  "ntoskrnl.exe": { KeAddSystemServiceTable: 2, MmGetVirtualForPhysical: 3 },
};

/** How many thunk slots a code export of a synthetic module takes (1 but for WIDE_CODE). */
export function codeSlots(module: string, name: string): number {
  return WIDE_CODE[module]?.[name] ?? 1;
}
export const DATA_STRIDE = 0x100;
const ALIGN = 0x1000;
const up = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * The exports without repeated names (the first of each kept), in byte-wise name order (the
 * database's lists are already: one pass checks). Otherwise (a module with handlers the database
 * does not list, or none: the KMDF modules, ndis.sys, fltmgr.sys, ~2,000 names on every start)
 * the names are sorted by Array.prototype.sort's own order — UTF-16 code units, as `<` compares:
 * byte-wise for these ASCII names, as the loader's binary search over export names expects — with
 * no JavaScript comparator called per step.
 */
function uniqueSorted(exportsIn: SyntheticExport[]): SyntheticExport[] {
  const n = exportsIn.length;
  let ok = true;
  for (let i = 1; i < n && ok; i++) ok = exportsIn[i - 1]!.name < exportsIn[i]!.name;
  if (ok) return exportsIn.slice();
  const first = new Map<string, SyntheticExport>();
  for (let i = 0; i < n; i++) {
    const e = exportsIn[i]!;
    if (!first.has(e.name)) first.set(e.name, e);
  }
  const names = Array.from(first.keys()).sort();
  const out: SyntheticExport[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = first.get(names[i]!)!;
  return out;
}

/**
 * `extraText`: bytes of code added after the thunks at the end of .text, page-aligned and padded
 * with int3 (0xCC) as a linker pads between functions (x64 ntoskrnl's system-call entry and
 * service table, ssdt-x64.ts).
 */
export function buildSyntheticModule(name: string, exportsIn: SyntheticExport[], imageBase: bigint, extraText = 0): SyntheticModule {
  const ordered = uniqueSorted(exportsIn);
  const code: (SyntheticExport | undefined)[] = [];
  const data: SyntheticExport[] = [];
  const wide = WIDE_CODE[name];
  // Indexed loops here and below: a for-of loop, run once per start in the interpreter, makes an
  // iterator result object per element.
  for (let i = 0; i < ordered.length; i++) {
    const e = ordered[i]!;
    if (e.type !== "code") data.push(e);
    else {
      code.push(e);
      for (let k = wide?.[e.name] ?? 1; k > 1; k--) code.push(undefined);
    }
  }
  const textRva = ALIGN;
  const thunkSize = up(Math.max(1, code.length) * CODE_STRIDE);
  const textSize = thunkSize + up(extraText);
  const dataRva = textRva + textSize;
  const dataSize = up(Math.max(1, data.length) * DATA_STRIDE);
  const edataRva = dataRva + dataSize;
  // RVAs in ordinal order (code exports in .text order, data exports in .data order): no Map of
  // ~2,000 names per start; exportRva looks a name up by binary search over the sorted names.
  const n = ordered.length;
  const rvas = new Int32Array(n);
  for (let i = 0, c = 0, d = 0; i < n; i++) {
    if (ordered[i]!.type !== "code") rvas[i] = dataRva + d++ * DATA_STRIDE;
    else {
      rvas[i] = textRva + c++ * CODE_STRIDE;
      while (c < code.length && code[c] === undefined) c++; // a wide export's further slots
    }
  }

  // Export directory: header (40) | functions (4n) | names (4n) | ordinals (2n) | dll name | name strings.
  // Written straight into one sized buffer (built on every emulator start: ~2,000 names); the
  // strings (ASCII) in one go: the DLL name and every export name, each with its NUL.
  const funcsOff = 40;
  const namesOff = funcsOff + 4 * n;
  const ordsOff = namesOff + 4 * n;
  const dllNameOff = ordsOff + 2 * n;
  const names = ordered.map((e) => e.name);
  const strings = name + "\0" + names.join("\0") + "\0";
  const edataBytes = new Uint8Array(dllNameOff + strings.length);
  const ev = new DataView(edataBytes.buffer);
  ev.setUint32(12, edataRva + dllNameOff, true); // Name (Characteristics, TimeDateStamp, versions: 0)
  ev.setUint32(16, 1, true); // Base
  ev.setUint32(20, n, true);
  ev.setUint32(24, n, true);
  ev.setUint32(28, edataRva + funcsOff, true);
  ev.setUint32(32, edataRva + namesOff, true);
  ev.setUint32(36, edataRva + ordsOff, true);
  latin1Into(edataBytes, dllNameOff, strings);
  let strOff = dllNameOff + name.length + 1;
  for (let i = 0; i < n; i++) {
    const nm = names[i]!;
    ev.setUint32(funcsOff + 4 * i, rvas[i]!, true);
    ev.setUint32(namesOff + 4 * i, edataRva + strOff, true);
    ev.setUint16(ordsOff + 2 * i, i, true);
    strOff += nm.length + 1;
  }
  const edataSize = up(edataBytes.length);
  const sizeOfImage = edataRva + edataSize;

  const img = new Uint8Array(sizeOfImage);
  const dv = new DataView(img.buffer);
  // DOS header
  img[0] = 0x4d;
  img[1] = 0x5a;
  dv.setUint32(0x3c, 0x40, true);
  const pe = 0x40;
  dv.setUint32(pe, 0x00004550, true);
  // COFF header
  const coff = pe + 4;
  dv.setUint16(coff, 0x8664, true);
  dv.setUint16(coff + 2, 3, true); // sections
  dv.setUint16(coff + 16, 240, true); // SizeOfOptionalHeader (PE32+ with 16 directories)
  dv.setUint16(coff + 18, 0x2022, true); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
  // Optional header (PE32+)
  const opt = coff + 20;
  dv.setUint16(opt, 0x20b, true);
  dv.setUint32(opt + 4, textSize, true); // SizeOfCode
  dv.setUint32(opt + 8, dataSize + edataSize, true);
  dv.setUint32(opt + 20, textRva, true); // BaseOfCode
  dv.setBigUint64(opt + 24, imageBase, true);
  dv.setUint32(opt + 32, ALIGN, true); // SectionAlignment
  dv.setUint32(opt + 36, ALIGN, true); // FileAlignment
  dv.setUint16(opt + 40, 10, true); // OS version 10.0
  dv.setUint16(opt + 48, 10, true); // subsystem version
  dv.setUint32(opt + 56, sizeOfImage, true);
  dv.setUint32(opt + 60, ALIGN, true); // SizeOfHeaders
  dv.setUint16(opt + 68, 1, true); // Subsystem NATIVE
  dv.setUint16(opt + 70, 0x0160, true); // HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT
  dv.setUint32(opt + 108, 16, true); // NumberOfRvaAndSizes
  dv.setUint32(opt + 112, edataRva, true); // EXPORT directory
  dv.setUint32(opt + 116, edataBytes.length, true);
  // Section table
  const sect = (i: number, nm: string, rva: number, size: number, ch: number) => {
    const o = opt + 240 + i * 40;
    for (let k = 0; k < nm.length; k++) img[o + k] = nm.charCodeAt(k);
    dv.setUint32(o + 8, size, true);
    dv.setUint32(o + 12, rva, true);
    dv.setUint32(o + 16, size, true);
    dv.setUint32(o + 20, rva, true);
    dv.setUint32(o + 36, ch >>> 0, true);
  };
  sect(0, ".text", textRva, textSize, 0x60000020); // CODE | EXECUTE | READ
  sect(1, ".data", dataRva, dataSize, 0xc8000040); // INITIALIZED_DATA | NOT_PAGED | READ | WRITE
  sect(2, ".edata", edataRva, edataSize, 0x40000040); // INITIALIZED_DATA | READ
  img.fill(0xc3, textRva, textRva + thunkSize);
  if (extraText > 0) img.fill(0xcc, textRva + thunkSize, textRva + textSize);
  img.set(edataBytes, edataRva);
  let byName: Map<string, number> | undefined;
  return {
    name,
    bytes: img,
    get rvaOf() {
      return (byName ??= new Map(ordered.map((e, i) => [e.name, rvas[i]!])));
    },
    rvas,
    ordered,
    codeExports: code,
    dataExports: data,
    ordinalBase: 1,
    text: { rva: textRva, size: textSize },
    thunkEnd: textRva + thunkSize,
    data: { rva: dataRva, size: dataSize },
    sizeOfImage,
  };
}

/** The RVA of an export of a synthetic module by name (binary search over its sorted names), or undefined. */
export function exportRva(syn: SyntheticModule, name: string): number | undefined {
  const o = syn.ordered;
  let lo = 0;
  let hi = o.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = o[mid]!.name;
    if (m === name) return syn.rvas[mid];
    if (m < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Latin-1 bytes of an ASCII string at an offset (one native copy instead of a loop per character). */
function latin1Into(into: Uint8Array, at: number, text: string): void {
  Buffer.from(into.buffer, into.byteOffset + at, text.length).write(text, "latin1");
}
