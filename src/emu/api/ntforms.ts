/**
 * The requestor's session and Nt forms of process routines (IoGetRequestorSessionId is in the "requestor" family, the rest in "process"; examples/api-rank checks them from C on x64 and x86).
 *
 * IoGetRequestorSessionId(Irp, &SessionId) (ntifs.h; Learn nf-ntifs-iogetrequestorsessionid):
 *   the session of the process that sent the IRP (Irp->Tail.Overlay.Thread's process, see
 *   requestorProcess); an IRP without a thread fails with STATUS_UNSUCCESSFUL and SessionId
 *   (ULONG) -1. Every emulated thread belongs to the System process, session 0.
 * ZwFlushInstructionCache(ProcessHandle, BaseAddress, Length) (ntdll's NtFlushInstructionCache,
 *   the service under processthreadsapi.h's FlushInstructionCache, Learn): a process handle or
 *   NtCurrentProcess(); STATUS_SUCCESS — the emulator's CPU re-translates written code itself.
 *   A handle of no process: the handle's status (STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH).
 * NtQueryInformationProcess, NtWaitForSingleObject (Learn: NtQueryInformationProcess in
 *   winternl.h; ZwWaitForSingleObject's page: "If the call to the NtWaitForSingleObject function
 *   occurs in user mode ... NtXxx", Using Nt and Zw Versions of the Native System Services
 *   Routines): the Zw routines' behaviour when the previous mode is KernelMode; when it is
 *   UserMode (a request of a user program), a kernel handle is not accessible from the
 *   caller's mode: STATUS_INVALID_HANDLE. (User-buffer probing is not modelled.)
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { ptrSize } from "../../nt/arch-layout.js";
import { hex, nt } from "./util.js";
import { lookupHandle } from "./ob.js";
import { processOfHandle, requestorProcess } from "./process.js";
import { previousMode } from "./previous-mode.js";
import { apis as processApis } from "./process.js";
import { apis as eventApis } from "./events.js";

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

export const requestorSessionApis: ApiDefinition[] = [nt("IoGetRequestorSessionId", 2, requestorSessionId)];

export const apis: ApiDefinition[] = [
  nt("ZwFlushInstructionCache", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    const p = processOfHandle(ctx, ctx.arg(0));
    return typeof p === "number" ? p : STATUS.SUCCESS;
  }),
  ntForm(processApis.find((a) => a.name === "ZwQueryInformationProcess"), "NtQueryInformationProcess"),
  ntForm(eventApis.find((a) => a.name === "ZwWaitForSingleObject"), "NtWaitForSingleObject"),
];
