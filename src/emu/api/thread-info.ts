/**
 * ZwQueryInformationThread(ThreadHandle, ThreadInformationClass, ThreadInformation, Length,
 * ReturnLength) for the classes drivers use on system threads (Microsoft Learn,
 * "ZwQueryInformationThread"; layouts from ntddk.h/winternl.h):
 *
 *   ThreadBasicInformation (0): THREAD_BASIC_INFORMATION — ExitStatus (STATUS_PENDING while the
 *     thread runs), TebBaseAddress (NULL: a system thread has none), ClientId {System's PID, the
 *     thread's TID}, AffinityMask, Priority, BasePriority; x64 48 bytes, x86 28.
 *   ThreadTimes (1): KERNEL_USER_TIMES — CreateTime, ExitTime (0 while it runs), KernelTime,
 *     UserTime; 32 bytes. The emulated clock charges no processor time to threads: KernelTime and
 *     UserTime stay 0; CreateTime is the time the thread was created (boot time for the system
 *     worker thread).
 *
 * The handle is a thread handle or NtCurrentThread() (-2); another object's handle is
 * STATUS_OBJECT_TYPE_MISMATCH, a bad one STATUS_INVALID_HANDLE; a Length other than the class's
 * size STATUS_INFO_LENGTH_MISMATCH; any other class STATUS_INVALID_INFO_CLASS.
 */
import type { ApiContext } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, writePtr } from "./util.js";
import { lookupHandle } from "./ob.js";
import { schedState } from "../sched/index.js";
import { BOOT_SYSTEM_TIME, clockOf } from "./ke.js";

const B = (n: number) => BigInt(n);
const STATUS_INVALID_INFO_CLASS = 0xc0000003;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004;
const STATUS_PENDING = 0x103;
const SYSTEM_PID = 4n;
const SYSTEM_TID = 8n;

export function queryThread(ctx: ApiContext): number {
  const h = BigInt.asIntN(8 * ptrSize(), ctx.arg(0));
  const cls = ctx.u32(1);
  const buf = ctx.arg(2);
  const len = ctx.u32(3);
  const ret = ctx.arg(4);
  ctx.describe([hex(ctx.arg(0)), cls === 0 ? "ThreadBasicInformation" : cls === 1 ? "ThreadTimes" : String(cls), hex(buf), String(len), hex(ret)]);
  let thread: bigint | undefined;
  if (h === -2n) thread = ctx.kernel.currentThread;
  else {
    const e = lookupHandle(ctx.kernel, ctx.arg(0));
    if (!e) return STATUS.INVALID_HANDLE;
    if (e.type !== "Thread") return STATUS.OBJECT_TYPE_MISMATCH;
    thread = e.object;
  }
  if (thread === undefined) return STATUS.INVALID_HANDLE;
  const t = schedState(ctx.kernel).threads.get(thread);
  const p = ptrSize();
  if (cls === 0) {
    const size = p === 8 ? 48 : 28;
    if (ret !== 0n) ctx.mem.setU32(ret, size);
    if (len !== size) return STATUS_INFO_LENGTH_MISMATCH;
    ctx.mem.write(buf, new Uint8Array(size));
    ctx.mem.setU32(buf, t && t.state === "terminated" ? t.exitStatus >>> 0 : STATUS_PENDING);
    writePtr(ctx.mem, buf + B(2 * p), SYSTEM_PID);
    writePtr(ctx.mem, buf + B(3 * p), t ? t.id : SYSTEM_TID);
    writePtr(ctx.mem, buf + B(4 * p), 1n);
    ctx.mem.setU32(buf + B(5 * p), 8);
    ctx.mem.setU32(buf + B(5 * p + 4), 8);
    return STATUS.SUCCESS;
  }
  if (cls === 1) {
    if (ret !== 0n) ctx.mem.setU32(ret, 32);
    if (len !== 32) return STATUS_INFO_LENGTH_MISMATCH;
    ctx.mem.write(buf, new Uint8Array(32));
    ctx.mem.setU64(buf, t?.createTime ?? BOOT_SYSTEM_TIME);
    if (t?.state === "terminated") ctx.mem.setU64(buf + 8n, clockOf(ctx).systemTime());
    return STATUS.SUCCESS;
  }
  return STATUS_INVALID_INFO_CLASS;
}
