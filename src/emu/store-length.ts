/**
 * Length of an x64 instruction that may store to memory (src/emu/paging-trap.ts runs one such
 * store into a page-table view up to the next instruction). Intel SDM vol. 2, ch. 2 (legacy
 * prefixes, REX, opcode, ModR/M, SIB, displacement, immediate) and appendix A (opcode maps).
 * Anything else (VEX/EVEX, 3-byte maps, loads, register forms) is null: the caller falls back.
 */
const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/** One-byte opcodes with a ModR/M memory operand they may write: opcode → immediate bytes (-1 = imm16/32), or per-/reg rules. */
const ONE: Record<number, number | ((reg: number) => number | null)> = {
  0x00: 0, 0x01: 0, 0x08: 0, 0x09: 0, 0x10: 0, 0x11: 0, 0x18: 0, 0x19: 0, 0x20: 0, 0x21: 0, 0x28: 0, 0x29: 0, 0x30: 0, 0x31: 0,
  0x80: (r) => (r === 7 ? null : 1), 0x81: (r) => (r === 7 ? null : -1), 0x83: (r) => (r === 7 ? null : 1),
  0x86: 0, 0x87: 0, 0x88: 0, 0x89: 0, 0x8c: 0, 0x8f: (r) => (r === 0 ? 0 : null),
  0xc0: 1, 0xc1: 1, 0xd0: 0, 0xd1: 0, 0xd2: 0, 0xd3: 0,
  0xc6: (r) => (r === 0 ? 1 : null), 0xc7: (r) => (r === 0 ? -1 : null),
  0xf6: (r) => (r === 2 || r === 3 ? 0 : null), 0xf7: (r) => (r === 2 || r === 3 ? 0 : null),
  0xfe: (r) => (r <= 1 ? 0 : null), 0xff: (r) => (r <= 1 ? 0 : null),
};

/** Two-byte (0F xx) opcodes likewise: setcc, bts/btr/btc, shld/shrd, cmpxchg, xadd, movnti, cmpxchg8b/16b, SSE stores. */
const TWO: Record<number, number | ((reg: number) => number | null)> = {
  0xab: 0, 0xb3: 0, 0xbb: 0, 0xba: (r) => (r >= 5 ? 1 : null), 0xa4: 1, 0xa5: 0, 0xac: 1, 0xad: 0,
  0xb0: 0, 0xb1: 0, 0xc0: 0, 0xc1: 0, 0xc3: 0, 0xc7: (r) => (r === 1 ? 0 : null),
  0x11: 0, 0x13: 0, 0x17: 0, 0x29: 0, 0x2b: 0, 0x7e: 0, 0x7f: 0, 0xd6: 0, 0xe7: 0,
};
for (let op = 0x90; op <= 0x9f; op++) TWO[op] = (r) => (r === 0 ? 0 : null);

/** The legacy prefixes before the opcode (at most 14): where they end, and whether 66 (operand size) or 67 (address size) is among them. */
function legacyPrefixes(code: Uint8Array): { i: number; op16: boolean; addr32: boolean } {
  let i = 0;
  let op16 = false;
  let addr32 = false;
  while (i < 14 && PREFIXES.has(code[i]!)) {
    op16 ||= code[i] === 0x66;
    addr32 ||= code[i] === 0x67;
    i++;
  }
  return { i, op16, addr32 };
}

export function storeLength(code: Uint8Array): number | null {
  let { i, op16, addr32 } = legacyPrefixes(code);
  let w = false;
  if ((code[i]! & 0xf0) === 0x40) w = (code[i++]! & 8) !== 0;
  const op = code[i++]!;
  // stos/movs (string stores, with or without rep) and mov moffs, rAX (a 64-bit or, under 67, 32-bit address).
  if (op === 0xaa || op === 0xab || op === 0xa4 || op === 0xa5) return i;
  if (op === 0xa2 || op === 0xa3) return i + (addr32 ? 4 : 8) <= code.length ? i + (addr32 ? 4 : 8) : null;
  let rule: number | ((reg: number) => number | null) | undefined;
  if (op === 0x0f) rule = TWO[code[i++]!];
  else rule = ONE[op];
  if (rule === undefined || i >= code.length) return null;
  const modrm = code[i++]!;
  const mod = modrm >> 6;
  if (mod === 3) return null;
  const imm = typeof rule === "number" ? rule : rule((modrm >> 3) & 7);
  if (imm === null) return null;
  const rm = modrm & 7;
  if (rm === 4) {
    const sib = code[i++]!;
    if (mod === 0 && (sib & 7) === 5) i += 4;
  } else if (mod === 0 && rm === 5) i += 4; // RIP-relative disp32
  if (mod === 1) i += 1;
  else if (mod === 2) i += 4;
  i += imm === -1 ? (op16 && !w ? 2 : 4) : imm;
  return i <= code.length ? i : null;
}

/** Immediate bytes of one-byte opcodes without ModR/M (-1 = imm16/32 by operand size; -2 = imm32/64 by REX.W). */
function plainImmediate(op: number): number | null {
  if (op < 0x40) return (op & 7) === 4 ? 1 : (op & 7) === 5 ? -1 : (op & 7) >= 6 ? null : 0;
  if (op === 0x6a || (op >= 0x70 && op <= 0x7f) || op === 0xa8 || (op >= 0xb0 && op <= 0xb7) || op === 0xcd || (op >= 0xe0 && op <= 0xe7) || op === 0xeb) return 1;
  if (op === 0x68 || op === 0xa9) return -1;
  if (op >= 0xb8 && op <= 0xbf) return -2;
  if (op === 0xe8 || op === 0xe9) return 4;
  if (op === 0xc2 || op === 0xca) return 2;
  if (op === 0xc8) return 3;
  return 0;
}

const ONE_MODRM = (op: number) =>
  (op < 0x40 && (op & 7) <= 3) || op === 0x63 || op === 0x69 || op === 0x6b || (op >= 0x80 && op <= 0x8f) ||
  op === 0xc0 || op === 0xc1 || op === 0xc6 || op === 0xc7 || (op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf) || op >= 0xf6 && op <= 0xf7 || op >= 0xfe;
const TWO_PLAIN = new Set([0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa]);
const TWO_IB = new Set([0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]);

/** Length of any x64 instruction (legacy and VEX encodings; EVEX and 3DNow! give null). */
export function instructionLength(code: Uint8Array): number | null {
  let { i, op16, addr32 } = legacyPrefixes(code);
  let w = false;
  let map = 0;
  let op = code[i++]!;
  if (op === 0xc4 || op === 0xc5) {
    // VEX: C5 R.vvvv.L.pp (map 0F), C4 RXB.map W.vvvv.L.pp.
    if (op === 0xc5) map = 1;
    else {
      map = code[i]! & 0x1f;
      w = (code[i + 1]! & 0x80) !== 0;
      i++;
    }
    i++;
    op = code[i++]!;
    if (map < 1 || map > 3) return null;
  } else {
    if ((op & 0xf0) === 0x40) {
      w = (op & 8) !== 0;
      op = code[i++]!;
    }
    if (op === 0x62 || op === 0x8f && (code[i]! & 0x38) !== 0) return null; // EVEX, XOP
    if (op === 0x0f) {
      op = code[i++]!;
      map = 1;
      if (op === 0x38 || op === 0x3a) {
        map = op === 0x38 ? 2 : 3;
        op = code[i++]!;
      } else if (op === 0x0f) return null;
    }
  }
  let modrm: boolean;
  let imm: number;
  if (map === 0) {
    if (op === 0xa0 || op === 0xa1 || op === 0xa2 || op === 0xa3) return i + (addr32 ? 4 : 8) <= code.length ? i + (addr32 ? 4 : 8) : null;
    modrm = ONE_MODRM(op);
    if (modrm) {
      const reg = (code[i]! >> 3) & 7;
      imm = op === 0x80 || op === 0x82 || op === 0x83 || op === 0x6b || op === 0xc0 || op === 0xc1 || op === 0xc6 || (op === 0xf6 && reg <= 1) ? 1
        : op === 0x81 || op === 0x69 || op === 0xc7 || (op === 0xf7 && reg <= 1) ? -1 : 0;
    } else {
      const p = plainImmediate(op);
      if (p === null) return null;
      imm = p;
    }
  } else if (map === 1) {
    if (op >= 0x80 && op <= 0x8f) return i + 4 <= code.length ? i + 4 : null;
    modrm = !TWO_PLAIN.has(op) && !(op >= 0xc8 && op <= 0xcf);
    imm = TWO_IB.has(op) ? 1 : 0;
  } else {
    modrm = true;
    imm = map === 3 ? 1 : 0;
  }
  if (modrm) {
    const m = code[i++]!;
    const mod = m >> 6;
    const rm = m & 7;
    if (mod !== 3) {
      if (rm === 4) {
        const sib = code[i++]!;
        if (mod === 0 && (sib & 7) === 5) i += 4;
      } else if (mod === 0 && rm === 5) i += 4;
      if (mod === 1) i += 1;
      else if (mod === 2) i += 4;
    }
  }
  i += imm === -1 ? (op16 ? 2 : 4) : imm === -2 ? (w ? 8 : op16 ? 2 : 4) : imm;
  return i <= code.length ? i : null;
}

/**
 * Unicorn runs a lock-prefixed store (and xchg with memory) through its atomic path, which does
 * not bring RIP up to date first: after such a store faults, RIP is the last instruction that
 * accessed memory (or the start of the block). The store is then the first atomic one from there.
 */
export function isAtomicStore(code: Uint8Array): boolean {
  let i = 0;
  let lock = false;
  while (i < 14 && PREFIXES.has(code[i]!)) lock ||= code[i++] === 0xf0;
  if ((code[i]! & 0xf0) === 0x40) i++;
  return storeLength(code) !== null && (lock || code[i] === 0x86 || code[i] === 0x87);
}

/**
 * The address the memory operand of the instruction at `rip` names (base + index × scale +
 * displacement, RIP-relative from the next instruction; FS/GS bases not added), or null for no
 * ModR/M memory operand. `reg(n)` reads GPR n (0 = RAX … 15 = R15). `x86`: 32-bit code (no REX;
 * mod 00 r/m 101 is an absolute disp32, Intel SDM vol. 2, table 2-1; addresses wrap at 4 GiB).
 */
export function operandAddress(code: Uint8Array, rip: bigint, reg: (n: number) => bigint, x86 = false): bigint | null {
  const len = instructionLength(code);
  let i = 0;
  let addr32 = false;
  while (i < 14 && PREFIXES.has(code[i]!)) addr32 ||= code[i++] === 0x67;
  let rex = 0;
  if (!x86 && (code[i]! & 0xf0) === 0x40) rex = code[i++]!;
  if (len === null || code[i] === 0xc4 || code[i] === 0xc5) return null;
  if (code[i] === 0x0f) {
    i++;
    if (code[i] === 0x38 || code[i] === 0x3a) i++;
  }
  i++;
  const m = code[i++]!;
  const mod = m >> 6;
  const rm = m & 7;
  if (mod === 3) return null;
  const disp = (at: number, n: number) => {
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(code[at + k]!);
    return BigInt.asIntN(8 * n, v);
  };
  let ea = 0n;
  if (rm === 4) {
    const sib = code[i++]!;
    const index = ((sib >> 3) & 7) | (rex & 2 ? 8 : 0);
    const base = (sib & 7) | (rex & 1 ? 8 : 0);
    if (index !== 4) ea += reg(index) << BigInt(sib >> 6);
    if (mod === 0 && (sib & 7) === 5) {
      ea += disp(i, 4);
      i += 4;
    } else ea += reg(base);
  } else if (mod === 0 && rm === 5) {
    ea = (x86 ? 0n : rip + BigInt(len)) + disp(i, 4);
    i += 4;
  } else ea = reg(rm | (rex & 1 ? 8 : 0));
  if (mod === 1) ea += disp(i, 1);
  else if (mod === 2) ea += disp(i, 4);
  return addr32 || x86 ? BigInt.asUintN(32, ea) : BigInt.asUintN(64, ea);
}
