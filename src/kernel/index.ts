/** The kernel model: module table, image loader, services and scenarios (SPEC §6). */
export type { Executor, CallOutcome, KernelQueries } from "./executor.js";
export * from "./types.js";
export * from "./paths.js";
export { lookupByName, lookupByOrdinal, locateExport, exportsName, parseForwarder } from "./exports.js";
export type { ExportLookup } from "./exports.js";
export { ModuleTable } from "./module-table.js";
export { Loader, LoadError, Crash, surfacedStatus } from "./loader.js";
export { Kernel } from "./kernel.js";
export type { KernelOptions, ModuleRow } from "./kernel.js";
export { RootImageSource, hostPathIn, registryServices } from "./root-fs.js";
export { ScriptedExecutor, syntheticImage, syntheticSource } from "./scripted.js";
export type { ScriptedModule, ScriptedOptions, SyntheticExport, SyntheticImport, SyntheticImageSpec } from "./scripted.js";
export { parseStepText, parseStepObject, parseScenario, runStep, runSteps, stepLabel } from "./scenario.js";
export type { Step, StepResult, ScenarioFile } from "./scenario.js";
export { createSimulation, loadRegistry, temporaryRoot, runSimulation } from "./simulation.js";
export type { Simulation, SimulationOptions, ExecutorFactory, ExecutorContext, RunOptions, RunResult } from "./simulation.js";
