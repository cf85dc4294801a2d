/**
 * The deterministic clock behind KUSER_SHARED_DATA: system and interrupt time in 100 ns units.
 * It moves by a fixed step per API call and when handlers wait or stall.
 */

/** The clock moves by this many 100 ns units per API call (10 µs). */
export const CLOCK_STEP = 100n;
/** 2024-01-01T00:00:00Z as a FILETIME. */
export const BOOT_SYSTEM_TIME = 133485408000000000n;

export class Clock {
  private interrupt = 0n;
  private system = BOOT_SYSTEM_TIME;
  /** Called after every change (the emulator updates KUSER_SHARED_DATA). */
  onChange: ((interruptTime: bigint, systemTime: bigint) => void) | null = null;

  systemTime(): bigint {
    return this.system;
  }

  interruptTime(): bigint {
    return this.interrupt;
  }

  advance(delta100ns: bigint): void {
    this.interrupt += delta100ns;
    this.system += delta100ns;
    this.onChange?.(this.interrupt, this.system);
  }
}
