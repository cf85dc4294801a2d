/**
 * NDIS helpers real miniports call from DriverEntry and initialization (issue 12, held-out set
 * fresh4): the NDIS spin lock, the error log, uptime, sleeping, cancel IDs and NDIS_STRING
 * initialization. Sources: Microsoft Learn's ndis.h reference pages named below; NDIS_SPIN_LOCK's
 * layout from ndis.h ({ KSPIN_LOCK SpinLock; KIRQL OldIrql; }, the same in mingw-w64's ddk/ndis.h).
 *
 * - NdisAllocateSpinLock(SpinLock): initializes the caller's NDIS_SPIN_LOCK (zeroed, as
 *   KeInitializeSpinLock); NdisFreeSpinLock releases nothing kmdll holds (a lock still held is a
 *   warning).
 * - NdisAcquireSpinLock(SpinLock): raises to DISPATCH_LEVEL, acquires, and keeps the previous IRQL
 *   in the lock's OldIrql; NdisReleaseSpinLock releases and restores that IRQL. Callers run at
 *   IRQL <= DISPATCH_LEVEL. NdisDprAcquireSpinLock / NdisDprReleaseSpinLock: the same at
 *   DISPATCH_LEVEL without changing the IRQL (a caller below is a warning). Acquiring a lock the
 *   caller holds is a deadlock (spins forever), as KeAcquireSpinLock in ../api/ke.ts.
 * - NdisWriteErrorLogEntry(MiniportAdapterHandle, ErrorCode, NumberOfErrorValues, ...): writes an
 *   error log entry with the ULONG values that follow (varargs: cdecl on x86) — an `errorlog` trace
 *   event here, as IoWriteErrorLogEntry. A NULL handle is a warning and nothing is written.
 * - NdisGetSystemUpTime(PULONG) / NdisGetSystemUpTimeEx(PLARGE_INTEGER): milliseconds since the
 *   system started (the emulated interrupt time / 10,000).
 * - NdisMSleep(MicrosecondsToSleep): a delay at PASSIVE_LEVEL (the emulated clock advances);
 *   higher IRQL is a warning.
 * - NdisGeneratePartialCancelId(): a UCHAR unique among the callers, the high byte of their cancel
 *   IDs: kmdll counts from 1, modulo 256.
 * - NdisInitUnicodeString(Destination, Source): as RtlInitUnicodeString — Length is the byte length
 *   of Source without its terminator, MaximumLength two more; a NULL Source gives 0, 0, NULL.
 * - NdisUnicodeStringToAnsiString(Destination, Source) / NdisUpcaseUnicodeString(Destination,
 *   Source): into the caller's buffer, as RtlUnicodeStringToAnsiString / RtlUpcaseUnicodeString
 *   with AllocateDestinationString FALSE (the NDIS 6 ndis.h macros expand to exactly that; Learn:
 *   "new drivers should use RtlUnicodeStringToAnsiString instead"): a buffer too small is
 *   STATUS_BUFFER_OVERFLOW.
 */
import type { ApiContext, ApiDefinition } from "../api/types.js";
import { api, hex, writePtr } from "../api/util.js";
import { componentState } from "../api/state.js";
import { DISPATCH_LEVEL, PASSIVE_LEVEL, acquireSpin, clockOf, irqlName, lower, raise, releaseSpin } from "../api/ke.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { unicodeStringToAnsi, upDownCaseOf } from "../api/rtl.js";
import { upcaseChar } from "../api/util.js";

const ndis = (name: string, argc: number, h: ApiDefinition["handler"]) => api("ndis.sys", name, argc, h);
const cancelIds = componentState("ndis.cancelid", () => ({ next: 1 }));
/** Values NdisWriteErrorLogEntry reads at most (ERROR_LOG_MAXIMUM_SIZE 240 minus the 48-byte packet head, in ULONGs). */
const MAX_VALUES = 48;

function lockArg(ctx: ApiContext, name: string): bigint {
  const lock = ctx.arg(0);
  ctx.describe([hex(lock)]);
  if (lock === 0n) ctx.fault("bugcheck", `${name}: SpinLock is NULL`, { code: "0x0000001E" });
  return lock;
}
const oldIrqlAt = (lock: bigint) => lock + BigInt(ptrSize());

function dprCheck(ctx: ApiContext, name: string): void {
  if (ctx.kernel.irql !== DISPATCH_LEVEL) ctx.warn(`${name} at ${irqlName(ctx.kernel.irql)} (Learn: callers run at DISPATCH_LEVEL)`);
}

export const ndisMisc5Apis: ApiDefinition[] = [
  ndis("NdisAllocateSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisAllocateSpinLock");
    ctx.mem.write(lock, new Uint8Array(ptrSize() + 1));
  }),
  ndis("NdisFreeSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisFreeSpinLock");
    if (ctx.mem.u8(lock) !== 0) ctx.warn(`NdisFreeSpinLock(${hex(lock)}): the lock is still held`);
  }),
  ndis("NdisAcquireSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisAcquireSpinLock");
    const old = raise(ctx, DISPATCH_LEVEL, "NdisAcquireSpinLock");
    acquireSpin(ctx, lock, "NdisAcquireSpinLock");
    ctx.mem.setU8(oldIrqlAt(lock), old);
  }),
  ndis("NdisReleaseSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisReleaseSpinLock");
    releaseSpin(ctx, lock, "NdisReleaseSpinLock");
    lower(ctx, ctx.mem.u8(oldIrqlAt(lock)), "NdisReleaseSpinLock");
  }),
  ndis("NdisDprAcquireSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisDprAcquireSpinLock");
    dprCheck(ctx, "NdisDprAcquireSpinLock");
    acquireSpin(ctx, lock, "NdisDprAcquireSpinLock");
  }),
  ndis("NdisDprReleaseSpinLock", 1, (ctx) => {
    const lock = lockArg(ctx, "NdisDprReleaseSpinLock");
    dprCheck(ctx, "NdisDprReleaseSpinLock");
    releaseSpin(ctx, lock, "NdisDprReleaseSpinLock");
  }),
  // Varargs, so cdecl on x86: argc 0 gives the `ret 0` stub (the caller pops); ctx.arg(i) reads any argument.
  ndis("NdisWriteErrorLogEntry", 0, (ctx) => {
    const [handle, code, n] = [ctx.arg(0), ctx.u32(1), ctx.u32(2)];
    ctx.describe([hex(handle), hex(code), String(n)]);
    if (handle === 0n) return ctx.warn(`NdisWriteErrorLogEntry(NULL, ${hex(code)}): MiniportAdapterHandle is NULL (Learn: the handle NDIS passed to MiniportInitializeEx); nothing written`);
    const values: string[] = [];
    for (let i = 0; i < Math.min(n, MAX_VALUES); i++) values.push(hex(ctx.u32(3 + i)));
    ctx.kernel.emit?.({ event: "errorlog", module: ctx.caller?.module ?? "?", errorCode: hex(code), dump: values, via: "NdisWriteErrorLogEntry" });
  }),
  ndis("NdisGetSystemUpTime", 1, (ctx) => {
    ctx.mem.setU32(ctx.arg(0), Number((clockOf(ctx).interruptTime() / 10000n) & 0xffffffffn));
  }),
  ndis("NdisGetSystemUpTimeEx", 1, (ctx) => {
    ctx.mem.setU64(ctx.arg(0), clockOf(ctx).interruptTime() / 10000n);
  }),
  ndis("NdisMSleep", 1, (ctx) => {
    const us = ctx.u32(0);
    ctx.describe([`${us} us`]);
    if (ctx.kernel.irql !== PASSIVE_LEVEL) ctx.warn(`NdisMSleep at ${irqlName(ctx.kernel.irql)} (Learn: callers run at PASSIVE_LEVEL)`);
    clockOf(ctx).advance(BigInt(us) * 10n);
  }),
  ndis("NdisGeneratePartialCancelId", 0, (ctx) => {
    const s = cancelIds(ctx.kernel);
    const id = s.next & 0xff;
    s.next = (s.next + 1) & 0xff;
    return BigInt(id);
  }),
  ndis("NdisUnicodeStringToAnsiString", 2, (ctx) => unicodeStringToAnsi(ctx, ctx.arg(0), ctx.arg(1), false)),
  ndis("NdisUpcaseUnicodeString", 2, (ctx) => upDownCaseOf(ctx, upcaseChar, ctx.arg(0), ctx.arg(1), false)),
  ndis("NdisInitUnicodeString", 2, (ctx) => {
    const [dst, src] = [ctx.arg(0), ctx.arg(1)];
    ctx.describe([hex(dst), hex(src)]);
    let len = 0;
    if (src !== 0n) while (ctx.mem.u16(src + BigInt(len)) !== 0 && len < 0xfffc) len += 2;
    ctx.mem.setU16(dst, len);
    ctx.mem.setU16(dst + 2n, src === 0n ? 0 : len + 2);
    writePtr(ctx.mem, dst + BigInt(ptrSize()), src);
  }),
];
