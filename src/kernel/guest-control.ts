/**
 * Service control asked for by driver code: ZwLoadDriver / ZwUnloadDriver (src/emu/api/drvload.ts
 * checks the arguments and the driver object) run the kernel model's own start and stop — the one
 * loader, ImagePath resolved inside --root only, DriverEntry / DriverUnload, export drivers
 * referenced and dereferenced — nested inside the calling driver's code, as NtLoadDriver runs
 * IopLoadDriver for its caller.
 */
import type { GuestDriverOp } from "../executor.js";
import type { Kernel } from "./kernel.js";

/** ZwLoadDriver(…\Services\SERVICE) from `caller`. */
export function guestLoadDriver(kernel: Kernel, service: string, caller: string | null): GuestDriverOp {
  const r = kernel.start(service, caller ? `loaded by ${caller} (ZwLoadDriver)` : "ZwLoadDriver");
  return { status: r.status, crashed: r.crashed === true, ...(r.message ? { message: r.message } : {}) };
}

/** ZwUnloadDriver(…\Services\SERVICE) from `caller`. */
export function guestUnloadDriver(kernel: Kernel, service: string, caller: string | null): GuestDriverOp {
  const r = kernel.stop(service, caller ? `unloaded by ${caller} (ZwUnloadDriver)` : "ZwUnloadDriver");
  return { status: r.status, crashed: r.crashed === true, ...(r.message ? { message: r.message } : {}) };
}
