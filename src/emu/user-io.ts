/**
 * Requests "from user mode" for `kmdll sim`'s ioctl step: what DeviceIoControl on a handle to a
 * device does — open (IRP_MJ_CREATE to the top of the device's stack), IRP_MJ_DEVICE_CONTROL with
 * the IOCTL's transfer method (RequestorMode = UserMode), close (the last reference to the file
 * object sends IRP_MJ_CLOSE). Guest code runs as top-level emulator calls.
 */
import type { TraceEvent } from "../events.js";
import { STATUS } from "../nt/status.js";
import { LAYOUT, putPtr } from "../nt/arch-layout.js";
import { EmuStop, type Emulator, type FaultReport } from "./emulator.js";
import { buildIoctlIrp, callDriver, ctxLess, interfaceLeaks, ioState, lookupDevice, openDevice, UserMode, type IoEnv } from "./iomgr/index.js";
import { dereference } from "./obmgr/index.js";

export type UserIoctlOutcome =
  | { ok: true; status: number; information: bigint; output: Uint8Array; completed: boolean }
  | { ok: false; fault: FaultReport };

function userEnv(emu: Emulator): IoEnv {
  return {
    mem: emu.mem,
    kernel: emu.kernel,
    from: "user",
    callGuest: (a, args) => {
      const r = emu.call(a, args, `dispatch ${emu.where(a)}`);
      if (!r.ok) throw new EmuStop(r.fault);
      return r.value;
    },
    warn: (message, extra) => emu.emit({ event: "warning", message, ...extra }),
    fault: (kind, message, extra) => {
      throw new EmuStop(emu.report(kind, message, emu.uc.regRead(emu.C.regs.RIP), extra ?? {}));
    },
  };
}

const TAG_USER = 0x72657355; // 'User'

/**
 * DeviceIoControl(\Device\Name, code, input, outputLength) from a user-mode process: returns the
 * status, IoStatus.Information and the output bytes (Information bytes of the output buffer).
 */
export function userDeviceIoControl(emu: Emulator, deviceName: string, code: number, input: Uint8Array, outputLength: number): UserIoctlOutcome {
  const env = userEnv(emu);
  const dev = lookupDevice(emu.kernel, deviceName);
  if (dev === null) return { ok: true, status: STATUS.OBJECT_NAME_NOT_FOUND, information: 0n, output: new Uint8Array(), completed: true };
  const pool = emu.kernel.kernelPool!;
  const inBuf = input.length ? pool.allocate(input.length, TAG_USER) : 0n;
  const outBuf = outputLength ? pool.allocate(outputLength, TAG_USER) : 0n;
  let file = 0n;
  try {
    if (inBuf) emu.mem.write(inBuf, input);
    const opened = openDevice(env, dev, UserMode);
    if (opened.file === 0n) {
      return { ok: true, status: opened.status, information: 0n, output: new Uint8Array(), completed: true };
    }
    file = opened.file;
    const irp = buildIoctlIrp(env, { code, device: opened.top, input: inBuf, inputLength: input.length, output: outBuf, outputLength, internal: false, event: 0n, iosb: 0n, requestorMode: UserMode, fileObject: file }, "user");
    putPtr(emu.mem, irp + BigInt(LAYOUT.IRP["Tail.Overlay.OriginalFileObject"]), file);
    const status = callDriver(env, opened.top, irp);
    const info = ioState(emu.kernel).irps.get(irp);
    let result: UserIoctlOutcome;
    if (info?.completed && info.result) {
      const n = Math.min(Number(BigInt.asUintN(32, info.result.information)), outputLength);
      const output = n > 0 && (info.result.status & 0xc0000000) !== 0xc0000000 ? emu.mem.read(outBuf, n) : new Uint8Array();
      result = { ok: true, status: info.result.status, information: info.result.information, output, completed: true };
      // The I/O manager frees a user request's IRP after completing it.
      ioState(emu.kernel).irps.delete(irp);
      if (info.systemBuffer) pool.free(info.systemBuffer);
      if (info.mdl) pool.free(info.mdl);
      pool.free(irp);
    } else {
      env.warn(`DeviceIoControl(${deviceName}, 0x${(code >>> 0).toString(16)}): the dispatch routine returned ${status === STATUS.PENDING ? "STATUS_PENDING" : "0x" + status.toString(16)} without completing the IRP; nothing else runs to complete it`);
      result = { ok: true, status, information: 0n, output: new Uint8Array(), completed: false };
    }
    // CloseHandle: the last reference to the file object sends IRP_MJ_CLOSE.
    const f = file;
    file = 0n;
    dereference(ctxLess(env), f, "CloseHandle");
    return result;
  } catch (e) {
    if (e instanceof EmuStop) return { ok: false, fault: e.report };
    throw e;
  } finally {
    if (inBuf) pool.free(inBuf);
    if (outBuf) pool.free(outBuf);
  }
}

/** End of a simulation: interface references never dereferenced, as `leak` events. */
export function finishIo(emu: Emulator): TraceEvent[] {
  const leaks = interfaceLeaks(emu.kernel);
  for (const l of leaks) emu.emit(l);
  return leaks;
}
