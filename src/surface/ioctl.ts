/**
 * IOCTL codes: decoding CTL_CODE (device type, function, transfer method, required access; the
 * layout of wdm.h's CTL_CODE macro) and finding candidate codes in a driver's code. Pure.
 *
 * Candidates come from the instructions compilers emit for `switch (IoControlCode)`: `cmp r32,
 * imm32` and `sub r32, imm32` with an IOCTL-shaped immediate, plus the running value of a chain
 * of `sub`/`add` on the same register (MSVC's `sub eax, 0x222000; je; sub eax, 4; je ...`) and the
 * cases of a jump table after it (`cmp eax, N; ja default`). The explorer then confirms each
 * candidate by sending it: only codes the driver treats differently from an unknown code are kept.
 */

export const METHODS = ["METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT", "METHOD_NEITHER"] as const;
const ACCESS = ["FILE_ANY_ACCESS", "FILE_READ_ACCESS", "FILE_WRITE_ACCESS", "FILE_READ_ACCESS | FILE_WRITE_ACCESS"] as const;

export interface IoctlDecoded {
  code: string;
  deviceType: number;
  function: number;
  method: (typeof METHODS)[number];
  access: (typeof ACCESS)[number];
}

export const hex32 = (n: number) => "0x" + (n >>> 0).toString(16).toUpperCase().padStart(8, "0");

export function decodeIoctl(code: number): IoctlDecoded {
  const c = code >>> 0;
  return { code: hex32(c), deviceType: c >>> 16, function: (c >>> 2) & 0xfff, method: METHODS[c & 3]!, access: ACCESS[(c >>> 14) & 3]! };
}

/** An immediate that could be an IOCTL code: a device type (1..0xFFFF, not all ones), common in drivers. */
export function ioctlShaped(v: number): boolean {
  const c = v >>> 0;
  const dt = c >>> 16;
  return dt !== 0 && dt !== 0xffff && dt < 0xf000 + 0xfff;
}

const MAX_CANDIDATES = 4096;

/**
 * The cases 0..n of a jump table whose target is not the default (its most common entry, or the
 * `ja` target), for clang/MSVC x64's
 * `cmp r32, n; ja default; lea r64, [rip + table]; movsxd r64, [r64 + r*4]` (entries relative to
 * the table, the table in the same section): [] when the code after `at` is not that shape or the
 * table lies outside the bytes.
 */
function jumpTableCases(code: Uint8Array, dv: DataView, at: number, n: number): number[] {
  let p = at;
  let dflt: number;
  if (code[p] === 0x77 && p + 2 <= code.length) {
    dflt = p + 2 + ((code[p + 1]! << 24) >> 24);
    p += 2;
  } else if (code[p] === 0x0f && code[p + 1] === 0x87 && p + 6 <= code.length) {
    dflt = p + 6 + dv.getInt32(p + 2, true);
    p += 6;
  } else return [];
  // lea r64, [rip + disp32]: REX.W (0x48/0x4C) 8D modrm(mod 00, rm 101).
  if (p + 7 > code.length || (code[p] !== 0x48 && code[p] !== 0x4c) || code[p + 1] !== 0x8d || (code[p + 2]! & 0xc7) !== 0x05) return [];
  const table = p + 7 + dv.getInt32(p + 3, true);
  if (table < 0 || table + 4 * (n + 1) > code.length) return [];
  // In-range codes that are no case go to the switch's default, which is not always the `ja`
  // target (that may test codes above the range first): the most common entry is the default.
  const targets: number[] = [];
  const count = new Map<number, number>();
  for (let k = 0; k <= n; k++) {
    const t = table + dv.getInt32(table + 4 * k, true);
    targets.push(t);
    count.set(t, (count.get(t) ?? 0) + 1);
  }
  let common = dflt;
  for (const [t, c] of count) if (c > (count.get(common) ?? 0)) common = t;
  return targets.flatMap((t, k) => (t !== common && t !== dflt ? [k] : []));
}

/**
 * Candidate IOCTL codes in x64 code bytes (a byte scan: every offset is tried, so misaligned
 * decodes add candidates, never lose them; the explorer filters them).
 */
export function ioctlCandidates(code: Uint8Array): number[] {
  const out = new Set<number>();
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  // Per register: the running value of a sub/add chain and where it was last changed.
  const chain = new Map<number, { value: number; at: number }>();
  const add = (v: number) => {
    if (out.size < MAX_CANDIDATES && ioctlShaped(v)) out.add(v >>> 0);
  };
  for (let i = 0; i + 3 <= code.length; i++) {
    let p = i;
    if (code[p]! >= 0x40 && code[p]! <= 0x4f) {
      if (code[p]! & 8) continue; // REX.W: a 64-bit operation, not a 32-bit code comparison
      p++;
    }
    const op = code[p]!;
    let reg = -1; // 0..7 register, 8 = eax short form
    let kind: "cmp" | "sub" | "add" | null = null;
    let imm = 0;
    if ((op === 0x3d || op === 0x2d || op === 0x05) && p + 5 <= code.length) {
      kind = op === 0x3d ? "cmp" : op === 0x2d ? "sub" : "add";
      reg = 0;
      imm = dv.getInt32(p + 1, true);
    } else if ((op === 0x81 || op === 0x83) && p + 2 < code.length) {
      const modrm = code[p + 1]!;
      if (modrm >> 6 !== 3) continue;
      const ext = (modrm >> 3) & 7;
      kind = ext === 7 ? "cmp" : ext === 5 ? "sub" : ext === 0 ? "add" : null;
      if (kind === null) continue;
      reg = modrm & 7;
      if (op === 0x81) {
        if (p + 6 > code.length) continue;
        imm = dv.getInt32(p + 2, true);
      } else imm = (code[p + 2]! << 24) >> 24; // sign-extended imm8
    } else if (op === 0x8d && p + 6 <= code.length && code[p + 1]! >> 6 === 2 && (code[p + 1]! & 7) !== 4) {
      // lea r32, [r + disp32] whose displacement is minus an IOCTL code: clang's `x - CODE`.
      const v = -dv.getInt32(p + 2, true) >>> 0;
      if (ioctlShaped(v)) {
        chain.set((code[p + 1]! >> 3) & 7, { value: v, at: i });
        add(v);
      }
      continue;
    } else continue;
    const prev = chain.get(reg);
    const near = prev && i - prev.at < 96;
    if (kind === "cmp") {
      add(imm);
      if (near) {
        add(prev.value + imm);
        // A jump table after the chain: cases value .. value + imm, IOCTL functions step by 4.
        if (imm > 0 && imm <= 0x400) {
          for (let k = 0; k <= imm; k += 4) add(prev.value + k);
          // The table itself, when it follows: every case whose target is not the default (a
          // case with METHOD bits, e.g. METHOD_NEITHER's +3, is not on the step of 4).
          const end = op === 0x3d ? p + 5 : op === 0x81 ? p + 6 : p + 3;
          for (const k of jumpTableCases(code, dv, end, imm)) add(prev.value + k);
        }
      }
    } else {
      const delta = kind === "sub" ? imm : -imm;
      const big = kind === "sub" ? imm >>> 0 : -imm >>> 0;
      if (ioctlShaped(big)) {
        chain.set(reg, { value: big, at: i });
        add(big);
      } else if (near) {
        const v = (prev.value + delta) >>> 0;
        chain.set(reg, { value: v, at: i });
        add(v);
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}
