/**
 * Coverage-guided exploration of one IOCTL: a corpus of inputs, each kept because it reached basic
 * blocks of the driver no earlier input reached; new inputs are mutations of corpus entries —
 * aligned u32/u64 fields set to dictionary values (0, 1, small sizes, all ones, the constants the
 * reached code compares against, canary addresses), the size changed to a size the code
 * compares against, or single bytes changed. Deterministic for a seed: the PRNG is seeded, the
 * order fixed; only the time budget can end a run earlier. Pure apart from the `run` callback.
 */
import { cmpImmediates } from "./cmpconst.js";
import { canaryFor, canaryInput } from "./canary.js";

/** mulberry32: a small, well-distributed 32-bit PRNG (public-domain algorithm by Tommy Ettinger). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzExec {
  /** Blocks reached: start address → size. */
  blocks: [bigint, number][];
}

export interface FuzzOptions {
  seed: number;
  /** Most executions for this IOCTL. */
  maxRuns: number;
  /** Date.now() limit. */
  deadline: number;
  /** Initial inputs (tried first, in order). */
  seeds: Uint8Array[];
  /** Largest input size tried. */
  maxSize: number;
}

export interface FuzzResult {
  runs: number;
  corpus: number;
  blocks: number;
  /** The run stopped on the deadline, not the run count. */
  outOfTime: boolean;
}

const BASE_VALUES = [0, 1, 2, 3, 4, 8, 0x10, 0x20, 0x100, 0x1000, 0x7fffffff, 0x80000000, 0xffffffff];
const BASE_SIZES = [0, 4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512, 1024];

/**
 * Explore one IOCTL. `run(input)` executes a request and returns its coverage (null once the
 * budget is gone); `code(address, size)` reads the bytes of a reached block for its comparisons.
 */
export function fuzzIoctl(run: (input: Uint8Array) => FuzzExec | null, code: (address: bigint, size: number) => Uint8Array | null, o: FuzzOptions): FuzzResult {
  const rnd = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const seen = new Set<bigint>();
  const scanned = new Set<bigint>();
  const dict = new Set<number>(BASE_VALUES);
  const sizes = new Set<number>(BASE_SIZES.filter((s) => s <= o.maxSize));
  const corpus: Uint8Array[] = [];
  let runs = 0;

  /** Inputs to try before random mutations: fresh comparison constants swept over every aligned field. */
  const sweep: Uint8Array[] = [];
  const learn = (input: Uint8Array, blocks: [bigint, number][]): boolean => {
    let fresh = false;
    const consts: number[] = [];
    for (const [a, size] of blocks) {
      if (seen.has(a)) continue;
      seen.add(a);
      fresh = true;
      if (scanned.has(a)) continue;
      scanned.add(a);
      const bytes = code(a, size);
      if (!bytes) continue;
      for (const c of cmpImmediates(bytes)) {
        if (c > 0x10 && !dict.has(c) && consts.length < 8) consts.push(c);
        if (dict.size < 512) for (const v of [c, (c + 1) >>> 0, (c - 1) >>> 0]) dict.add(v);
        // A comparison with a small number may be a length check (InputBufferLength >= sizeof(T)).
        if (c > 0 && c <= o.maxSize && sizes.size < 128) {
          sizes.add(c);
          if (c + 8 <= o.maxSize) sizes.add((c + 7) & ~7);
        }
      }
    }
    // The constants of the blocks this input reached first are what the code checks next (a magic
    // value, a selector): each goes into every aligned u32 of this input (input-to-state).
    // Each into the input that reached them and into the canary input of its size (so the
    // fields the check guards still hold canary addresses).
    const canaries = canaryInput(input.length);
    for (const c of consts)
      for (const base of [input, canaries])
        for (let off = 0; off + 4 <= Math.min(input.length, 128) && sweep.length < 4096; off += 4) {
          const b = Uint8Array.from(base);
          new DataView(b.buffer).setUint32(off, c, true);
          sweep.push(b);
        }
    return fresh;
  };
  const exec = (input: Uint8Array): boolean | null => {
    if (runs >= o.maxRuns || Date.now() > o.deadline) return null;
    const r = run(input);
    if (r === null) return null;
    runs++;
    if (learn(input, r.blocks)) corpus.push(input);
    return true;
  };

  let outOfTime = false;
  for (const s of o.seeds) {
    if (exec(s) === null) {
      outOfTime = runs < o.maxRuns;
      return { runs, corpus: corpus.length, blocks: seen.size, outOfTime };
    }
  }
  if (!corpus.length) corpus.push(canaryInput(16));
  for (;;) {
    const input = sweep.length ? sweep.shift()! : mutate(pick(corpus));
    if (exec(input) === null) break;
  }
  outOfTime = runs < o.maxRuns;
  return { runs, corpus: corpus.length, blocks: seen.size, outOfTime };

  function mutate(base: Uint8Array): Uint8Array {
    let b: Uint8Array = base;
    const steps = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < steps; k++) {
      const r = rnd();
      if (r < 0.2 || b.length < 4) b = resize(b, pick([...sizes]));
      else if (r < 0.85) {
        const wide = rnd() < 0.4 && b.length >= 8;
        const width = wide ? 8 : 4;
        const slots = Math.floor(b.length / width);
        if (slots === 0) continue;
        const off = Math.floor(rnd() * slots) * width;
        b = Uint8Array.from(b);
        const dv = new DataView(b.buffer);
        const which = rnd();
        if (wide) dv.setBigUint64(off, which < 0.3 ? canaryFor(off) : BigInt(pick([...dict])), true);
        else dv.setUint32(off, pick([...dict]) >>> 0, true);
      } else {
        if (!b.length) continue;
        b = Uint8Array.from(b);
        b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      }
    }
    return b;
  }
}

/** `b` cut or extended to `size` bytes; new aligned u64s get the canaries of their offsets. */
export function resize(b: Uint8Array, size: number): Uint8Array {
  if (size <= b.length) return b.slice(0, size);
  const out = canaryInput(size);
  out.set(b);
  return out;
}
