/**
 * Open the Unicorn engine as the machine's processor (the machine file's "cpu", docs/machine.md):
 * "intel" sets a Unicorn CPU model (uc_ctl_set_cpu_model, right after uc_open — the addon does it
 * in its constructor); "amd" keeps Unicorn's default qemu64. Either way the CPUID leaves
 * nt/cpu-identity.ts lists are answered by the addon's hook (setCpuid). An addon built before CPU models
 * (no "cpuModel" feature) keeps qemu64, with a warning, and the processor reported is "amd" so the
 * registry (sim/emulator.ts) still agrees with CPUID. ARM64 has no x86 CPUID: the choice is ignored,
 * and the processor is Unicorn's "max" ARM64 model (ARMv8.1 LSE atomics, which Windows on ARM
 * processors all have; an addon without the "arm64CpuModel" feature keeps the default Cortex-A72).
 */
import type { NativeAddon, NativeEngine, EngineMode } from "../native.js";
import type { EventSink } from "../../events.js";
import { CPU_IDENTITIES, type CpuChoice } from "../../nt/cpu-identity.js";
export type { CpuChoice };

const UC_CPU_ARM64_MAX = 3;

export function openEngine(addon: NativeAddon, mode: EngineMode, want: CpuChoice | undefined, sink?: EventSink): { uc: NativeEngine; cpu: CpuChoice } {
  // ARM64: Unicorn's "max" model (UC_CPU_ARM64_MAX, unicorn/arm64.h), which has the ARMv8.1 LSE
  // atomics (SWPAL, CASAL, LDADDAL...) every Windows on ARM processor has; the default Cortex-A72
  // model has none and faults on them.
  // (An addon without "arm64CpuModel" ignores the model: npm run build:native rebuilds it.)
  if (mode === "arm64") return { uc: new addon.Engine(mode, UC_CPU_ARM64_MAX), cpu: "amd" };
  const id = CPU_IDENTITIES[want ?? "amd"];
  const answer = (uc: NativeEngine) => {
    for (const [leaf, r] of Object.entries(id.cpuid ?? {})) uc.setCpuid?.(Number(leaf), ...r);
    return uc;
  };
  const hasModels = addon.constants.features?.includes("cpuModel") ?? false;
  // qemu64 (no model to set): its CPUID with the leaves cpu-identity.ts answers, when the addon can.
  if (id.ucModel === undefined) return { uc: hasModels ? answer(new addon.Engine(mode)) : new addon.Engine(mode), cpu: want ?? "amd" };
  if (hasModels) return { uc: answer(new addon.Engine(mode, id.ucModel)), cpu: want ?? "amd" };
  sink?.({
    event: "warning",
    message: `the machine's cpu "${want}" needs a Unicorn addon built with CPU models: rebuild it (npm run build:native, or bash scripts/setup.sh); the CPU stays Unicorn's qemu64 (AuthenticAMD) and the registry says so`,
  });
  return { uc: new addon.Engine(mode), cpu: "amd" };
}
