import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { register as inspect } from "./inspect.js";
import { register as def } from "./def.js";
import { register as implib } from "./implib.js";
import { register as lib } from "./lib.js";
import { register as check } from "./check.js";
import { register as call } from "./call.js";
import { register as sim } from "./sim.js";
import { register as demo } from "./demo.js";
import { register as build } from "./build.js";
import { register as newCmd } from "./new.js";
import { register as graph } from "./graph.js";
import { register as scan } from "./scan.js";
import { register as apis } from "./apis.js";

/** Every subcommand, in the order --help lists them. */
export const commands: ((program: Command, ctx: CliContext) => void)[] = [
  demo, inspect, def, implib, lib, check, call, sim, build, newCmd, graph, scan, apis,
];
