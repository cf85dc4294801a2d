/**
 * The "rank" family: routines real drivers import that kmdll lacked, taken from the top of the
 * import ranking over 323 real x64 drivers (scripts/rank-imports.mjs; issue 12). Each follows its
 * Microsoft Learn page; examples/api-rank checks them from C on x64 and x86.
 *
 *   IoWMIRegistrationControl(DeviceObject, Action) (wdm.h; Learn nf-wdm-iowmiregistrationcontrol):
 *     WMIREG_ACTION_REGISTER (1), DEREGISTER (2), REREGISTER (3), UPDATE_GUIDS (4) and BLOCK_IRPS
 *     (5, wdm.h), optionally with WMIREG_FLAG_CALLBACK (0x80000000: DeviceObject is a WMI callback
 *     entry point) or the trace-provider flags above bit 15 (WMIREG_FLAG_TRACE_PROVIDER and its
 *     notification bits, wdm.h); any other action is STATUS_INVALID_PARAMETER. The registration is
 *     kept per device. No WMI service runs on the emulated machine, so no IRP_MN_REGINFO(_EX)
 *     follows a registration (as wmilib.ts says). Not modelled: DEREGISTER from the device's own
 *     IRP_MJ_SYSTEM_CONTROL dispatch routine deadlocks on Windows (Learn, Remarks).
 *   IoGetRequestorSessionId(Irp, &SessionId) (ntifs.h; Learn nf-ntifs-iogetrequestorsessionid):
 *     the session of the process that sent the IRP (Irp->Tail.Overlay.Thread's process, see
 *     requestorProcess); an IRP without a thread fails with STATUS_UNSUCCESSFUL and SessionId
 *     (ULONG) -1. Every emulated thread belongs to the System process, session 0.
 *   ZwFlushInstructionCache(ProcessHandle, BaseAddress, Length) (ntdll's NtFlushInstructionCache,
 *     the service under processthreadsapi.h's FlushInstructionCache, Learn): a process handle or
 *     NtCurrentProcess(); STATUS_SUCCESS — the emulator's CPU re-translates written code itself.
 *     A handle of no process: the handle's status (STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH).
 *   NtQueryInformationProcess, NtWaitForSingleObject (Learn: NtQueryInformationProcess in
 *     winternl.h; ZwWaitForSingleObject's page: "If the call to the NtWaitForSingleObject function
 *     occurs in user mode ... NtXxx", Using Nt and Zw Versions of the Native System Services
 *     Routines): the Zw routines' behaviour when the previous mode is KernelMode; when it is
 *     UserMode (a request of a user program), a kernel handle is not accessible from the
 *     caller's mode: STATUS_INVALID_HANDLE. (User-buffer probing is not modelled.)
 *   ZwFlushVirtualMemory(ProcessHandle, &BaseAddress, &RegionSize, IoStatus) (ntifs.h; Learn
 *     nf-ntifs-zwflushvirtualmemory): writes the changed bytes of a view of a file (or paging-file)
 *     section in the process's user space back to the section (section.ts keeps views as copies,
 *     so this is what makes the file see them before the view is unmapped). The range is rounded
 *     to pages (RegionSize 0: to the end of the view) and written back through BaseAddress /
 *     RegionSize; IoStatus = {STATUS_SUCCESS, 0}. A handle of no process: its status; a kernel
 *     address or a range past the user space: STATUS_INVALID_PARAMETER_2; an address in no view
 *     (private memory, nothing) or a range past the view's end: STATUS_NOT_MAPPED_VIEW.
 *   MmSecureVirtualMemory(Address, Size, ProbeMode) / MmUnsecureVirtualMemory(SecureHandle)
 *     (ntddk.h; Learn nf-ntddk-mmsecurevirtualmemory, -mmunsecurevirtualmemory): a range of one
 *     allocation of the user space (vm.ts), every page committed and accessible as ProbeMode
 *     (PAGE_READONLY or PAGE_READWRITE; anything else NULL) asks, is secured: an opaque non-NULL
 *     handle. Until it is unsecured, ZwFreeVirtualMemory of its pages and ZwProtectVirtualMemory
 *     to a protection ProbeMode forbids (PAGE_NOACCESS / PAGE_GUARD; PAGE_READONLY too for
 *     PAGE_READWRITE) fail with STATUS_INVALID_PAGE_PROTECTION (ReactOS MiCheckSecuredVad). Size
 *     0, a kernel address, a range not inside one allocation, uncommitted or inaccessible pages:
 *     NULL. An unknown handle is ignored (Windows ignores a handle whose range is gone). Not
 *     modelled: unmapping a secured section view.
 *   RtlIsNameLegalDOS8Dot3(Name, OemName, NameContainsSpaces) (ntifs.h; Learn
 *     nf-ntifs-rtlisnamelegaldos8dot3): the name upcased into OemName (when given; a name longer
 *     than its MaximumLength, or than 12 without one, is not legal) and checked as ReactOS's
 *     lib/rtl/dos8dot3.c checks it: "." and ".." are legal, any other leading dot is not; at most
 *     one dot, at most 8 characters before it and 3 after, not last; no space first, last or
 *     before the dot; none of * ? < > | " + = , ; [ ] : / \. *NameContainsSpaces: an embedded
 *     space. An empty name is not legal (kmdll's answer). Characters outside ASCII need the OEM
 *     code page's table, which kmdll lacks: FALSE with a warning (an emulator gap).
 *   _vsnprintf_s(buffer, sizeOfBuffer, count, format, argptr) (Learn: _vsnprintf_s; ntoskrnl's
 *     CRT, whose invalid-parameter handler returns): the text and its length when it fits in
 *     count characters and in the buffer with its NUL; count _TRUNCATE: as much as fits, -1 when
 *     cut; count < sizeOfBuffer: count characters, -1 when cut; otherwise (ERANGE) the buffer is
 *     emptied and -1 returned. A NULL buffer or format, or sizeOfBuffer 0 (EINVAL): -1.
 *   KeInitializeMutant(Mutant, InitialOwner) (not on Learn; ReactOS ntoskrnl/ke/mutex.c, the
 *     KMUTANT of wdm.h): a MutantObject header; InitialOwner TRUE: owned by the current thread
 *     (SignalState 0, OwnerThread set — it may wait on it again, and releases it with
 *     KeReleaseMutex), FALSE: signalled (1) with no owner. Unlike KeInitializeMutex it does not
 *     make the owner disable normal kernel APCs (ApcDisable 0; kmdll models neither).
 *   RtlRunOnceInitialize / RtlRunOnceExecuteOnce (ntddk.h; Learn nf-ntddk-rtlrunonceinitialize,
 *     nf-ntddk-rtlrunonceexecuteonce, RunOnceInitialization callback): RTL_RUN_ONCE is one
 *     pointer; its low RTL_RUN_ONCE_CTX_RESERVED_BITS (2) bits are the state — 0 not run, 1 being
 *     run, 2 done (the context in the upper bits), 3 being run asynchronously (the encoding Wine's
 *     ntdll uses; the values are not documented). ExecuteOnce calls InitFn(RunOnce, Parameter,
 *     Context) the first time only; TRUE: the context it stored (low 2 bits clear, else
 *     STATUS_INVALID_PARAMETER as RtlRunOnceComplete answers) is kept and every later call gets
 *     it in *Context with STATUS_SUCCESS; FALSE: STATUS_UNSUCCESSFUL and the structure is not run,
 *     so a later call tries again (RTL_RUN_ONCE_INIT_FAILED). Entered again while InitFn runs (the
 *     same structure): it would wait for itself — a deadlock fault. A structure in asynchronous
 *     initialisation: STATUS_INVALID_PARAMETER.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { encodeLatin1, hex, nt, readCounted, readPtr, writePtr } from "./util.js";
import { formatKernelPrintf, vaListReader } from "./printf.js";
import { MutantObject, currentThread, initHeader } from "./ke.js";
import { LAYOUT } from "../../nt/arch-layout.js";
import { componentState } from "./state.js";
import { lookupHandle } from "./ob.js";
import { processOfHandle, requestorProcess } from "./process.js";
import { previousMode } from "./previous-mode.js";
import { apis as processApis } from "./process.js";
import { apis as eventApis } from "./events.js";
import { flush, views } from "./section.js";
import { PAGE, VM_STATUS, space, vadAt, vmState } from "./vm-pages.js";

const WMIREG_ACTION_BLOCK_IRPS = 5;

const wmiState = componentState("wmi-registrations", () => ({ devices: new Map<bigint, number>() }));

function wmiRegistrationControl(ctx: ApiContext): number {
  const [device, action] = [ctx.arg(0), ctx.u32(1)];
  const code = action & 0xff;
  ctx.describe([hex(device), hex(action)]);
  // Bits 8..15 carry nothing in wdm.h; 16..30 are the trace-provider flags.
  if (code < 1 || code > WMIREG_ACTION_BLOCK_IRPS || (action & 0xff00) !== 0) return STATUS.INVALID_PARAMETER;
  const reg = wmiState(ctx.kernel).devices;
  if (code === 2) reg.delete(device);
  else if (code === 1 || code === 3) reg.set(device, action);
  return STATUS.SUCCESS;
}

function requestorSessionId(ctx: ApiContext): number {
  const out = ctx.arg(1);
  const process = requestorProcess(ctx, "IoGetRequestorSessionId");
  if (process === 0n) {
    ctx.mem.setU32(out, 0xffffffff);
    return STATUS.UNSUCCESSFUL;
  }
  ctx.mem.setU32(out, 0); // the System process's session
  return STATUS.SUCCESS;
}

/** The Nt form of a Zw routine whose first argument is a handle (see the file comment). */
function ntForm(zw: ApiDefinition | undefined, name: string): ApiDefinition {
  if (!zw) throw new Error(`${name}: its Zw routine is not implemented`);
  return nt(name, zw.argc ?? 0, (ctx) => {
    if (previousMode(ctx.kernel).mode === 1) {
      const h = BigInt.asIntN(8 * ptrSize(), ctx.arg(0));
      if (h >= 0n || h < -2n) {
        const e = lookupHandle(ctx.kernel, ctx.arg(0));
        if (!e || e.kernelHandle) {
          ctx.describe([hex(ctx.arg(0)), "(UserMode caller)"]);
          return STATUS.INVALID_HANDLE;
        }
      }
    }
    return zw.handler(ctx);
  });
}

const STATUS_NOT_MAPPED_VIEW = 0xc0000019;

function flushVirtualMemory(ctx: ApiContext): number {
  const [h, pBase, pSize, iosb] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const [base, size] = [readPtr(ctx.mem, pBase), readPtr(ctx.mem, pSize)];
  ctx.describe([hex(h), hex(base), hex(size), hex(iosb)]);
  const p = processOfHandle(ctx, h);
  if (typeof p === "number") return p;
  const sp = space(ctx);
  if (base > sp.highest || size > sp.highest + 1n - base) return VM_STATUS.INVALID_PARAMETER_2;
  const view = views(ctx).find((v) => !v.system && base >= v.base && base < v.base + v.size);
  if (!view) return STATUS_NOT_MAPPED_VIEW;
  const start = base & ~(PAGE - 1n);
  const end = size === 0n ? view.base + view.size : (base + size + PAGE - 1n) & ~(PAGE - 1n);
  if (end > view.base + view.size) return STATUS_NOT_MAPPED_VIEW;
  flush(ctx, view, Number(start - view.base), Number(end - view.base));
  writePtr(ctx.mem, pBase, start);
  writePtr(ctx.mem, pSize, end - start);
  ctx.mem.setU32(iosb, STATUS.SUCCESS);
  writePtr(ctx.mem, iosb + BigInt(ptrSize()), 0n);
  return STATUS.SUCCESS;
}

// ---- MmSecureVirtualMemory
const secureCount = componentState("mm-secure", () => ({ next: 0 }));

function secureVirtualMemory(ctx: ApiContext): bigint {
  const [address, size, probe] = [ctx.arg(0), ctx.arg(1), ctx.u32(2)];
  ctx.describe([hex(address), hex(size), hex(probe)]);
  if (probe !== 0x02 && probe !== 0x04) return 0n;
  const sp = space(ctx);
  if (size === 0n || address > sp.highest || size > sp.highest + 1n - address) return 0n;
  const v = vadAt(ctx, address);
  const start = address & ~(PAGE - 1n);
  const end = (address + size + PAGE - 1n) & ~(PAGE - 1n);
  if (!v || v.fixed || end > v.base + v.size) return 0n;
  // Every page committed and accessible as ProbeMode asks (the probe Windows makes first).
  for (let i = Number((start - v.base) / PAGE); i < Number((end - v.base) / PAGE); i++) {
    const p = v.pages[i]!;
    const base = p.protect & 0xff;
    const guarded = (p.protect & 0x100) !== 0;
    if (!p.committed || guarded || base === 0x01 || base === 0x10) return 0n;
    if (probe === 0x04 && ![0x04, 0x08, 0x40, 0x80].includes(base)) return 0n;
  }
  const n = ++secureCount(ctx.kernel).next;
  const handle = (ptrSize() === 8 ? 0xffffc9000a000000n : 0x8a000000n) + BigInt(n) * 0x10n;
  (v.secured ??= []).push({ start, end, probe, handle });
  return handle;
}

function unsecureVirtualMemory(ctx: ApiContext): void {
  const handle = ctx.arg(0);
  ctx.describe([hex(handle)]);
  for (const v of vmState(ctx.kernel).vads) {
    const i = (v.secured ?? []).findIndex((r) => r.handle === handle);
    if (i >= 0) return void v.secured!.splice(i, 1);
  }
  // Not found: the range is gone (its process exited) — Windows ignores the handle then.
}

// ---- RtlIsNameLegalDOS8Dot3
const ILLEGAL_83 = new Set([..."*?<>|\"+=,;[]:/\\"].map((c) => c.charCodeAt(0)));

function isNameLegal83(ctx: ApiContext): number {
  const [name, oem, spaces] = [ctx.arg(0), ctx.arg(1), ctx.arg(2)];
  const us = readCounted(ctx.mem, name);
  const units: number[] = [];
  for (let i = 0; i < us.length >> 1; i++) units.push(ctx.mem.u16(us.buffer + BigInt(2 * i)));
  ctx.describe([JSON.stringify(String.fromCharCode(...units)), hex(oem), hex(spaces)]);
  if (units.some((c) => c >= 0x80)) {
    ctx.warn(`RtlIsNameLegalDOS8Dot3: the name has characters outside ASCII; kmdll has no OEM code page table — answered FALSE (an emulator gap)`);
    return 0;
  }
  // RtlUpcaseUnicodeStringToCountedOemString into OemName (or a 12-byte buffer of its own): a
  // name that does not fit is not legal.
  const bytes = units.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c));
  const room = oem === 0n ? 12 : readCounted(ctx.mem, oem).maximumLength;
  if (bytes.length > room) return 0;
  if (oem !== 0n) {
    const o = readCounted(ctx.mem, oem);
    ctx.mem.write(o.buffer, Uint8Array.from(bytes));
    ctx.mem.setU16(oem, bytes.length);
  }
  const n = bytes.length;
  if (n === 0 || n > 12) return 0;
  const setSpaces = (v: boolean) => (spaces !== 0n ? ctx.mem.setU8(spaces, v ? 1 : 0) : undefined);
  if (bytes[0] === 0x2e) {
    if (n !== 1 && (n !== 2 || bytes[1] !== 0x2e)) return 0;
    setSpaces(false);
    return 1;
  }
  let dot = -1;
  let space = false;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0x20) {
      if (i === 0 || i === n - 1 || bytes[i + 1] === 0x2e) return 0;
      space = true;
    } else if (c === 0x2e) {
      if (dot !== -1) return 0;
      dot = i;
    } else if (ILLEGAL_83.has(c)) return 0;
  }
  if (dot === -1 ? n > 8 : dot > 8 || n - dot > 4 || dot === n - 1) return 0;
  setSpaces(space);
  return 1;
}

// ---- _vsnprintf_s
function vsnprintfS(ctx: ApiContext): bigint {
  const [buf, size, count, fmt] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  const truncate = count === (ptrSize() === 8 ? 0xffffffffffffffffn : 0xffffffffn);
  ctx.describe([hex(buf), String(size), truncate ? "_TRUNCATE" : String(count), hex(fmt), hex(ctx.arg(4))]);
  if (buf === 0n || size === 0n || fmt === 0n) {
    if (buf !== 0n && size !== 0n) ctx.mem.setU8(buf, 0);
    return 0xffffffffn; // int -1: EINVAL through the invalid-parameter handler, which returns in the kernel
  }
  const text = formatKernelPrintf(ctx.mem.cstring(fmt, 0x100000), vaListReader(ctx.mem, ctx.arg(4)), ctx.mem, false);
  const len = BigInt(text.length);
  const limit = truncate ? size - 1n : count;
  if (len <= limit && len < size) {
    ctx.mem.write(buf, encodeLatin1(text + "\0"));
    return len;
  }
  if (truncate || count < size) {
    const keep = Number(limit < size - 1n ? limit : size - 1n);
    ctx.mem.write(buf, encodeLatin1(text.slice(0, keep) + "\0"));
    return 0xffffffffn;
  }
  ctx.mem.setU8(buf, 0); // ERANGE: the buffer is emptied
  return 0xffffffffn;
}

// ---- KeInitializeMutant
function initializeMutant(ctx: ApiContext): void {
  const [m, owner] = [ctx.arg(0), (ctx.u32(1) & 0xff) !== 0];
  ctx.describe([hex(m), owner ? "TRUE" : "FALSE"]);
  initHeader(ctx, m, MutantObject, LAYOUT.KMUTANT.$size, owner ? 0 : 1);
  writePtr(ctx.mem, m + BigInt(LAYOUT.KMUTANT.OwnerThread), owner ? currentThread(ctx) : 0n);
  ctx.mem.setU8(m + BigInt(LAYOUT.KMUTANT.Abandoned), 0);
}

// ---- RTL_RUN_ONCE
const RUN_ONCE_IDLE = 0n, RUN_ONCE_RUNNING = 1n, RUN_ONCE_DONE = 2n, RUN_ONCE_ASYNC = 3n;

function runOnceExecute(ctx: ApiContext): number {
  const [once, init, parameter, context] = [ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)];
  ctx.describe([hex(once), hex(init), hex(parameter), hex(context)]);
  const value = readPtr(ctx.mem, once);
  const state = value & 3n;
  if (state === RUN_ONCE_DONE) {
    if (context !== 0n) writePtr(ctx.mem, context, value & ~3n);
    return STATUS.SUCCESS;
  }
  if (state === RUN_ONCE_ASYNC) return STATUS.INVALID_PARAMETER;
  if (state === RUN_ONCE_RUNNING) return ctx.fault("deadlock", `RtlRunOnceExecuteOnce(${hex(once)}): the structure's initialisation is running (InitFn entered it again) — the call waits for itself`);
  writePtr(ctx.mem, once, RUN_ONCE_RUNNING);
  const ok = (ctx.callGuest(init, [once, parameter, context]) & 0xffffffffn) !== 0n;
  if (!ok) {
    writePtr(ctx.mem, once, RUN_ONCE_IDLE);
    return STATUS.UNSUCCESSFUL;
  }
  const data = context === 0n ? 0n : readPtr(ctx.mem, context);
  if ((data & 3n) !== 0n) {
    writePtr(ctx.mem, once, RUN_ONCE_IDLE);
    return STATUS.INVALID_PARAMETER;
  }
  writePtr(ctx.mem, once, data | RUN_ONCE_DONE);
  return STATUS.SUCCESS;
}

export const apis: ApiDefinition[] = [
  nt("IoWMIRegistrationControl", 2, wmiRegistrationControl),
  nt("IoGetRequestorSessionId", 2, requestorSessionId),
  nt("ZwFlushInstructionCache", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const p = processOfHandle(ctx, ctx.arg(0));
    return typeof p === "number" ? p : STATUS.SUCCESS;
  }),
  ntForm(processApis.find((a) => a.name === "ZwQueryInformationProcess"), "NtQueryInformationProcess"),
  ntForm(eventApis.find((a) => a.name === "ZwWaitForSingleObject"), "NtWaitForSingleObject"),
  nt("ZwFlushVirtualMemory", 4, flushVirtualMemory),
  nt("MmSecureVirtualMemory", 3, secureVirtualMemory),
  nt("MmUnsecureVirtualMemory", 1, unsecureVirtualMemory),
  nt("RtlIsNameLegalDOS8Dot3", 3, isNameLegal83),
  nt("_vsnprintf_s", 5, vsnprintfS),
  nt("KeInitializeMutant", 2, initializeMutant),
  nt("RtlRunOnceInitialize", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    writePtr(ctx.mem, ctx.arg(0), RUN_ONCE_IDLE);
  }),
  nt("RtlRunOnceExecuteOnce", 4, runOnceExecute),
];
