import type { CommandEntry } from "./registry.js";
export type { CommandEntry, CommandModule } from "./registry.js";

/** Every subcommand, in the order --help lists them. */
export const commands: CommandEntry[] = [
  { name: "demo", load: () => import("./demo.js") },
  { name: "inspect", load: () => import("./inspect.js") },
  { name: "def", load: () => import("./def.js") },
  { name: "implib", load: () => import("./implib.js") },
  { name: "lib", load: () => import("./lib.js") },
  { name: "check", load: () => import("./check.js") },
  { name: "call", load: () => import("./call.js") },
  { name: "sim", load: () => import("./sim.js") },
  { name: "triage", load: () => import("./triage.js") },
  { name: "build", load: () => import("./build.js") },
  { name: "new", load: () => import("./new.js") },
  { name: "graph", load: () => import("./graph.js") },
  { name: "scan", load: () => import("./scan.js") },
  { name: "apis", load: () => import("./apis.js") },
  { name: "surface", load: () => import("./surface.js") },
];
