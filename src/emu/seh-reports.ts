/**
 * The two bug check reports exception dispatch ends in, on every arch (x64 .pdata dispatch in
 * seh.ts, x86 FS:[0] dispatch in seh-x86.ts, the raise services of dispatch.ts and
 * seh-x86-services.ts): an exception no handler accepted, and a handler that asked to continue
 * after a noncontinuable one. Both are KMODE_EXCEPTION_NOT_HANDLED (0x1E). `described` is the
 * exception code as Seh.describe prints it.
 */
import type { Emulator } from "./emulator.js";
import { EmuStop } from "./faults.js";

/** RtlRaiseException/ExRaiseStatus found no __try/__except that accepted the exception. */
export function unhandledException(emu: Emulator, code: number, described: string, origin: string, retAddr: bigint, api: string): EmuStop {
  return new EmuStop(
    emu.faults.report("bugcheck", `KMODE_EXCEPTION_NOT_HANDLED (0x1E): exception ${described} ${origin} was not handled (no __try/__except of the driver accepted it)`, retAddr, {
      api,
      exception: "0x" + (code >>> 0).toString(16),
      bugcheck: "0x1E",
    }),
  );
}

/** A handler returned EXCEPTION_CONTINUE_EXECUTION for an exception raised noncontinuable. */
export function noncontinuableException(emu: Emulator, described: string, origin: string, address: bigint): EmuStop {
  return new EmuStop(
    emu.faults.report("bugcheck", `KMODE_EXCEPTION_NOT_HANDLED (0x1E): a handler returned EXCEPTION_CONTINUE_EXECUTION for the noncontinuable exception ${described} ${origin} (STATUS_NONCONTINUABLE_EXCEPTION)`, address),
  );
}
