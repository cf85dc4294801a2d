/**
 * The auxiliary counter and triage dump data arrays (Microsoft Learn, wdm.h).
 *
 * Auxiliary counter (KeQueryAuxiliaryCounterFrequency, KeConvertAuxiliaryCounterToPerformanceCounter,
 * KeConvertPerformanceCounterToAuxiliaryCounter; Windows 10 1809+): the modelled machine has one —
 * an always-running hardware counter like Intel's ART, which network drivers (Intel e1d/e1r/e1i)
 * read for PTP time stamps — at 24 MHz, started with the performance counter at boot: so
 * aux = QPC × 24/10 (kmdll's KeQueryPerformanceCounter runs at 10 MHz on the interrupt-time clock).
 * A value earlier than boot or more than ±10 s from the current counter value is
 * STATUS_INVALID_PARAMETER (Learn's remarks); ConversionError (optional) gets the estimated error
 * in ns: 0 converting QPC → aux (exact), 100 (one QPC tick) converting aux → QPC.
 *
 * KeInitializeTriageDumpDataArray(Array, Size) / KeAddTriageDumpDataBlock(Array, Address, Size)
 * (Windows 10 1803): KTRIAGE_DUMP_DATA_ARRAY { LIST_ENTRY List; ULONG NumBlocksUsed, NumBlocksTotal,
 * DataSize, MaxDataSize, ComponentNameBufferLength; PUCHAR ComponentName; KADDRESS_RANGE Blocks[] }
 * (KADDRESS_RANGE { PVOID Address; SIZE_T Size }). Initialising sizes Blocks[] from Size (a Size
 * below the header is STATUS_INVALID_PARAMETER); adding appends a range while one is free
 * (STATUS_BUFFER_TOO_SMALL when full), NULL Address or Size 0 is STATUS_INVALID_PARAMETER, and an
 * array never initialised is STATUS_INVALID_PARAMETER. No triage dump is ever written (kmdll does
 * not crash the machine), so the ranges are only recorded; MaxDataSize is left at 0xFFFFFFFF
 * (no budget modelled).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt, readPtr, writePtr } from "./util.js";
import { clockOf } from "./ke.js";
import { componentState } from "./state.js";

/** The modelled auxiliary counter frequency (Hz) and kmdll's QPC frequency. */
export const AUX_FREQUENCY = 24_000_000n;
const QPC_FREQUENCY = 10_000_000n;
const TEN_SECONDS_QPC = 10n * QPC_FREQUENCY;

const qpcNow = (ctx: ApiContext): bigint => clockOf(ctx).interruptTime();
const toAux = (qpc: bigint): bigint => (qpc * AUX_FREQUENCY) / QPC_FREQUENCY;
const toQpc = (aux: bigint): bigint => (aux * QPC_FREQUENCY) / AUX_FREQUENCY;

function convert(ctx: ApiContext, fromAux: boolean): number {
  const [value, out, err] = [BigInt.asUintN(64, ctx.arg(0)), ctx.arg(1), ctx.arg(2)];
  ctx.describe([hex(value), hex(out), hex(err)]);
  const asQpc = fromAux ? toQpc(value) : value;
  const now = qpcNow(ctx);
  const off = asQpc > now ? asQpc - now : now - asQpc;
  // (Values are unsigned: nothing is below the boot value 0.) Out of ±10 s: not convertible.
  if (off > TEN_SECONDS_QPC) return STATUS.INVALID_PARAMETER;
  ctx.mem.setU64(out, fromAux ? asQpc : toAux(value));
  if (err !== 0n) ctx.mem.setU64(err, fromAux ? 100n : 0n);
  return STATUS.SUCCESS;
}

/** KTRIAGE_DUMP_DATA_ARRAY offsets for the current arch. */
function triage() {
  const p = ptrSize();
  const used = 2 * p;
  const name = p === 8 ? 40 : 28;
  return { used, total: used + 4, data: used + 8, max: used + 12, nameLen: used + 16, name, blocks: name + p, range: 2 * p };
}

const triageState = componentState("triage-dump", () => ({ arrays: new Set<bigint>() }));

export const apis: ApiDefinition[] = [
  nt("KeQueryAuxiliaryCounterFrequency", 1, (ctx) => {
    const out = ctx.arg(0);
    ctx.describe([hex(out)]);
    if (out !== 0n) ctx.mem.setU64(out, AUX_FREQUENCY);
    return STATUS.SUCCESS;
  }),
  nt("KeConvertAuxiliaryCounterToPerformanceCounter", 3, (ctx) => convert(ctx, true)),
  nt("KeConvertPerformanceCounterToAuxiliaryCounter", 3, (ctx) => convert(ctx, false)),
  nt("KeInitializeTriageDumpDataArray", 2, (ctx) => {
    const [a, size] = [ctx.arg(0), ctx.u32(1)];
    ctx.describe([hex(a), String(size)]);
    const o = triage();
    if (a === 0n || size < o.blocks) return STATUS.INVALID_PARAMETER;
    ctx.mem.write(a, new Uint8Array(o.blocks));
    writePtr(ctx.mem, a, a); // InitializeListHead(&List)
    writePtr(ctx.mem, a + BigInt(ptrSize()), a);
    ctx.mem.setU32(a + BigInt(o.total), Math.floor((size - o.blocks) / o.range));
    ctx.mem.setU32(a + BigInt(o.max), 0xffffffff);
    triageState(ctx.kernel).arrays.add(a);
    return STATUS.SUCCESS;
  }),
  nt("KeAddTriageDumpDataBlock", 3, (ctx) => {
    const [a, address, size] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(a), ctx.kernel.where?.(address) ?? hex(address), hex(size)]);
    const o = triage();
    if (a === 0n || !triageState(ctx.kernel).arrays.has(a) || readPtr(ctx.mem, a) === 0n) return STATUS.INVALID_PARAMETER;
    if (address === 0n || size === 0n || size > 0xffffffffn) return STATUS.INVALID_PARAMETER;
    const used = ctx.mem.u32(a + BigInt(o.used));
    const total = ctx.mem.u32(a + BigInt(o.total));
    const data = ctx.mem.u32(a + BigInt(o.data));
    const max = ctx.mem.u32(a + BigInt(o.max));
    if (used >= total || data + Number(size) > max) return STATUS.BUFFER_TOO_SMALL;
    const slot = a + BigInt(o.blocks + used * o.range);
    writePtr(ctx.mem, slot, address);
    writePtr(ctx.mem, slot + BigInt(ptrSize()), size);
    ctx.mem.setU32(a + BigInt(o.used), used + 1);
    ctx.mem.setU32(a + BigInt(o.data), data + Number(size));
    return STATUS.SUCCESS;
  }),
];
