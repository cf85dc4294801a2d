/**
 * Typed per-component kernel state. A component declares its state once:
 *
 *   export const ioState = componentState("io", (): IoState => ({ devices: new Map(), ... }));
 *
 * and reads it with `ioState(kernel)`; the type travels with the declaration instead of being
 * restated at every `kernel.state<T>("io", ...)` call. Each component name can be declared only
 * once (a second declaration is a programming error, caught when the module loads).
 * `KernelState.state()` stays the storage underneath, so handlers written against it still work.
 */
import type { KernelState } from "./types.js";

export type ComponentState<T> = ((kernel: KernelState) => T) & {
  readonly component: string;
  /** Give a kernel this component's state before its first use (e.g. a registry seeded from a file); returns the state in effect. */
  provide(kernel: KernelState, value: T): T;
};

const declared = new Set<string>();

export function componentState<T>(component: string, init: () => T): ComponentState<T> {
  if (declared.has(component)) throw new Error(`kernel state component "${component}" is declared twice`);
  declared.add(component);
  const get = (kernel: KernelState): T => kernel.state(component, init);
  const provide = (kernel: KernelState, value: T): T => {
    const v = kernel.state(component, () => value);
    if (v !== value) throw new Error(`kernel state component "${component}" was already in use`);
    return v;
  };
  return Object.assign(get, { component, provide });
}

/** Component names declared so far (for tests). */
export function declaredComponents(): string[] {
  return [...declared].sort();
}
