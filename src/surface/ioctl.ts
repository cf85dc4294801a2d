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
        if (imm > 0 && imm <= 0x400) for (let k = 0; k <= imm; k += 4) add(prev.value + k);
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
