/**
 * C structure layout from a field list, for 4- and 8-byte pointers (pure). For the structures of
 * the built-in system modules (KMDF, the Filter Manager, WFP) that mingw-w64's headers do not
 * declare, so src/nt/layouts.ts cannot measure them: each module lists the members of a
 * structure in their documented order and types, and the offsets follow by the rules MSVC and
 * clang apply to Windows targets without packing — each member at the next multiple of its
 * alignment, the size rounded up to the largest alignment. Tests compare the result with clang's
 * offsetof of a C declaration of the same structure.
 */

/** A member's C type: integers, a pointer-sized one (pointers, SIZE_T, ULONG_PTR, HANDLE), raw bytes, or an earlier structure. */
export type CType = "u8" | "u16" | "u32" | "u64" | "ptr" | "guid" | { bytes: number; align: number } | { struct: string };
export type StructSpec = readonly (readonly [string, CType])[];

/** Offsets of each member, and "$size". */
export type CLayout = Record<string, number>;

/** Lay out `specs` (in order: a structure may embed an earlier one) for the pointer size. */
export function layoutStructs(specs: Record<string, StructSpec>, pointerBytes: 4 | 8): Record<string, CLayout> {
  const out: Record<string, CLayout> = {};
  const shape: Record<string, { size: number; align: number }> = {};
  const sizeAlign = (t: CType): { size: number; align: number } => {
    if (typeof t === "object") {
      if ("struct" in t) {
        const s = shape[t.struct];
        if (!s) throw new Error(`c-layout: ${t.struct} is used before it is laid out`);
        return s;
      }
      return { size: t.bytes, align: t.align };
    }
    switch (t) {
      case "u8": return { size: 1, align: 1 };
      case "u16": return { size: 2, align: 2 };
      case "u32": return { size: 4, align: 4 };
      case "u64": return { size: 8, align: 8 };
      case "guid": return { size: 16, align: 4 };
      case "ptr": return { size: pointerBytes, align: pointerBytes };
    }
  };
  // Indexed loops, no destructuring: this runs when the emulator's modules load (every start, in
  // the interpreter), where each for-of step and each `[a, b] =` makes iterator objects.
  const names = Object.keys(specs);
  for (let s = 0; s < names.length; s++) {
    const name = names[s]!;
    const spec = specs[name]!;
    const o: CLayout = {};
    let at = 0;
    let maxAlign = 1;
    for (let i = 0; i < spec.length; i++) {
      const field = spec[i]![0];
      const type = spec[i]![1];
      const { size, align } = sizeAlign(type);
      at = Math.ceil(at / align) * align;
      o[field] = at;
      // Members of an embedded structure: "Outer.Inner" offsets.
      if (typeof type === "object" && "struct" in type) for (const [k, v] of Object.entries(out[type.struct]!)) if (k !== "$size") o[`${field}.${k}`] = at + v;
      at += size;
      maxAlign = Math.max(maxAlign, align);
    }
    o.$size = Math.ceil(at / maxAlign) * maxAlign;
    shape[name] = { size: o.$size, align: maxAlign };
    out[name] = o;
  }
  return out;
}
