/** `kmdll triage`: start and stop every driver image under files and folders, one child process each, and classify the outcomes (docs/triage.md). */
export { runTriage, TriageTally, DEFAULT_TIMEOUT, DEFAULT_MEMORY_MIB } from "./run.js";
export type { TriageOptions } from "./run.js";
export { classify } from "./classify.js";
export type { ChildEnd } from "./classify.js";
export { triageInputs, sniffImage } from "./inputs.js";
export type { TriageInput } from "./inputs.js";
export { serviceName } from "./child.js";
export { resultLine, summaryText } from "./render.js";
export { TRIAGE_CLASSES, FAILING_CLASSES } from "./types.js";
export type { TriageClass, TriageFault, TriageResult, TriageSummary } from "./types.js";
