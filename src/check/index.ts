/** `kmdll check`: kernel-mode conformance rules for driver images (SPEC §5). */
export type {
  Severity as FindingSeverity,
  RuleId,
  FindingLocation,
  Finding,
  CheckReport,
  RuleFamily,
  RuleInfo,
  DefInput,
  DefExportInput,
  LibInput,
  LibRowInput,
  ModuleExports,
  ModuleLookup,
  ModuleResolver,
  CheckInput,
  RuleFunction,
} from "./types.js";
export { runChecks, hasErrorFindings, RULE_FAMILIES } from "./runner.js";
export { RULES, ruleInfo, ruleIds } from "./rules.js";
export { importRules } from "./imports.js";
export { entryPointRules, isExportDriver } from "./entry-points.js";
export { imageRules, findAbsoluteAddress } from "./image.js";
export { namingRules } from "./naming.js";
export { userModeDll, compilerHelper, kernelReplacement, dllBase, type CompilerHelper, type HelperKind } from "./knowledge.js";
export { checkFile, readDefInput, readLibInput, FsModuleResolver, invalidModuleName, imageExports, dbArch, type CheckFileOptions, type ResolverOptions } from "./io.js";
