/**
 * KMDF: the loader (WDFLDR.SYS, ldr.ts), the function table order (funcenum.ts) and the framework
 * objects (framework.ts). Both modules are built-in synthetic images like ntoskrnl/hal.
 */
import type { ApiDefinition } from "../api/types.js";
import type { KernelExport } from "../../nt/kernel-exports.js";
import { WDF_FUNCTIONS } from "./funcenum.js";
import { WDF01000, WDFLDR, apis as ldrApis } from "./ldr.js";
import { apis as fxApis } from "./framework.js";
import { apis as pnpApis } from "./pnp.js";
import { apis as targetApis } from "./iotarget.js";
import { apis as fileApis } from "./fileobj.js";
import { apis as memoryApis } from "./memory.js";
import { apis as timerApis } from "./timer.js";
import { apis as workItemApis } from "./workitem.js";
import { apis as syncApis } from "./sync.js";
import { apis as collectionApis } from "./collection.js";
import { apis as contextApis } from "./context.js";
import { apis as cancelApis } from "./cancel.js";
import { apis as registryApis } from "./registry.js";
import { apis as queueApis } from "./queues.js";
import { apis as preprocessApis } from "./preprocess.js";
import { apis as interruptApis } from "./interrupt.js";
import { apis as devcapsApis } from "./devcaps.js";
import { apis as remoteTargetApis } from "./iotarget-remote.js";
import { apis as qiApis } from "./qi.js";
import { apis as powerApis } from "./power.js";
import { apis as pdoApis } from "./pdo.js";
import { apis as reqCreateApis } from "./reqcreate.js";
import { apis as stringApis } from "./strings.js";
import { apis as propertyApis } from "./property.js";
import { apis as reqSendApis } from "./reqsend.js";
import { apis as reqFormatApis } from "./reqformat.js";
import { apis as childListApis } from "./childlist.js";
import { apis as miniportApis } from "./miniport.js";
import { apis as controlApis } from "./control.js";
import { apis as devNameApis } from "./devnames.js";
import { apis as propertyExApis } from "./propertyex.js";
import { apis as lookasideApis } from "./lookaside.js";
import { apis as dpcApis } from "./dpc.js";
import { apis as classApis, classModuleExports } from "./classext.js";
import { apis as ucmApis } from "./ucm.js";

export { WDF_FUNCTIONS, EMULATED_MAJOR, EMULATED_MINOR } from "./funcenum.js";
export { WDF01000, WDFLDR } from "./ldr.js";

export const wdfApis: ApiDefinition[] = [...ldrApis, ...fxApis, ...pnpApis, ...targetApis, ...fileApis, ...memoryApis, ...timerApis, ...workItemApis, ...syncApis, ...collectionApis, ...contextApis, ...cancelApis, ...registryApis, ...queueApis, ...preprocessApis, ...interruptApis, ...devcapsApis, ...remoteTargetApis, ...qiApis, ...powerApis, ...pdoApis, ...reqCreateApis, ...stringApis, ...propertyApis, ...reqSendApis, ...reqFormatApis, ...childListApis, ...miniportApis, ...controlApis, ...devNameApis, ...propertyExApis, ...lookasideApis, ...dpcApis, ...classApis, ...ucmApis];

/** Export lists of the two synthetic modules (implemented handlers are added by KernelModules). */
export function wdfModuleExports(): Record<string, KernelExport[]> {
  return {
    [WDFLDR]: ["WdfVersionBind", "WdfVersionUnbind", "WdfVersionBindClass", "WdfVersionUnbindClass", "WdfLdrQueryInterface"].map((name) => ({ name, type: "code" as const })),
    [WDF01000]: WDF_FUNCTIONS.map((name) => ({ name, type: "code" as const })),
    ...classModuleExports(),
  };
}
