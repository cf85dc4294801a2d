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
  w("imp_WppRecorderReplay", 4, (ctx) => {
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
  w("imp_WppRecorderConfigure", 1, (ctx) => {
    const p = ctx.arg(0);
    const size = ctx.mem.u32(p);
    const createDefault = ctx.mem.u8(p + 4n);
    ctx.describe([`${hex(p)} {Size ${size}, CreateDefaultLog ${createDefault ? "TRUE" : "FALSE"}}`]);
    if (size !== 8 && size !== 16) ctx.warn(`WppRecorderConfigure: RECORDER_CONFIGURE_PARAMS Size ${size} (8 or 16 bytes; call RECORDER_CONFIGURE_PARAMS_INIT first)`);
    return STATUS.SUCCESS;
  }),
  w("imp_WppRecorderIsDefaultLogAvailable", 0, () => 0),
  w("imp_WppRecorderLogGetDefault", 0, () => 0n),
];
