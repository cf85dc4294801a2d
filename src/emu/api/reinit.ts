/**
 * Driver reinitialization: IoRegisterDriverReinitialization and IoRegisterBootDriverReinitialization
 * (ntddk.h; semantics from their Microsoft Learn pages and the I/O manager as ReactOS
 * ntoskrnl/io/iomgr/driver.c reproduces it):
 *
 *   VOID IoRegisterDriverReinitialization(PDRIVER_OBJECT DriverObject,
 *        PDRIVER_REINITIALIZE DriverReinitializationRoutine, PVOID Context)
 *     queues the routine; the I/O manager calls it once DriverEntry has returned success, at
 *     PASSIVE_LEVEL, as Routine(DriverObject, Context, Count), where Count is the number of times
 *     the driver's reinitialization routines have been called, this call included
 *     (DRIVER_EXTENSION.Count). A routine may register itself again to be called once more.
 *     DRIVER_OBJECT.Flags gets DRVO_REINIT_REGISTERED (0x8).
 *   VOID IoRegisterBootDriverReinitialization(...) — the same for boot drivers, called "after all
 *     devices have been enumerated and started", i.e. once, when the boot drivers have loaded;
 *     DRVO_BOOTREINIT_REGISTERED (0x20). Windows processes that queue once, at boot: a driver
 *     started later (a service with Start ≠ 0, as every `start:` step of kmdll is unless the
 *     registry says SERVICE_BOOT_START) has its routine queued and never called. kmdll does the
 *     same and says so in a warning, so a user knows why the routine did not run.
 *
 * The queue is drained after the DriverEntry that registered (src/emu/executor.ts), one entry at
 * a time in registration order. A routine that registers itself again on every call would make
 * Windows loop for ever; kmdll stops after REINIT_LIMIT calls with a warning.
 */
import type { ApiDefinition, KernelState } from "./types.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { hex, nt } from "./util.js";
import { componentState } from "./state.js";
import { registryOf } from "./zw.js";

const B = (n: number) => BigInt(n);
const IO_TYPE_DRIVER = 4;
export const DRVO_REINIT_REGISTERED = 0x8;
export const DRVO_BOOTREINIT_REGISTERED = 0x20;
export const REINIT_LIMIT = 64;
const SERVICE_BOOT_START = 0;

export interface ReinitEntry {
  driver: bigint;
  routine: bigint;
  context: bigint;
  boot: boolean;
}

export const reinitQueue = componentState("reinit", () => ({ entries: [] as ReinitEntry[] }));

/** True when the service behind `serviceName` is a boot driver (Start = 0 in its service key). */
export function isBootStart(kernel: KernelState, serviceName: string): boolean {
  const start = registryOf(kernel).getDword(`\\Registry\\Machine\\System\\CurrentControlSet\\Services\\${serviceName}`, "Start");
  return start === SERVICE_BOOT_START;
}

/** Take the next queued entry of `driver` of the given kind (registration order), or null. */
export function nextReinit(kernel: KernelState, driver: bigint, boot: boolean): ReinitEntry | null {
  const q = reinitQueue(kernel).entries;
  const i = q.findIndex((e) => e.driver === driver && e.boot === boot);
  return i < 0 ? null : q.splice(i, 1)[0]!;
}

function register(boot: boolean): ApiDefinition {
  const name = boot ? "IoRegisterBootDriverReinitialization" : "IoRegisterDriverReinitialization";
  return nt(name, 3, (ctx) => {
    const [driver, routine, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
    ctx.describe([hex(driver), ctx.kernel.where?.(routine) ?? hex(routine), hex(context)]);
    const D = LAYOUT.DRIVER_OBJECT;
    // The kernel dereferences DriverObject (its Flags, its extension): not a driver object is a crash.
    if (driver === 0n || !ctx.mem.isMapped(driver, D.$size) || ctx.mem.u16(driver + B(D.Type)) !== IO_TYPE_DRIVER)
      ctx.fault("bugcheck", `${name}(${hex(driver)}): DriverObject is not a DRIVER_OBJECT`, { code: "0x0000001E" });
    if (routine === 0n) ctx.fault("bugcheck", `${name}: DriverReinitializationRoutine is NULL (the I/O manager would call address 0)`, { code: "0x0000001E" });
    const flag = boot ? DRVO_BOOTREINIT_REGISTERED : DRVO_REINIT_REGISTERED;
    ctx.mem.setU32(driver + B(D.Flags), ctx.mem.u32(driver + B(D.Flags)) | flag);
    reinitQueue(ctx.kernel).entries.push({ driver, routine, context, boot });
  });
}

export const apis: ApiDefinition[] = [register(false), register(true)];
