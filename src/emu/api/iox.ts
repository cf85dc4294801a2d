/**
 * I/O extras: the StartIo device queue (IoStartPacket / IoStartNextPacket(ByKey)), error log
 * entries (IoAllocateErrorLogEntry / IoWriteErrorLogEntry / IoFreeErrorLogEntry, written as
 * `errorlog` trace events), power (PoRegisterSystemState, PoSetSystemState,
 * PoUnregisterSystemState, PoSetPowerState, PoStartNextPowerIrp) and
 * IoIsWdmVersionAvailable.
 *
 * IoSetStartIoAttributes(DeviceObject, DeferredStartIo, NonCancelable) (Learn, ntddk.h):
 * DeferredStartIo TRUE — an IoStartNextPacket(ByKey) made while the driver is inside its StartIo
 * routine does not call StartIo again there; the next packet starts when the current invocation
 * returns (without it, StartIo is re-entered, as Windows does). NonCancelable is recorded (kmdll
 * does not cancel started packets either way). A pointer that is not a DEVICE_OBJECT: bug check
 * report.
 *
 * IO_ERROR_LOG_PACKET (wdm.h, x64): MajorFunctionCode 0, RetryCount 1, DumpDataSize 2,
 * NumberOfStrings 4, StringOffset 6, EventCategory 8, ErrorCode 12, UniqueErrorValue 16,
 * FinalStatus 20, SequenceNumber 24, IoControlCode 28, DeviceOffset 32, DumpData 40 (size 48).
 * The packet is 48 bytes on x86 too (DumpData at 40). ERROR_LOG_MAXIMUM_SIZE is 240 on x64 and 152
 * on x86 (wdm.h: PORT_MAXIMUM_MESSAGE_LENGTH 512 / 256; clang's value of the macro on both).
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { decodeUtf16, hex, nt, readPtr, writePtr } from "./util.js";
import { DISPATCH_LEVEL, irqlName } from "./ke.js";

const B = (n: number) => BigInt(n);
const DO = LAYOUT.DEVICE_OBJECT;
const DRV = LAYOUT.DRIVER_OBJECT;
const ERROR_LOG_MAXIMUM_SIZE = (): number => (ptrSize() === 4 ? 152 : 240);
const ERROR_LOG_PACKET_SIZE = 48;

interface IoxState {
  /** Device → queued IRPs (with their sort keys) waiting for StartIo. */
  queues: Map<bigint, { irp: bigint; key: number | null }[]>;
  errorLog: Map<bigint, number>;
  systemStates: Map<bigint, number>;
  /** Device → power state per type (0 system, 1 device). */
  power: Map<bigint, [number, number]>;
  nextSequence: number;
  /** Devices with DeferredStartIo / NonCancelable set, devices inside StartIo, deferred start-next requests (their key). */
  deferred: Set<bigint>;
  nonCancelable: Set<bigint>;
  inStartIo: Set<bigint>;
  pendingNext: Map<bigint, number | null>;
}
const ioxState = (ctx: ApiContext) => ctx.kernel.state<IoxState>("iox", () => ({ queues: new Map(), errorLog: new Map(), systemStates: new Map(), power: new Map(), nextSequence: 1, deferred: new Set(), nonCancelable: new Set(), inStartIo: new Set(), pendingNext: new Map() }));

function startIo(ctx: ApiContext, dev: bigint, irp: bigint): void {
  const driver = readPtr(ctx.mem, dev + B(DO.DriverObject));
  const routine = readPtr(ctx.mem, driver + B(DRV.DriverStartIo));
  if (routine === 0n) ctx.fault("bugcheck", `IoStartPacket: the driver of device ${hex(dev)} has no DriverStartIo routine`, { code: "0x0000001E" });
  writePtr(ctx.mem, dev + B(DO.CurrentIrp), irp);
  const old = ctx.kernel.irql;
  const st = ioxState(ctx);
  const outer = !st.inStartIo.has(dev);
  st.inStartIo.add(dev);
  ctx.kernel.irql = DISPATCH_LEVEL;
  try {
    ctx.callGuest(routine, [dev, irp]);
  } finally {
    ctx.kernel.irql = old;
    if (outer) st.inStartIo.delete(dev);
  }
  // DeferredStartIo: the start-next request made inside StartIo runs now that it has returned.
  if (outer && st.pendingNext.has(dev)) {
    const key = st.pendingNext.get(dev) ?? null;
    st.pendingNext.delete(dev);
    startNext(ctx, dev, key);
  }
}

function startNext(ctx: ApiContext, dev: bigint, key: number | null): void {
  const st = ioxState(ctx);
  if (st.deferred.has(dev) && st.inStartIo.has(dev)) return void st.pendingNext.set(dev, key);
  const q = st.queues.get(dev) ?? [];
  writePtr(ctx.mem, dev + B(DO.CurrentIrp), 0n);
  let i = 0;
  if (key !== null) {
    // IoStartNextPacketByKey: the first packet whose key is >= Key, else the first one.
    const j = q.findIndex((e) => (e.key ?? 0) >= key);
    i = j < 0 ? 0 : j;
  }
  const next = q.splice(i, 1)[0];
  if (next) startIo(ctx, dev, next.irp);
}

export const apis: ApiDefinition[] = [
  nt("IoStartPacket", 4, (ctx) => {
    const dev = ctx.arg(0);
    const irp = ctx.arg(1);
    const keyPtr = ctx.arg(2);
    ctx.describe([hex(dev), hex(irp), keyPtr === 0n ? "NULL" : String(ctx.mem.u32(keyPtr)), hex(ctx.arg(3))]);
    if (ctx.kernel.irql > DISPATCH_LEVEL) ctx.fault("bugcheck", `IoStartPacket at ${irqlName(ctx.kernel.irql)}`, { code: "0x0000000A" });
    if (readPtr(ctx.mem, dev + B(DO.CurrentIrp)) === 0n) return void startIo(ctx, dev, irp);
    const st = ioxState(ctx);
    const q = st.queues.get(dev) ?? [];
    const key = keyPtr === 0n ? null : ctx.mem.u32(keyPtr);
    // Keyed packets are kept sorted by key (KeInsertByKeyDeviceQueue), others in arrival order.
    if (key === null) q.push({ irp, key });
    else {
      const at = q.findIndex((e) => e.key !== null && e.key > key);
      q.splice(at < 0 ? q.length : at, 0, { irp, key });
    }
    st.queues.set(dev, q);
  }),
  nt("IoStartNextPacket", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "TRUE" : "FALSE"]);
    startNext(ctx, ctx.arg(0), null);
  }),
  nt("IoStartNextPacketByKey", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), ctx.u32(1) & 0xff ? "TRUE" : "FALSE", String(ctx.u32(2))]);
    startNext(ctx, ctx.arg(0), ctx.u32(2));
  }),
  nt("IoSetStartIoAttributes", 3, (ctx) => {
    const [dev, deferred, nonCancelable] = [ctx.arg(0), (ctx.u32(1) & 0xff) !== 0, (ctx.u32(2) & 0xff) !== 0];
    ctx.describe([hex(dev), deferred ? "TRUE" : "FALSE", nonCancelable ? "TRUE" : "FALSE"]);
    if (dev === 0n || ctx.mem.u16(dev + B(DO.Type)) !== 3) return ctx.fault("bugcheck", `IoSetStartIoAttributes(${hex(dev)}): not a DEVICE_OBJECT`, { code: "0x0000001E" });
    const st = ioxState(ctx);
    for (const [set, on] of [[st.deferred, deferred], [st.nonCancelable, nonCancelable]] as const) on ? set.add(dev) : set.delete(dev);
  }),
  // ---- error log
  nt("IoAllocateErrorLogEntry", 2, (ctx) => {
    const obj = ctx.arg(0);
    const size = ctx.u32(1) & 0xff;
    ctx.describe([hex(obj), String(size)]);
    if (obj === 0n) return 0n;
    if (ctx.kernel.irql > DISPATCH_LEVEL || size < ERROR_LOG_PACKET_SIZE - 4 || size > ERROR_LOG_MAXIMUM_SIZE()) return 0n;
    const e = ctx.kernel.kernelPool?.allocate(size, 0x67724c45 /* 'ELrg' */) ?? 0n;
    if (e === 0n) return 0n;
    ioxState(ctx).errorLog.set(e, size);
    return e;
  }),
  nt("IoWriteErrorLogEntry", 1, (ctx) => {
    const e = ctx.arg(0);
    const st = ioxState(ctx);
    const size = st.errorLog.get(e);
    if (size === undefined) return ctx.fault("bugcheck", `IoWriteErrorLogEntry(${hex(e)}): not an entry from IoAllocateErrorLogEntry`, { code: "0x000000C2" });
    const m = ctx.mem;
    const dumpSize = m.u16(e + 2n);
    const nStrings = m.u16(e + 4n);
    const stringOffset = m.u16(e + 6n);
    const strings: string[] = [];
    let at = e + B(stringOffset);
    for (let i = 0; i < nStrings && at < e + B(size); i++) {
      let end = at;
      while (end + 1n < e + B(size) && m.u16(end) !== 0) end += 2n;
      strings.push(decodeUtf16(m.read(at, Number(end - at))));
      at = end + 2n;
    }
    const dump: string[] = [];
    for (let i = 0; i < Math.min(dumpSize, size - 40) / 4; i++) dump.push(hex(m.u32(e + 40n + B(i * 4))));
    ctx.kernel.emit?.({
      event: "errorlog",
      module: ctx.caller?.module ?? "?",
      errorCode: hex(m.u32(e + 12n)),
      uniqueErrorValue: hex(m.u32(e + 16n)),
      finalStatus: hex(m.u32(e + 20n)),
      majorFunction: m.u8(e),
      sequence: st.nextSequence++,
      ...(dump.length ? { dumpData: dump } : {}),
      ...(strings.length ? { strings } : {}),
    });
    st.errorLog.delete(e);
    ctx.kernel.kernelPool?.free(e);
  }),
  nt("IoFreeErrorLogEntry", 1, (ctx) => {
    if (!ioxState(ctx).errorLog.delete(ctx.arg(0))) ctx.fault("bugcheck", `IoFreeErrorLogEntry(${hex(ctx.arg(0))}): not an entry from IoAllocateErrorLogEntry`, { code: "0x000000C2" });
    ctx.kernel.kernelPool?.free(ctx.arg(0));
  }),
  // ---- power
  nt("PoRegisterSystemState", 2, (ctx) => {
    const st = ioxState(ctx);
    const h = ctx.arg(0);
    const flags = ctx.u32(1);
    ctx.describe([hex(h), hex(flags)]);
    // Only ES_SYSTEM_REQUIRED (1), ES_DISPLAY_REQUIRED (2), ES_USER_PRESENT (4) and ES_CONTINUOUS (0x80000000) are valid.
    if (flags & ~0x80000007) return 0n;
    if (h !== 0n) {
      if (!st.systemStates.has(h)) return 0n;
      st.systemStates.set(h, flags);
      return h;
    }
    const n = ctx.kernel.kernelPool?.allocate(16, 0x74537350 /* 'PsSt' */) ?? 0n;
    if (n !== 0n) st.systemStates.set(n, flags);
    return n;
  }),
  nt("PoUnregisterSystemState", 1, (ctx) => {
    if (!ioxState(ctx).systemStates.delete(ctx.arg(0))) ctx.fault("bugcheck", `PoUnregisterSystemState(${hex(ctx.arg(0))}): not a handle from PoRegisterSystemState`, { code: "0x0000000A" });
    ctx.kernel.kernelPool?.free(ctx.arg(0));
  }),
  nt("PoSetSystemState", 1, (ctx) => {
    if (ctx.u32(0) & 0x80000000) ctx.fault("bugcheck", "PoSetSystemState: ES_CONTINUOUS is not allowed (use PoRegisterSystemState)", { code: "0x0000000A" });
  }),
  nt("PoSetPowerState", 3, (ctx) => {
    const dev = ctx.arg(0);
    const type = ctx.u32(1);
    if (type > 1) return 0;
    const p = ioxState(ctx).power.get(dev) ?? [1, 1]; // PowerSystemWorking, PowerDeviceD0
    const old = p[type]!;
    p[type] = ctx.u32(2);
    ioxState(ctx).power.set(dev, p);
    return old;
  }),
  // Windows Vista and later: PoStartNextPowerIrp performs no action (Microsoft Learn).
  nt("PoStartNextPowerIrp", 1, () => undefined),
  nt("IoIsWdmVersionAvailable", 2, (ctx) => {
    const major = ctx.u32(0) & 0xff;
    const minor = ctx.u32(1) & 0xff;
    // The emulated system reports WDM 6.3 (the last version Microsoft Learn's table lists).
    return major < 6 || (major === 6 && minor <= 3) ? 1 : 0;
  }),
];
