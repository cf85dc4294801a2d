/**
 * werkernel.sys, Windows Error Reporting's kernel module: the host of the kernel API set
 * ext-ms-win-ntos-werkernel-l1-1 (nt/api-sets.ts), whose WerLiveKernel* routines let a driver
 * write a live kernel dump (a "live kernel report") without crashing the machine. Qualcomm's ARM64
 * drivers qccdi850/qccdi8998 and qcsubsys850 (WOA-Drivers) import five of them through
 * ext-ms-win-ntos-werkernel-l1-1-1.dll and failed to load without the module.
 *
 * Microsoft documents none of them (no Learn page, no WDK header). The names are those the
 * drivers import; the argument shapes below are what public decompilations of Windows' own callers
 * show (ntoskrnl's DbgkWerCaptureLiveKernelDump, the LKMDTEL live-dump telemetry of netio/tcpip:
 * WerLiveKernelCreateReport(ReportContext, &Policy, &ReportHandle), the handle then passed to the
 * others). kmdll writes no dump: every routine is a STUB with the behaviour of a machine whose
 * WER policy refuses live dumps —
 *   WerLiveKernelCreateReport(Context, PolicyInOut, ReportHandleOut): *ReportHandle = NULL, returns
 *     STATUS_NOT_SUPPORTED (callers log and go on, as on a machine where live dumps are off);
 *   WerLiveKernelSubmitReport / CancelReport / CloseHandle / OpenDumpFile(ReportHandle, ...): no
 *     report ever exists, so any handle is STATUS_INVALID_HANDLE (OpenDumpFile's second argument,
 *     a handle out-pointer, is set to NULL when given).
 * (WerLiveKernelInitSystem, which the kernel calls once at boot, is imported by no driver: left out.)
 * Built for x64 and ARM64 only (kernel-modules.ts X64_ONLY): x86 stdcall needs argument counts no
 * public source gives.
 */
import type { ApiContext, ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { putPtr } from "../../nt/arch-layout.js";
import { api, hex } from "./util.js";

export const WERKERNEL = "werkernel.sys";
export const WERKERNEL_EXPORTS: readonly string[] = [
  "WerLiveKernelCancelReport", "WerLiveKernelCloseHandle", "WerLiveKernelCreateReport", "WerLiveKernelOpenDumpFile", "WerLiveKernelSubmitReport",
];
const STATUS_NOT_SUPPORTED = 0xc00000bb;

function noReport(name: string, argc: number, out?: number): ApiDefinition {
  return {
    ...api(WERKERNEL, name, argc, (ctx: ApiContext) => {
      ctx.describe(Array.from({ length: argc }, (_, i) => hex(ctx.arg(i))));
      if (out !== undefined && ctx.arg(out) !== 0n) putPtr(ctx.mem, ctx.arg(out), 0n);
      return STATUS.INVALID_HANDLE;
    }),
    stub: true,
    notes: "no live kernel report ever exists: STATUS_INVALID_HANDLE",
  };
}

export const apis: ApiDefinition[] = [
  {
    ...api(WERKERNEL, "WerLiveKernelCreateReport", 3, (ctx) => {
      ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
      if (ctx.arg(2) !== 0n) putPtr(ctx.mem, ctx.arg(2), 0n);
      return STATUS_NOT_SUPPORTED;
    }),
    stub: true,
    notes: "kmdll writes no live kernel dump: *ReportHandle = NULL, STATUS_NOT_SUPPORTED",
  },
  noReport("WerLiveKernelSubmitReport", 1),
  noReport("WerLiveKernelCancelReport", 1),
  noReport("WerLiveKernelCloseHandle", 1),
  noReport("WerLiveKernelOpenDumpFile", 2, 1),
];
