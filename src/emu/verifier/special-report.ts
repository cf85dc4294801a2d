/**
 * Findings of the special pool (./special-pool.ts), with the bug checks Driver Verifier raises
 * (Microsoft Learn, bug check reference):
 *   0xD6 DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION — P1 address referenced, P2 0 read / 1 write,
 *        P3 address that referenced memory, P4 reserved (an access in the no-access page next to
 *        a block: past its end, or before its start in underrun mode);
 *   0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL — same parameters (an access to a freed block);
 *   0xC1 SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION — P1 address being freed, P2 address where bits
 *        are corrupted, P3 reserved, P4 0x23 (bytes near the block in its page changed) or 0x24
 *        (bytes after the end of the allocation changed), found at free.
 * (0xCD / 0xCC are the same faults when Windows cannot name the driver; kmdll always can.)
 */
import type { Emulator } from "../emulator.js";
import type { FaultReport } from "../faults.js";
import type { PoolProblem } from "../pool.js";
import { tagText } from "../pool.js";
import { addr64 } from "../layout.js";
import { hex } from "../api/util.js";
import { MAX_SPECIAL_BLOCKS, MAX_SPECIAL_SIZE } from "./special-pool.js";

/** A fault report for an invalid access inside the special-pool range (and its verifier finding), or null. */
export function specialPoolFault(emu: Emulator, a: bigint, access: "read" | "write" | "fetch", size: number, rip: bigint): FaultReport | null {
  const sp = emu.pool.special;
  if (!sp || access === "fetch") return null;
  const hit = sp.classify(a);
  if (!hit) return null;
  const block = hit.block ? emu.pool.blockInfo(hit.block.user) : undefined;
  const what = block ? `the ${block.size}-byte '${tagText(block.tag)}' block at ${addr64(block.address)} (allocated at ${block.site ?? "?"})` : hit.block ? `the ${hit.block.size}-byte block at ${addr64(hit.block.user)}` : "a freed special-pool block";
  const params = [hex(a), access === "write" ? "0x1" : "0x0", hex(rip), "0x0"];
  let message: string;
  let code: string;
  if (hit.kind === "freed") {
    code = "0x000000D5";
    message = `use after free: ${access} of ${size} byte(s) at ${addr64(a)} in ${what}, freed (special pool) at ${emu.where(rip)}: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL`;
  } else {
    code = "0x000000D6";
    const off = BigInt.asIntN(64, a - hit.block.user);
    message =
      hit.kind === "beyond-end"
        ? `pool overrun: ${access} of ${size} byte(s) at block offset +${off} of ${what} at ${emu.where(rip)}: DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION`
        : `pool underrun: ${access} of ${size} byte(s) at block offset ${off} of ${what} at ${emu.where(rip)}: DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION (special pool, underrun mode)`;
  }
  const rule = hit.kind === "freed" ? "special-pool-use-after-free" : hit.kind === "beyond-end" ? "special-pool-overrun" : "special-pool-underrun";
  emu.verifier.finding(emu, { rule, message, rip, bugcheck: { code, parameters: params } });
  return emu.report(hit.kind === "freed" ? "use-after-free" : access === "read" ? "invalid-read" : "invalid-write", message, rip, { address: a, bugcheck: code });
}

/** Special-pool problems found by the allocator: corruption at free (a finding), fallback to normal pool (a note). */
export function specialPoolProblem(emu: Emulator, p: Extract<PoolProblem, { kind: "special-corruption" | "special-fallback" }>, retAddr: bigint): void {
  if (p.kind === "special-fallback") {
    const why =
      p.reason === "large"
        ? `it is larger than the ${MAX_SPECIAL_SIZE / 1024} KiB special pool serves`
        : p.reason === "full"
          ? `${p.live} special-pool blocks are live (at most ${MAX_SPECIAL_BLOCKS} at once)`
          : "the special-pool address range is used up (freed special-pool addresses are never handed out again)";
    emu.emit({
      event: "warning",
      message: `special pool: a ${p.size}-byte allocation went to normal pool (${why}); overruns of normal-pool blocks are not caught (reported once per run and reason)`,
      rule: "special-pool-exhausted",
    });
    return;
  }
  const c = p.corruption;
  const where = c.subcode === 0x23 ? `${p.address - c.address} byte(s) before the block (the unused head of its page)` : `${c.address - (p.address + BigInt(p.block.size))} byte(s) after the end of the block`;
  emu.verifier.finding(emu, {
    rule: c.subcode === 0x23 ? "special-pool-underrun-write" : "special-pool-overrun-write",
    message: `ExFreePool of the ${p.block.size}-byte '${tagText(p.block.tag)}' block at ${addr64(p.address)} (allocated at ${p.block.site ?? "?"}): the byte at ${addr64(c.address)}, ${where}, was written: SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION`,
    rip: retAddr,
    bugcheck: { code: "0x000000C1", parameters: [hex(p.address), hex(c.address), "0x0", hex(c.subcode)] },
  });
}
