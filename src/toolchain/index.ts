/** Building kernel-mode drivers: WDK sources/dirs files, the clang + lld-link recipe, templates. */
export * from "./makevars.js";
export * from "./sources.js";
export * from "./project.js";
export * from "./discover.js";
export * from "./recipe.js";
export * from "./depfile.js";
export { build, BuildInputError, describeOutputs } from "./build.js";
export type { BuildOptions, BuildResult, ProjectResult, StepReport, StepKind } from "./build.js";
export type { BuildFinding } from "./integrations.js";
export * from "./templates.js";
export { newProject } from "./new-project.js";
export type { NewOptions, NewResult, TemplateKind } from "./new-project.js";
