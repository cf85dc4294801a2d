/**
 * Requests from a user-mode program: its address space (space.ts), how its paths reach devices
 * (names.ts), the IRPs the I/O manager builds for it (irps.ts), its handles and requests
 * (process.ts).
 */
import type { TraceEvent } from "../../events.js";
import type { Emulator } from "../emulator.js";
import { interfaceLeaks } from "../iomgr/index.js";
import { openUserHandles, userRequest } from "./process.js";

export * from "./space.js";
export * from "./names.js";
export { userRequest, userDeviceIoControl, openUserHandles, DEFAULT_DESIRED_ACCESS, type UserOutcome } from "./process.js";

/**
 * End of a simulation: the program exits, so its handles still open are closed (IRP_MJ_CLEANUP,
 * IRP_MJ_CLOSE, each with a warning); interface references never dereferenced become `leak` events.
 */
export function finishIo(emu: Emulator): TraceEvent[] {
  for (const h of openUserHandles(emu)) {
    emu.emit({ event: "warning", message: `handle "${h}" was still open when the program ended: the process exit closes it (IRP_MJ_CLEANUP, IRP_MJ_CLOSE)` });
    const r = userRequest(emu, { op: "close", handle: h });
    if (!r.ok) {
      emu.emit({ event: "warning", message: `closing handle "${h}" at exit: ${r.fault.message}` });
      break;
    }
  }
  const leaks = interfaceLeaks(emu.kernel);
  for (const l of leaks) emu.emit(l);
  return leaks;
}
