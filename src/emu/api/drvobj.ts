/**
 * Driver objects made at run time: IoCreateDriver and IoDeleteDriver (ntoskrnl exports, not
 * documented on Microsoft Learn; semantics of the NT I/O manager as ReactOS ntoskrnl/io/iomgr/
 * driver.c reproduces them, and as drivers loaded without a service — "manually mapped" drivers,
 * built-in drivers such as the RAW file system — rely on them):
 *
 *   NTSTATUS IoCreateDriver(PUNICODE_STRING DriverName OPTIONAL, PDRIVER_INITIALIZE InitializationFunction)
 *     creates a DRIVER_OBJECT (with its extension) named DriverName, or \Driver\<8-digit tick
 *     count> when NULL; ServiceKeyName is that name; every MajorFunction starts as the I/O
 *     manager's IopInvalidDeviceRequest. The object is inserted in the namespace (a name already
 *     in use: STATUS_OBJECT_NAME_COLLISION; not an absolute path: STATUS_OBJECT_PATH_SYNTAX_BAD),
 *     then InitializationFunction(DriverObject, NULL) runs — the RegistryPath is NULL. On failure
 *     the object is deleted and the status returned; on success the MajorFunction entries the
 *     routine left NULL become IopInvalidDeviceRequest.
 *   VOID IoDeleteDriver(PDRIVER_OBJECT DriverObject) makes the object temporary and drops the
 *     creator's reference (the object goes when its last reference does).
 *
 * Driver object extensions (Microsoft Learn, IoAllocateDriverObjectExtension /
 * IoGetDriverObjectExtension; ReactOS iomgr/driver.c): per driver object, a zeroed nonpaged block
 * per ClientIdentificationAddress; a second one for the same address is
 * STATUS_OBJECT_NAME_COLLISION with *DriverObjectExtension = NULL; they are freed with the driver
 * object. IoGetDriverObjectExtension returns the block, or NULL.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS, ntSuccess } from "../../nt/status.js";
import { LAYOUT, ptrSize } from "../../nt/arch-layout.js";
import { describeUnicode, hex, nt, readPtr, unicodeText, writePtr } from "./util.js";
import { createDriverObject, invalidDeviceRequest, IRP_MJ_COUNT } from "../iomgr/index.js";
import { dereference, objectManager } from "../obmgr/index.js";
import { componentState } from "./state.js";
import { driverLoadApis } from "./drvload.js";

const B = (n: number) => BigInt(n);
const D = LAYOUT.DRIVER_OBJECT;
const IO_TYPE_DRIVER = 4;
const DRVO_BUILTIN_DRIVER = 0x4;

/** Driver objects IoCreateDriver made, by the module that asked (for `stop`'s refusal message). */
export const createdDrivers = componentState("drvobj", () => ({ byCreator: new Map<string, { name: string; object: bigint }[]>() }));

/** "\\Driver\\X (DriverUnload set)" for each driver object `module` created that still exists. */
export function driversCreatedBy(kernel: import("./types.js").KernelState, module: string, readPtr: (a: bigint) => bigint): string[] {
  const live = objectManager(kernel).objects;
  return (createdDrivers(kernel).byCreator.get(module.toLowerCase()) ?? [])
    .filter((d) => live.has(d.object))
    .map((d) => `${d.name} (${readPtr(d.object + B(D.DriverUnload)) === 0n ? "no DriverUnload either" : "with a DriverUnload routine"})`);
}

function nameInUse(ctx: ApiContext, name: string): boolean {
  const want = name.toUpperCase();
  for (const o of objectManager(ctx.kernel).objects.values()) if (o.name && o.name.toUpperCase() === want) return true;
  return false;
}

function createDriver(ctx: ApiContext): number {
  const [pName, init] = [ctx.arg(0), ctx.arg(1)];
  ctx.describe([pName === 0n ? "NULL" : describeUnicode(ctx, pName), ctx.kernel.where?.(init) ?? hex(init)]);
  let name: string;
  if (pName !== 0n) {
    // A wild DriverName pointer is read like any other (a fault report, as the kernel would crash).
    const text = unicodeText(ctx.mem, pName);
    if (text === null || text === "") return STATUS.OBJECT_NAME_INVALID;
    name = text;
  } else {
    // \Driver\%08u of KeTickCount (one tick = 15.625 ms).
    const ticks = (ctx.kernel.clock?.interruptTime() ?? 0n) / 156250n;
    name = `\\Driver\\${(ticks & 0xffffffffn).toString().padStart(8, "0")}`;
  }
  if (!name.startsWith("\\")) return STATUS.OBJECT_PATH_SYNTAX_BAD;
  if (nameInUse(ctx, name)) return STATUS.OBJECT_NAME_COLLISION;
  const obj = createDriverObject(ctx.mem, ctx.kernel, { base: 0n, size: 0 }, init, name, name);
  ctx.mem.setU32(obj + B(D.Flags), DRVO_BUILTIN_DRIVER);
  const status = Number(BigInt.asUintN(32, ctx.callGuest(init, [obj, 0n])));
  if (!ntSuccess(status)) {
    // Failure: the object is deleted (made temporary, last reference dropped).
    dereference(ctx, obj, "IoCreateDriver");
    return status;
  }
  const creator = ctx.caller?.module.toLowerCase();
  if (creator) {
    const list = createdDrivers(ctx.kernel).byCreator.get(creator) ?? [];
    list.push({ name, object: obj });
    createdDrivers(ctx.kernel).byCreator.set(creator, list);
  }
  const invalid = invalidDeviceRequest(ctx.kernel);
  for (let i = 0; i < IRP_MJ_COUNT; i++) {
    const slot = obj + B(D.MajorFunction) + B(ptrSize() * i);
    if (readPtr(ctx.mem, slot) === 0n) writePtr(ctx.mem, slot, invalid);
  }
  return status;
}

const TAG_DRIVER_EXTENSION = 0x78457244; // 'DrEx'
const driverExtensions = componentState("drvobj-ext", () => new Map<bigint, Map<bigint, bigint>>());

function allocateExtension(ctx: ApiContext): number {
  const [drv, id, size, out] = [ctx.arg(0), ctx.arg(1), ctx.u32(2), ctx.arg(3)];
  ctx.describe([hex(drv), hex(id), String(size), hex(out)]);
  const o = objectManager(ctx.kernel).objects.get(drv);
  if (!o || o.type !== "Driver") ctx.fault("bugcheck", `IoAllocateDriverObjectExtension: ${hex(drv)} is not a driver object`, { code: "0x00000018" });
  writePtr(ctx.mem, out, 0n);
  const all = driverExtensions(ctx.kernel);
  let mine = all.get(drv);
  if (mine?.has(id)) return STATUS.OBJECT_NAME_COLLISION;
  const block = ctx.kernel.kernelPool?.allocate(Math.max(size, 1), TAG_DRIVER_EXTENSION) ?? 0n;
  if (block === 0n) return STATUS.INSUFFICIENT_RESOURCES;
  ctx.mem.write(block, new Uint8Array(Math.max(size, 1)));
  if (!mine) {
    const m = new Map<bigint, bigint>();
    mine = m;
    all.set(drv, m);
    // Freed with the driver object (IopDeleteDriver).
    const prev = o!.onDelete;
    o!.onDelete = (c) => {
      for (const b of m.values()) ctx.kernel.kernelPool?.free(b);
      all.delete(drv);
      prev?.(c);
    };
  }
  mine.set(id, block);
  writePtr(ctx.mem, out, block);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("IoAllocateDriverObjectExtension", 4, allocateExtension),
  nt("IoGetDriverObjectExtension", 2, (ctx) => driverExtensions(ctx.kernel).get(ctx.arg(0))?.get(ctx.arg(1)) ?? 0n),
  nt("IoCreateDriver", 2, createDriver),
  nt("IoDeleteDriver", 1, (ctx) => {
    const obj = ctx.arg(0);
    ctx.describe([hex(obj)]);
    if (obj === 0n || ctx.mem.u16(obj + B(D.Type)) !== IO_TYPE_DRIVER) ctx.fault("bugcheck", `IoDeleteDriver(${hex(obj)}): not a DRIVER_OBJECT`, { code: "0x0000001E" });
    dereference(ctx, obj, "IoDeleteDriver");
  }),
  // ZwLoadDriver / ZwUnloadDriver (drvload.ts).
  ...driverLoadApis,
];
