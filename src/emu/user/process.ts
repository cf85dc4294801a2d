/**
 * The user-mode program of a simulation: its handles to devices and the requests it sends, as
 * CreateFile / ReadFile / WriteFile / DeviceIoControl / CloseHandle do on a synchronous handle.
 * Each request runs with the thread's previous mode UserMode (ExGetPreviousMode, Irp->RequestorMode)
 * and the caller's buffers in the modelled user address space (./space.ts). A request a driver
 * leaves pending is waited for: the scheduler runs DPCs, timers, work items and system threads
 * until the IRP completes (as the program's wait on the file object would let them).
 */
import type { UserIoOutcome, UserIoRequest } from "../../executor.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { STATUS, formatStatus } from "../../nt/status.js";
import { EmuStop, type Emulator, type FaultReport } from "../emulator.js";
import { GuestFault } from "../memory.js";
import {
  IRP_MJ, UserMode, callDriver, cleanupFile, closeResults, ctxLess, ioState, openDevice, takeCompleted, FO_SYNCHRONOUS_IO, type IoEnv,
} from "../iomgr/index.js";
import { dereference } from "../obmgr/index.js";
import { previousMode } from "../api/previous-mode.js";
import { KTHREAD_PREVIOUS_MODE } from "../system.js";
import { scheduler } from "../sched/index.js";
import { resolveDevicePath } from "./names.js";
import { userSpaceOf, type PageMapper, type UserBuffer } from "./space.js";
import { buildUserIoctl, buildUserReadWrite, transferOf } from "./irps.js";

const B = (n: number) => BigInt(n);
const FO = LAYOUT.FILE_OBJECT;
const IOSB = LAYOUT.IO_STATUS_BLOCK;
const STATUS_INVALID_HANDLE = 0xc0000008;
const STATUS_NOT_FOUND = 0xc0000225;
const STATUS_OBJECT_NAME_COLLISION = 0xc0000035;
/** CreateFile(GENERIC_READ | GENERIC_WRITE) as the I/O manager sees it: FILE_GENERIC_READ | FILE_GENERIC_WRITE. */
export const DEFAULT_DESIRED_ACCESS = 0x0012019f;
/** FILE_OPEN << 24 | FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE (CreateFile OPEN_EXISTING, not overlapped). */
const CREATE_OPTIONS = (1 << 24) | 0x20 | 0x40;
/** FILE_SHARE_READ | FILE_SHARE_WRITE. */
const SHARE = 3;
/** How long (emulated time) a program waits for a pending request: 60 s. */
const PENDING_WAIT = 600_000_000n;

interface UserHandle {
  name: string;
  path: string;
  file: bigint;
  top: bigint;
  deviceName: string;
  fileName: string;
  /** Overlapped requests the driver left pending (ioctl ...,async), with the buffers they own. */
  outstanding?: { irp: bigint; bufs: UserBuffer[] }[];
}

const processes = new WeakMap<Emulator, Map<string, UserHandle>>();
function handlesOf(emu: Emulator): Map<string, UserHandle> {
  let h = processes.get(emu);
  if (!h) processes.set(emu, (h = new Map()));
  return h;
}

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

/** A request's outcome: what the program saw, or the fault that stopped the machine. */
export type UserOutcome = Extract<UserIoOutcome, { ok: true }> | { ok: false; fault: FaultReport };

const isError = (s: number) => s >>> 30 === 3;

/** The engine's page calls, plus what is mapped already (user virtual memory of the process). */
function pagesOf(emu: Emulator): PageMapper {
  return { mapMemory: (a, n, p) => emu.uc.mapMemory(a, n, p), unmapMemory: (a, n) => emu.uc.unmapMemory(a, n), isMapped: (a, n) => emu.mem.isMapped(a, n) };
}
const noDriver = (status: number, message: string, facts: Record<string, string | number> = {}): UserOutcome => ({ ok: true, status, information: 0n, completed: true, facts, message });

/** Run a request as the user-mode thread (PreviousMode = UserMode), turning guest faults into reports. */
function asUser(emu: Emulator, body: (env: IoEnv) => UserOutcome): UserOutcome {
  const mode = previousMode(emu.kernel);
  const old = mode.mode;
  mode.mode = UserMode;
  // KTHREAD.PreviousMode as well (x64: drivers read it at the offset ExGetPreviousMode's code shows).
  const thread = emu.cpu.arch === "x64" ? emu.kernel.currentThread : undefined;
  const modeByte = thread ? thread + BigInt(KTHREAD_PREVIOUS_MODE) : null;
  const oldByte = modeByte !== null && emu.mem.isMapped(modeByte, 1) ? emu.mem.u8(modeByte) : null;
  if (oldByte !== null) emu.mem.setU8(modeByte!, UserMode);
  try {
    return body(userEnv(emu));
  } catch (e) {
    if (e instanceof EmuStop) return { ok: false, fault: e.report };
    // The I/O manager touched memory it could not (a corrupted IRP, device or file object): a
    // report, as Windows would bug check, never an exception out of the simulation.
    if (e instanceof GuestFault) return { ok: false, fault: emu.report(e.access === "read" ? "invalid-read" : "invalid-write", `${e.message} in the I/O manager`, 0n, { address: e.address }) };
    throw e;
  } finally {
    mode.mode = old;
    if (oldByte !== null) emu.mem.setU8(modeByte!, oldByte);
  }
}

/** Send a built IRP and wait for it like a synchronous caller: the final IoStatus, or pending. */
function sendAndWait(emu: Emulator, env: IoEnv, top: bigint, irp: bigint): { status: number; information: bigint; completed: boolean; returned: number } {
  const returned = callDriver(env, top, irp);
  const info = ioState(emu.kernel).irps.get(irp);
  if (info && !info.completed) {
    const now = emu.kernel.clock?.interruptTime() ?? 0n;
    scheduler.runUntil(ctxLess(env), () => info.completed, now + PENDING_WAIT);
  }
  const done = takeCompleted(env, irp);
  if (done) return { status: done.status >>> 0, information: done.information, completed: true, returned };
  env.warn(`the ${returned === STATUS.PENDING ? "pending " : ""}request was not completed by the driver or anything it scheduled; a program would wait for it forever (the IRP stays outstanding)`);
  return { status: returned, information: 0n, completed: false, returned };
}

/** An overlapped DeviceIoControl: the program does not wait; a request left pending stays outstanding. */
function sendOverlapped(env: IoEnv, top: bigint, irp: bigint): { status: number; information: bigint; completed: boolean; returned: number } {
  const returned = callDriver(env, top, irp);
  const done = takeCompleted(env, irp);
  if (done) return { status: done.status >>> 0, information: done.information, completed: true, returned };
  return { status: STATUS.PENDING, information: 0n, completed: false, returned };
}

/**
 * CancelIo(H): IoCancelIrp on each outstanding overlapped request of the handle (the driver's
 * cancel routine runs), then the program waits for them as GetOverlappedResult would. CancelIo
 * succeeds with nothing to cancel too (STATUS_NOT_FOUND: ERROR_NOT_FOUND); the requests' final
 * statuses are facts; one still not completed is a warning (a program would wait forever).
 */
function cancelUserIo(emu: Emulator, h: UserHandle): UserOutcome {
  return asUser(emu, (env) => {
    const list = h.outstanding ?? [];
    h.outstanding = [];
    if (list.length === 0) return { ok: true, status: STATUS_NOT_FOUND, information: 0n, completed: true, facts: { device: h.deviceName, cancelled: "no outstanding request" } };
    const cancel = emu.kernel.moduleExport?.("ntoskrnl.exe", "IoCancelIrp") ?? null;
    if (cancel === null) return noDriver(STATUS.NOT_SUPPORTED, "this kernel has no IoCancelIrp");
    const space = userSpaceOf(emu, pagesOf(emu));
    const results: string[] = [];
    for (const o of list) {
      const info = ioState(emu.kernel).irps.get(o.irp);
      if (info && !info.completed) {
        env.callGuest(cancel, [o.irp]);
        if (!info.completed) scheduler.runUntil(ctxLess(env), () => info.completed, (emu.kernel.clock?.interruptTime() ?? 0n) + PENDING_WAIT);
      }
      const done = takeCompleted(env, o.irp);
      if (done) {
        results.push(`IRP ${hexAddr(o.irp)} → ${formatStatus(done.status >>> 0)}`);
        for (const b of o.bufs) space.free(b);
      } else {
        results.push(`IRP ${hexAddr(o.irp)} still not completed`);
        env.warn(`CancelIo: IRP ${hexAddr(o.irp)} was not completed after IoCancelIrp (the driver set no cancel routine, or its routine did not complete it); a program waiting for it would wait forever`);
      }
    }
    return { ok: true, status: STATUS.SUCCESS, information: 0n, completed: true, facts: { device: h.deviceName, cancelled: results.join(", ") } };
  });
}

/**
 * The program sleeps (Sleep(ms)): the scheduler runs what comes due while the emulated clock moves
 * `ms` on — timers fire and queue their DPCs, work items and ready system threads run — then the
 * clock stands at the end of the sleep.
 */
function sleepFor(emu: Emulator, ms: number): UserOutcome {
  return asUser(emu, (env) => {
    const clock = emu.kernel.clock;
    if (!clock) return noDriver(STATUS.NOT_SUPPORTED, "this kernel has no clock");
    const t0 = clock.interruptTime();
    const end = t0 + BigInt(ms) * 10000n;
    scheduler.runUntil(ctxLess(env), () => false, end);
    const now = clock.interruptTime();
    if (now < end) clock.advance(end - now);
    scheduler.dpcWindow(ctxLess(env));
    return { ok: true, status: STATUS.SUCCESS, information: 0n, completed: true, facts: { milliseconds: ms } };
  });
}

/** One request of the user-mode program. */
export function userRequest(emu: Emulator, r: UserIoRequest): UserOutcome {
  if (r.op === "sleep") return sleepFor(emu, r.milliseconds);
  const handles = handlesOf(emu);
  if (r.op === "open") {
    if (handles.has(r.handle)) return noDriver(STATUS_OBJECT_NAME_COLLISION, `handle "${r.handle}" is already open (close it first, or open under another name)`);
    const where = resolveDevicePath(emu.kernel, r.path);
    if (!where.ok) return noDriver(where.status, where.message);
    return asUser(emu, (env) => {
      const space = userSpaceOf(emu, pagesOf(emu));
      const iosb = space.allocate(IOSB.$size);
      try {
        const opened = openDevice(env, where.device, UserMode, {
          ...(where.fileName ? { fileName: where.fileName } : {}),
          desiredAccess: r.desiredAccess ?? DEFAULT_DESIRED_ACCESS,
          options: CREATE_OPTIONS,
          shareAccess: SHARE,
          synchronous: true,
          iosb: iosb.address,
        });
        const facts = { device: where.deviceName, ...(where.fileName ? { fileName: where.fileName } : {}), ...(where.via.length > 1 ? { resolved: where.via.join(" → ") } : {}) };
        if (opened.file === 0n) return { ok: true, status: opened.status, information: opened.information, completed: true, facts };
        handles.set(r.handle, { name: r.handle, path: r.path, file: opened.file, top: opened.top, deviceName: where.deviceName, fileName: where.fileName });
        return { ok: true, status: opened.status, information: opened.information, completed: true, facts: { ...facts, handle: r.handle } };
      } finally {
        space.free(iosb);
      }
    });
  }
  const h = handles.get(r.handle);
  if (!h) return noDriver(STATUS_INVALID_HANDLE, `no open handle "${r.handle}" (open it first with open:PATH,as=${r.handle})`);
  if (r.op === "close") return closeUserHandle(emu, h);
  if (r.op === "cancel") return cancelUserIo(emu, h);
  return asUser(emu, (env) => {
    const space = userSpaceOf(emu, pagesOf(emu));
    const m = emu.mem;
    const req = { top: h.top, file: h.file, thread: emu.kernel.currentThread ?? 0n, process: emu.kernel.currentProcess ?? 0n, iosb: 0n };
    const bufs: UserBuffer[] = [];
    const alloc = (n: number) => {
      const b = space.allocate(n);
      bufs.push(b);
      return b;
    };
    let pending = false;
    try {
      req.iosb = alloc(IOSB.$size).address;
      if (r.op === "ioctl") {
        const input = alloc(r.input.length);
        if (r.input.length) m.write(input.address, r.input);
        const output = alloc(r.outputLength);
        const irp = buildUserIoctl(env, req, { code: r.code, input: input.address, inputLength: r.input.length, output: output.address, outputLength: r.outputLength });
        const res = r.async ? sendOverlapped(env, h.top, irp) : sendAndWait(emu, env, h.top, irp);
        pending = !res.completed;
        if (pending && r.async) (h.outstanding ??= []).push({ irp, bufs: [...bufs] });
        const n = res.completed && !isError(res.status) ? Math.min(Number(BigInt.asUintN(32, res.information)), r.outputLength) : 0;
        const facts: Record<string, string | number> = { device: h.deviceName, transfer: transferOf(env, h.top, IRP_MJ.DEVICE_CONTROL, r.code), inputAddress: hexAddr(input.address), outputAddress: hexAddr(output.address) };
        if (res.returned === STATUS.PENDING) facts.pended = res.completed ? "the dispatch routine returned STATUS_PENDING; the IRP completed later" : r.async ? "STATUS_PENDING: outstanding (overlapped)" : "STATUS_PENDING, never completed";
        if (pending && r.async) facts.outstanding = `IRP ${hexAddr(irp)} (CancelIo: a cancel:${h.name} step)`;
        if (res.completed && res.information > BigInt(r.outputLength)) facts.informationExceedsOutput = `IoStatus.Information ${res.information} > OutputBufferLength ${r.outputLength}: only ${r.outputLength} byte(s) reach the caller`;
        return { ok: true, status: res.status, information: res.information, completed: res.completed, output: n ? m.read(output.address, n) : new Uint8Array(), facts };
      }
      const sync = (m.u32(h.file + B(FO.Flags)) & FO_SYNCHRONOUS_IO) !== 0;
      const offset = r.offset ?? (sync ? m.u64(h.file + B(FO.CurrentByteOffset)) : 0n);
      const major = r.op === "read" ? IRP_MJ.READ : IRP_MJ.WRITE;
      const length = r.op === "read" ? r.length : r.data.length;
      const buf = alloc(length);
      if (r.op === "write" && length) m.write(buf.address, r.data);
      const irp = buildUserReadWrite(env, req, major, buf.address, length, offset);
      const res = sendAndWait(emu, env, h.top, irp);
      pending = !res.completed;
      // A synchronous file object's position moves by what was transferred (IopCompleteRequest).
      if (sync && res.completed && !isError(res.status)) m.setU64(h.file + B(FO.CurrentByteOffset), BigInt.asUintN(64, offset + BigInt.asUintN(32, res.information)));
      const facts: Record<string, string | number> = { device: h.deviceName, transfer: transferOf(env, h.top, major), offset: offset.toString(), bufferAddress: hexAddr(buf.address) };
      if (res.returned === STATUS.PENDING) facts.pended = res.completed ? "the dispatch routine returned STATUS_PENDING; the IRP completed later" : "STATUS_PENDING, never completed";
      const n = r.op === "read" && res.completed && !isError(res.status) ? Math.min(Number(BigInt.asUintN(32, res.information)), length) : 0;
      return { ok: true, status: res.status, information: res.information, completed: res.completed, ...(r.op === "read" ? { output: n ? m.read(buf.address, n) : new Uint8Array() } : {}), facts };
    } finally {
      // The program frees its buffers after the call returns; a pending request keeps them (it still owns them).
      if (!pending) for (const b of bufs) space.free(b);
    }
  });
}

/** CloseHandle: IRP_MJ_CLEANUP now; IRP_MJ_CLOSE when the driver holds no more references to the file object. */
function closeUserHandle(emu: Emulator, h: UserHandle): UserOutcome {
  handlesOf(emu).delete(h.name);
  return asUser(emu, (env) => {
    const cleanup = cleanupFile(env, h.file);
    // The handle's reference goes; IRP_MJ_CLOSE runs when it was the last one.
    const byKernel = closeResults.get(emu.kernel);
    byKernel?.delete(h.file);
    dereference(ctxLess(env), h.file, "NtClose");
    const close = closeResults.get(emu.kernel)?.get(h.file);
    closeResults.get(emu.kernel)?.delete(h.file);
    const facts: Record<string, string | number> = { device: h.deviceName };
    if (cleanup) facts.cleanup = `${formatStatus(cleanup.status)}${cleanup.completed ? "" : " (not completed)"}`;
    else facts.cleanup = "no IRP_MJ_CLEANUP routine";
    facts.close = close ? `${formatStatus(close.status)}${close.completed ? "" : " (not completed)"}` : "deferred: the driver still holds references to the file object";
    // CloseHandle (NtClose) succeeds whatever the driver completes IRP_MJ_CLEANUP/CLOSE with: the IRPs' own IoStatus are facts.
    return { ok: true, status: STATUS.SUCCESS, information: 0n, completed: true, facts };
  });
}

/** Handles still open (the program exits at the end of a simulation: each is closed). */
export function openUserHandles(emu: Emulator): string[] {
  return [...handlesOf(emu).keys()];
}

function hexAddr(a: bigint): string {
  return "0x" + a.toString(16).padStart(16, "0");
}

/** DeviceIoControl on a path in one step (open, ioctl, close), as `kmdll surface` and `ioctl:\Device\X:CODE` send it. */
export function userDeviceIoControl(emu: Emulator, path: string, code: number, input: Uint8Array, outputLength: number): UserOutcome {
  const handle = "#deviceiocontrol";
  const opened = userRequest(emu, { op: "open", handle, path });
  if (!opened.ok || !handlesOf(emu).has(handle)) return opened;
  const r = userRequest(emu, { op: "ioctl", handle, code, input, outputLength });
  if (!r.ok) {
    handlesOf(emu).delete(handle);
    return r;
  }
  const closed = userRequest(emu, { op: "close", handle });
  return closed.ok ? r : closed;
}

