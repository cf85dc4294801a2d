/**
 * The API layer: every implemented ntoskrnl.exe / hal.dll export, one file per component.
 * The emulator core dispatches imports to `allApis` (see types.ts for the contract).
 */
import type { ApiDefinition } from "./types.js";
import { apis as crt } from "./crt.js";
import { apis as dbg } from "./dbg.js";
import { apis as ex } from "./ex.js";
import { apis as except, helperApis as sehHelpers } from "./except.js";
import { apis as hal } from "./hal.js";
import { apis as io, requestorApis } from "./io.js";
import { apis as ke } from "./ke.js";
import { apis as kdiag } from "./kdiag.js";
import { apis as pep, wakeApis as pepWake } from "./pep.js";
import { apis as firmwareApis } from "./firmware.js";
import { apis as ndisFileApis } from "../ndis/files.js";
import { stackExpandApis } from "./stackexpand.js";
import { apis as mm } from "./mm.js";
import { apis as ob } from "./ob.js";
import { apis as ps } from "./ps.js";
import { apis as rtl } from "./rtl.js";
import { apis as stack } from "./stack.js";
import { apis as zw } from "./zw.js";
import { apis as machine, portApis } from "./machine.js";
import { apis as mdl } from "./mdl.js";
import { apis as sched, tryQueueWorkItem } from "./sched.js";
import { apis as apc } from "./apc.js";
import { apis as events } from "./events.js";
import { apis as process } from "./process.js";
import { auxModuleApis } from "./auxmodules.js";
import { apis as notify, processNotifyEx2, threadNotifyEx } from "./notify.js";
import { apis as iox } from "./iox.js";
import { apis as csq } from "./csq.js";
import { apis as regrtl } from "./regrtl.js";
import { apis as security } from "./security.js";
import { apis as tokenApis } from "./token.js";
import { logonApis } from "./token-logon.js";
import { clientApis } from "./token-client.js";
import { apis as procctl } from "./procctl.js";
import { dupApis } from "./dupobject.js";
import { apis as file } from "./file.js";
import { infoApis as fileInfo } from "./fileinfo.js";
import { apis as filedir } from "./filedir.js";
import { apis as bitmap } from "./bitmap.js";
import { apis as gentable } from "./gentable.js";
import { apis as avltable } from "./avltable.js";
import { apis as lists } from "./lists.js";
import { apis as locks } from "./locks.js";
import { apis as crtx } from "./crtx.js";
import { apis as rtlx } from "./rtlx.js";
import { apis as threadx } from "./threadx.js";
import { apis as objdir } from "./objdir.js";
import { apis as obx } from "./obx.js";
import { apis as fsrtl } from "./fsrtl.js";
import { apis as iostack } from "./iostack.js";
import { apis as filectl } from "./filectl.js";
import { apis as section } from "./section.js";
import { apis as misc } from "./misc.js";
import { apis as int64 } from "./int64.js";
import { WIDE_ARGS } from "./wide-args.js";
import { apis as vm } from "./vm.js";
import { apis as vmcopy } from "./vmcopy.js";
import { apis as etw } from "./etw.js";
import { apis as drvobj } from "./drvobj.js";
import { apis as reinit } from "./reinit.js";
import { apis as ksecdd } from "./bcrypt.js";
import { apis as procFile } from "./procfile.js";
import { apis as dump } from "./dump.js";
import { apis as svctable } from "./svctable.js";
import { apis as win32k } from "./win32k.js";
import { apis as platform } from "./platform.js";
import { apis as mmlock } from "./mmlock.js";
import { apis as wpprecorder } from "./wpprecorder.js";
import { apis as power } from "./power.js";
import { apis as powerPerf } from "./power-perf.js";
import { apis as drvinfo } from "./drvinfo.js";
import { apis as drvdir } from "./drvdir.js";
import { apis as ioSpaceMdl } from "./iospace-mdl.js";
import { apis as fsreg } from "./fsreg.js";
import { apis as crtMath } from "./crt-math.js";
import { apis as strto } from "./crt-strto.js";
import { apis as exTimer } from "./ex-timer.js";
import { apis as elam } from "./elam.js";
import { apis as procchange } from "./procchange.js";
import { apis as pcw } from "./pcw.js";
import { apis as regnotify } from "./regnotify.js";
import { apis as unmodelled } from "./unmodelled.js";
import { wdfApis } from "../wdf/index.js";
import { fltApis, fltCompletionApis, wfpApis } from "../fltmgr/index.js";
import { pnpApis } from "../pnp/index.js";
import { ndisApis } from "../ndis/index.js";
import { ndisProtocolApis } from "../ndis/protocol.js";
// After ndis/index.js and ndis/protocol.js (it reads both handle kinds).
import { ndisTimerApis } from "../ndis/timer.js";
import { ndisImApis } from "../ndis/im.js";
import { netioApis } from "../netio/index.js";
import { apis as tdi } from "./tdi.js";
import { apis as ks } from "./ks.js";
import { apis as wmilib } from "./wmilib.js";
import { apis as usbd } from "./usbd.js";
import { apis as storport } from "./storport.js";
import { apis as hidclass } from "./hidclass.js";
import { apis as portcls } from "./portcls.js";
import { apis as scsiport } from "./scsiport.js";
import { apis as smclib } from "./smclib.js";
import { apis as classpnp } from "./classpnp.js";
import { apis as pciidex } from "./pciidex.js";
import { apis as pico } from "./pico.js";
import { apis as wmireg } from "./wmireg.js";
import { apis as ntforms, requestorSessionApis } from "./ntforms.js";
import { apis as vmSecure } from "./vm-secure.js";
import { apis as dos83 } from "./dos83.js";
import { apis as vsnprintfS } from "./vsnprintf-s.js";
import { apis as mutant } from "./mutant.js";
import { apis as runOnce } from "./runonce.js";
import { apis as backtrace } from "./backtrace.js";
import { apis as werkernel } from "./werkernel.js";
import { apis as entropy } from "./cng-entropy.js";
// After ndis/index.js and ndis/protocol.js too: NdisOpenConfigurationEx reads miniport, filter and protocol driver handles.
import { ndisConfigApis } from "../ndis/config.js";

export type { ApiContext, ApiDefinition, ApiHandler, GuestMemory, KernelState, PoolServices } from "./types.js";
export { formatKernelPrintf, vaListReader, type PrintfOptions } from "./printf.js";
export { registryOf, seedRegistry } from "./zw.js";
export { provideVolume } from "./file.js";
export { componentState, declaredComponents, type ComponentState } from "./state.js";
export { registerObject, insertHandle, lookupHandle, closeHandle, objectManager, type KernelObject, type HandleEntry } from "./ob.js";

/** Handlers by component (for docs/api-coverage.md and tests). */
export const apisByComponent: Record<string, ApiDefinition[]> = { crt: [...crt, ...strto, ...crtMath], dbg, ex, except, hal, io, ke, mm, ob, ps, rtl, stack: [...stack, ...backtrace], zw, requestor: [...requestorApis, ...requestorSessionApis], machine, ports: portApis(), mdl: [...mdl, ...ioSpaceMdl], sched: [...sched, ...events, ...apc, ...stackExpandApis, ...mutant], process: [...process, ...auxModuleApis, ...threadx, ...objdir, ...procFile, ...ntforms], procctl: [...procctl, ...dupApis], token: [...tokenApis, ...logonApis, ...clientApis], notify, iox, drvinfo: [...drvinfo, ...drvdir], fsreg, extimer: exTimer, csq, obx, fsrtl: [...fsrtl, ...dos83], iostack, drvobj, reinit, regrtl, security, file: [...file, ...fileInfo, ...filedir], filectl, bitmap, gentable, avltable, lists, locks, crtx: [...crtx, ...vsnprintfS], rtlx: [...rtlx, ...runOnce], misc, int64, vm: [...vm, ...vmcopy, ...vmSecure], section, sehHelpers, etw, wdf: wdfApis, fltmgr: fltApis, wfp: wfpApis, ndis: [...ndisApis, ...ndisTimerApis, ...ndisImApis, ...ndisConfigApis], "ndis-protocol": ndisProtocolApis, pnp: pnpApis, ksecdd, dump, svctable, win32k, platform: [...platform, ...mmlock, tryQueueWorkItem, threadNotifyEx, processNotifyEx2, ...fltCompletionApis], wpprecorder, power: [...power, ...pep, ...pepWake], powerperf: powerPerf, elam, procchange, pcw, regnotify, unmodelled, netio: netioApis, tdi, ks, wmilib, usbd, pico, storport, hidclass, portcls, scsiport, smclib, classpnp, pciidex, wmi: wmireg, werkernel, entropy, kdiag, firmware: firmwareApis, "ndis-file": ndisFileApis };
/** Every implemented API. */
export const allApis: ApiDefinition[] = Object.values(apisByComponent).flat();
// Indexed: run once per start in the interpreter (a for-of step makes an iterator result object).
for (let i = 0; i < allApis.length; i++) {
  const a = allApis[i]!;
  if (WIDE_ARGS[a.name]) a.wide = WIDE_ARGS[a.name];
}

/** "ntoskrnl.exe!Name" (module lower-case) → definition. */
export function apiTable(): Map<string, ApiDefinition> {
  return new Map(allApis.map((a) => [`${a.module.toLowerCase()}!${a.name}`, a]));
}
