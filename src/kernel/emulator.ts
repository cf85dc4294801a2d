/**
 * The default executor of simulations: the Unicorn-based emulator (src/emu) with the
 * ntoskrnl/HAL API handlers, its events going to the simulation's sink.
 */
import { EmulatorExecutor } from "../emu/executor.js";
import * as crt from "../emu/api/crt.js";
import * as dbg from "../emu/api/dbg.js";
import * as ex from "../emu/api/ex.js";
import * as hal from "../emu/api/hal.js";
import * as ke from "../emu/api/ke.js";
import * as rtl from "../emu/api/rtl.js";
import type { ExecutorFactory } from "./simulation.js";

export const emulatorExecutor: ExecutorFactory = (ctx) =>
  new EmulatorExecutor({
    apis: [...crt.apis, ...dbg.apis, ...ex.apis, ...hal.apis, ...ke.apis, ...rtl.apis],
    sink: ctx.sink,
    modulesExporting: (name) => ctx.queries.modulesExporting(name),
  });
