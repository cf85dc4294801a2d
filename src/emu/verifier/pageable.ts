/**
 * Pageable memory at IRQL >= DISPATCH_LEVEL (Driver Verifier's "Force IRQL checking": whenever a
 * verified driver raises IRQL, Windows trims its pageable pages, so touching one faults at once
 * instead of only when the page happens to be paged out).
 *
 * Pageable here: the driver's own PAGE* sections (the code and data the compiler put in
 * `#pragma alloc_text(PAGE, ...)` / `data_seg("PAGEDATA")`; Windows pages image sections whose
 * name starts with "PAGE", upper case, byte for byte), and, with special pool on, its PagedPool blocks (each on pages of its
 * own there; packed normal pool mixes paged and nonpaged blocks on one page). While the emulated processor's IRQL is DISPATCH_LEVEL or above their
 * pages are suspended in the soft-protected image area (NativeEngine.softSuspend: rights kept,
 * guest accesses fault, host access unaffected), and put back when it drops below. A guest access
 * then stops at the exact instruction: bug check 0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL (Microsoft
 * Learn: P1 memory referenced, P2 IRQL at the time of the reference, P3 0 read / 1 write /
 * 8 execute, P4 address of the instruction that referenced memory).
 *
 * Cost: one softSuspend per pageable range at each crossing of DISPATCH_LEVEL (and a flush of the
 * translated code of the PAGE code pages); docs/verifier.md gives the measurement. Off with
 * `--verifier none`, and when the addon predates softSuspend.
 */
import type { Emulator } from "../emulator.js";
import type { FaultReport } from "../faults.js";
import type { LoadedModule } from "../image.js";
import { hex } from "../api/util.js";
import { addr64 } from "../layout.js";
import type { SpecialBlock } from "./special-pool.js";

const DISPATCH_LEVEL = 2;
const PAGE = 0x1000n;

interface PageableRange {
  base: bigint;
  size: number;
  module: string;
  section: string;
  /** MmLockPagable*Section: a locked section stays resident (accessible) at DISPATCH_LEVEL. */
  locked?: boolean;
}

export class PageableGuard {
  private readonly ranges: PageableRange[] = [];
  /** Pages suspended now (IRQL >= DISPATCH_LEVEL). */
  suspended = false;
  /** Crossings of DISPATCH_LEVEL with pageable ranges suspended or put back (for the cost measurement). */
  crossings = 0;

  constructor(private readonly emu: Emulator) {}

  /** The PAGE* sections of a newly mapped image. */
  addImage(mod: LoadedModule): void {
    for (const s of mod.image.sections) {
      // Exactly "PAGE" in upper case: the kernel compares the name's first four bytes with 'EGAP'
      // (ReactOS ntoskrnl/mm/ARM3/sysldr.c, MiEnablePagingOfDriver / MiFindInitializationCode), so a
      // lower-case "page" section (fresh4's x86 SigmaTel sthda.sys) stays resident.
      if (!s.name.startsWith("PAGE")) continue;
      const start = BigInt(s.virtualAddress) & ~(PAGE - 1n);
      const end = (BigInt(s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData)) + PAGE - 1n) & ~(PAGE - 1n);
      if (end <= start || end > BigInt(mod.size)) continue;
      const r: PageableRange = { base: mod.base + start, size: Number(end - start), module: mod.name, section: s.name };
      this.ranges.push(r);
      if (this.suspended) this.set(r, true);
    }
  }

  /** The image is unmapped: forget its ranges (their pages are gone). */
  removeImage(mod: LoadedModule): void {
    for (let i = this.ranges.length - 1; i >= 0; i--) if (this.ranges[i]!.module === mod.name) this.ranges.splice(i, 1);
  }

  private set(r: PageableRange, on: boolean): void {
    this.emu.uc.softSuspend?.(r.base, r.size, on);
  }

  /** Lock (resident at any IRQL) or unlock the PAGE* section holding `a` (api/mmlock.ts). */
  setLocked(a: bigint, locked: boolean): void {
    const r = this.ranges.find((x) => a >= x.base && a < x.base + BigInt(x.size));
    if (!r || !!r.locked === locked) return;
    r.locked = locked;
    if (this.suspended) this.set(r, !locked);
  }

  /** The IRQL is now `to`. */
  irqlChanged(to: number): void {
    const up = to >= DISPATCH_LEVEL;
    if (up === this.suspended || (this.ranges.length === 0 && !this.emu.pool.special) || !this.emu.verifier.enabled) return;
    this.crossings++;
    for (const r of this.ranges) this.set(r, up && !r.locked);
    for (const b of this.pagedBlocks()) this.emu.uc.softSuspend?.(b.base, b.pages * 0x1000, up);
    this.suspended = up;
  }

  /** Live special-pool blocks of a paged pool type (each on pages of its own). */
  private *pagedBlocks(): Iterable<SpecialBlock> {
    const sp = this.emu.pool.special;
    if (sp) for (const b of sp.live.values()) if (b.paged) yield b;
  }

  private rangeAt(a: bigint): PageableRange | null {
    for (const r of this.ranges) if (a >= r.base && a < r.base + BigInt(r.size)) return r;
    for (const b of this.pagedBlocks())
      if (a >= b.base && a < b.base + BigInt(b.pages * 0x1000)) {
        const info = this.emu.pool.blockInfo(b.user);
        const owner = info?.module ?? "?";
        return { base: b.base, size: b.pages * 0x1000, module: owner, section: `the ${b.size}-byte paged pool block at ${addr64(b.user)} (allocated at ${info?.site ?? "?"})` };
      }
    return null;
  }

  /** A report for a protection fault on a suspended pageable page (and its verifier finding), or null. */
  fault(a: bigint, access: "read" | "write" | "fetch", size: number, pc: bigint): FaultReport | null {
    if (!this.suspended) return null;
    const r = this.rangeAt(a);
    if (!r) return null;
    const irql = this.emu.kernel.irql;
    const site = access === "fetch" ? a : pc;
    const what =
      access === "fetch"
        ? `pageable code at ${this.emu.where(a)} runs`
        : `${this.emu.where(site)} ${access === "write" ? "writes" : "reads"} ${size} byte(s) of pageable memory at ${addr64(a)}${this.emu.moduleAt(a) ? ` (${this.emu.where(a)})` : ""}`;
    const where = r.section.startsWith("the ") ? r.section : `section ${r.section} of ${r.module}`;
    const message = `${what} (${where}) at IRQL ${irql} (>= DISPATCH_LEVEL: the page may be paged out and cannot be paged in): DRIVER_IRQL_NOT_LESS_OR_EQUAL`;
    const code = "0x000000D1";
    this.emu.verifier.finding(this.emu, {
      rule: "pageable-at-dispatch",
      message,
      rip: site,
      bugcheck: { code, parameters: [hex(a), hex(irql), access === "write" ? "0x1" : access === "fetch" ? "0x8" : "0x0", hex(site)] },
    });
    return this.emu.report(access === "read" ? "invalid-read" : access === "write" ? "invalid-write" : "invalid-fetch", message, site, { address: a, bugcheck: code });
  }
}
