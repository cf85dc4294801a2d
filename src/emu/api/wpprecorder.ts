/**
 * WppRecorder.sys, the WPP Inflight Trace Recorder (IFR): drivers built with WPP tracing and the
 * recorder enabled (the WDK's KMDF templates, ENABLE_WPP_RECORDER) import it. Their
 * WPP_INIT_TRACING calls WppAutoLogStart(WppCb, DriverObject, RegistryPath), every trace macro
 * calls WppAutoLogTrace(AutoLogContext, Level, Flags, MessageGuid, MessageNumber, then
 * (pointer, length) argument pairs ending with NULL), WPP_CLEANUP calls WppAutoLogStop(WppCb,
 * DriverObject); the recorder copies the WPP control block into a trace session when one enables
 * the provider (imp_WppRecorderReplay). Prototypes: the WPP templates of the WDK (um/km-header.tpl,
 * as generated into .tmh files) and Microsoft Learn's WppRecorder.h pages (imp_WppRecorder* are
 * the import names of the documented WppRecorderLogCreate, ... macros).
 *
 * Every imp_ routine takes, before the arguments of its documented macro, the driver's WPP control
 * block (the pointer WppAutoLogStart got): real drivers' code shows it (Intel's TeeDriverW10x64.sys
 * loads the same global into RCX for WppAutoLogStart, imp_WppRecorderIsDefaultLogAvailable,
 * imp_WppRecorderLogGetDefault and imp_WppRecorderConfigure, ConfigureParams in RDX). On x86 the
 * imp_ routines and WppAutoLogStart/Stop are stdcall (the callers of TEEDriverW10.sys leave the
 * stack to them), WppAutoLogTrace is cdecl (varargs; the caller pops).
 *
 * No trace session or log reader runs in the emulator: starting the recorder keeps the control
 * block as it is (its AutoLogContext stays NULL, so a driver's messages go nowhere, as with a
 * recorder that could not allocate its buffer), a message is accepted and dropped, replay has no
 * session to copy into. These routines are therefore marked stub: a driver gets through its
 * tracing, nothing is recorded. WppAutoLogStop for a control block never started is a warning.
 */
import type { ApiDefinition } from "./types.js";
import { STATUS } from "../../nt/status.js";
import { componentState } from "./state.js";
import { api, hex } from "./util.js";
import type { KernelExport } from "../../nt/kernel-exports.js";

export const WPPRECORDER = "wpprecorder.sys";
const w = (name: string, argc: number, h: ApiDefinition["handler"]): ApiDefinition => ({ ...api(WPPRECORDER, name, argc, h), stub: true });

/**
 * What WppRecorder.sys exports (the names drivers import: the three WPP hooks and the imp_ forms
 * of Learn's WppRecorder* routines). Those without a handler below resolve and are an
 * `unimplemented-api` report when called.
 */
export const WPPRECORDER_EXPORTS: readonly string[] = [
  "WppAutoLogStart", "WppAutoLogStop", "WppAutoLogTrace", "imp_WppRecorderReplay", "imp_WppRecorderIsDefaultLogAvailable",
  "imp_WppRecorderLogGetDefault", "imp_WppRecorderLogCreate", "imp_WppRecorderLogDelete", "imp_WppRecorderLogSetIdentifier",
  "imp_WppRecorderDumpLiveDriverData", "imp_WppRecorderGetTriageInfo", "imp_WppRecorderConfigure",
];

/**
 * The export list with x86 conventions (stdcall argument bytes: the leading control block plus the
 * documented macro's arguments — WppRecorderLogCreate(CreateParams, RecorderLog),
 * LogDelete(RecorderLog), LogSetIdentifier(RecorderLog, Identifier),
 * DumpLiveDriverData(OutBuffer, OutBufferLength, Guid), Configure(ConfigureParams); Replay's five
 * and GetTriageInfo's two as drivers call them). x64 and ARM64: one convention.
 */
export function wppRecorderExports(arch: string): KernelExport[] {
  const x86: Record<string, number> = {
    WppAutoLogStart: 12, WppAutoLogStop: 8, imp_WppRecorderReplay: 20, imp_WppRecorderIsDefaultLogAvailable: 4,
    imp_WppRecorderLogGetDefault: 4, imp_WppRecorderLogCreate: 12, imp_WppRecorderLogDelete: 8, imp_WppRecorderLogSetIdentifier: 12,
    imp_WppRecorderDumpLiveDriverData: 16, imp_WppRecorderGetTriageInfo: 8, imp_WppRecorderConfigure: 8,
  };
  return WPPRECORDER_EXPORTS.map((name): KernelExport => {
    if (arch !== "x86") return { name, type: "code" };
    return name === "WppAutoLogTrace" ? { name, type: "code", call: "cdecl" } : { name, type: "code", call: "stdcall", argBytes: x86[name]! };
  });
}

/** Control blocks WppAutoLogStart saw, per kernel. */
const started = componentState("wpprecorder", () => new Set<bigint>());

export const apis: ApiDefinition[] = [
  w("WppAutoLogStart", 3, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.arg(2))]);
    started(ctx.kernel).add(ctx.arg(0));
  }),
  w("WppAutoLogStop", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    if (!started(ctx.kernel).delete(ctx.arg(0))) ctx.warn(`WppAutoLogStop(${hex(ctx.arg(0))}): WppAutoLogStart was not called with this control block`);
  }),
  w("WppAutoLogTrace", 5, (ctx) => {
    ctx.describe(() => [hex(ctx.arg(0)), String(ctx.u32(1) & 0xff), hex(ctx.u32(2)), hex(ctx.arg(3)), String(ctx.u32(4) & 0xffff)]);
    return STATUS.SUCCESS;
  }),
  w("imp_WppRecorderReplay", 5, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1)), hex(ctx.u32(2)), String(ctx.u32(3) & 0xff)]);
  }),
  // Newer WPP_INIT_TRACING code asks for the recorder's triage information (control block, out
  // block; undocumented) and fails DriverEntry when that fails; kmdll's recorder has nothing to
  // add to the caller's block and succeeds.
  w("imp_WppRecorderGetTriageInfo", 2, (ctx) => {
    ctx.describe([hex(ctx.arg(0)), hex(ctx.arg(1))]);
    return STATUS.SUCCESS;
  }),
  // WppRecorderConfigure(ConfigureParams) (Learn, wpprecorder.h; the imp_ form is its import):
  // configures the default log from a RECORDER_CONFIGURE_PARAMS (ULONG Size, BOOLEAN
  // CreateDefaultLog, WPP_RECORDER_TRI_STATE UseTimeStamp, PreciseTimeStamp — the last two
  // Windows 11 22H2, so 8 or 16 bytes) that RECORDER_CONFIGURE_PARAMS_INIT filled. kmdll records
  // nothing, so the settings have no effect; a Size that is neither is a warning.
  w("imp_WppRecorderConfigure", 2, (ctx) => {
    const p = ctx.arg(1);
    const size = ctx.mem.u32(p);
    const createDefault = ctx.mem.u8(p + 4n);
    ctx.describe([hex(ctx.arg(0)), `${hex(p)} {Size ${size}, CreateDefaultLog ${createDefault ? "TRUE" : "FALSE"}}`]);
    if (size !== 8 && size !== 16) ctx.warn(`WppRecorderConfigure: RECORDER_CONFIGURE_PARAMS Size ${size} (8 or 16 bytes; call RECORDER_CONFIGURE_PARAMS_INIT first)`);
    return STATUS.SUCCESS;
  }),
  w("imp_WppRecorderIsDefaultLogAvailable", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return 0;
  }),
  w("imp_WppRecorderLogGetDefault", 1, (ctx) => {
    ctx.describe([hex(ctx.arg(0))]);
    return 0n;
  }),
];
