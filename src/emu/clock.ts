/**
 * The deterministic clock behind KUSER_SHARED_DATA: system and interrupt time in 100 ns units.
 * It moves by a fixed step per API call and when handlers wait or stall. System time is boot
 * time plus interrupt time (both move together).
 */

/** The clock moves by this many 100 ns units per API call (10 µs). */
export const CLOCK_STEP = 100n;
/** 2024-01-01T00:00:00Z as a FILETIME. */
export const BOOT_SYSTEM_TIME = 133485408000000000n;

const TWO32 = 4294967296;
/** A tick of TickCount: 15.625 ms in 100 ns units. */
const TICK = 156250;
const BOOT_LO = Number(BOOT_SYSTEM_TIME & 0xffffffffn);
const BOOT_HI = Number(BOOT_SYSTEM_TIME >> 32n);
/** Below this, interrupt time is kept as an exact double (the per-call step makes no BigInt). */
const EXACT = 2 ** 52;

export class Clock {
  /** Interrupt time as a number while it is below EXACT, else in `big`. */
  private interrupt = 0;
  private big: bigint | null = null;
  /** `interrupt` as 32-bit halves (kept by step() with a carry instead of a division per call). */
  private lo = 0;
  private hi = 0;
  /** Ticks of `interrupt`, valid while it is below `tickEnd`. */
  private tickCount = 0;
  private tickEnd = TICK;
  /** Called after every change (the emulator updates KUSER_SHARED_DATA). */
  onChange: ((clock: Clock) => void) | null = null;

  systemTime(): bigint {
    return BOOT_SYSTEM_TIME + this.interruptTime();
  }

  interruptTime(): bigint {
    return this.big ?? BigInt(this.interrupt);
  }

  /** Interrupt time and system time as 32-bit halves [interruptLo, interruptHi, systemLo, systemHi]. */
  parts(out: number[]): void {
    if (this.big !== null) {
      const i = this.big;
      const s = BOOT_SYSTEM_TIME + i;
      out[0] = Number(i & 0xffffffffn);
      out[1] = Number((i >> 32n) & 0xffffffffn);
      out[2] = Number(s & 0xffffffffn);
      out[3] = Number((s >> 32n) & 0xffffffffn);
      return;
    }
    const hi = this.hi;
    const lo = this.lo;
    let slo = BOOT_LO + lo;
    let shi = BOOT_HI + hi;
    if (slo >= TWO32) {
      slo -= TWO32;
      shi += 1;
    }
    out[0] = lo;
    out[1] = hi;
    out[2] = slo;
    out[3] = shi >>> 0;
  }

  /**
   * The four halves of `parts` while interrupt time is below 2^52 (then they need no BigInt):
   * [interruptLo, interruptHi, systemLo, systemHi] into `out`, true; else false.
   */
  exactParts(out: Uint32Array): boolean {
    if (this.big !== null) return false;
    const lo = this.lo;
    let slo = BOOT_LO + lo;
    let shi = BOOT_HI + this.hi;
    if (slo >= TWO32) {
      slo -= TWO32;
      shi += 1;
    }
    out[0] = lo;
    out[1] = this.hi;
    out[2] = slo;
    out[3] = shi;
    return true;
  }

  /** Ticks (15.625 ms) of interrupt time. */
  ticks(): number {
    if (this.big !== null) return Number(this.big / BigInt(TICK));
    if (this.interrupt >= this.tickEnd) {
      this.tickCount = Math.floor(this.interrupt / TICK);
      this.tickEnd = (this.tickCount + 1) * TICK;
    }
    return this.tickCount;
  }

  /** The halves of `interrupt` after a change other than the per-call step (exact below 2^53). */
  private split(): void {
    this.hi = Math.floor(this.interrupt / TWO32);
    this.lo = this.interrupt - this.hi * TWO32;
    this.tickCount = Math.floor(this.interrupt / TICK);
    this.tickEnd = (this.tickCount + 1) * TICK;
  }

  advance(delta100ns: bigint): void {
    if (this.big === null && delta100ns >= 0n && delta100ns < BigInt(EXACT) && this.interrupt + Number(delta100ns) < EXACT) {
      this.interrupt += Number(delta100ns);
      this.split();
    } else {
      this.big = this.interruptTime() + delta100ns;
    }
    this.onChange?.(this);
  }

  /** The per-API-call step (CLOCK_STEP), without BigInt arithmetic. */
  step(): void {
    if (this.big === null && this.interrupt + 100 < EXACT) {
      this.interrupt += 100;
      const lo = this.lo + 100;
      if (lo >= TWO32) {
        this.lo = lo - TWO32;
        this.hi++;
      } else this.lo = lo;
    } else this.big = this.interruptTime() + CLOCK_STEP;
    this.onChange?.(this);
  }
}
