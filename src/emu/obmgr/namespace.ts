/**
 * Names drivers add to the object namespace besides devices and the I/O manager's links:
 * directory objects (ZwCreateDirectoryObject), named objects ObInsertObject inserts, and which
 * names are temporary.
 *
 * Object manager semantics (Microsoft Learn: ZwMakeTemporaryObject, OBJECT_ATTRIBUTES
 * OBJ_PERMANENT; ObpDeleteNameCheck in ReactOS's object manager): a named object created without
 * OBJ_PERMANENT is temporary — its name leaves the namespace when its last handle is closed.
 * Symbolic links IoCreateSymbolicLink makes are permanent until a driver opens one, makes it
 * temporary and closes the handle (which is what IoDeleteSymbolicLink does).
 *
 * Every handle onto a namespace name carries it (`nsName`, canonical upper case) in its data, so
 * closing the last one can drop a temporary name.
 */
import type { KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";
import { objectManager } from "./index.js";

export interface NamedObject {
  type: string;
  /** The object body, for ObInsertObject'ed objects. */
  object?: bigint;
  /** Display name as created. */
  name: string;
}

export interface NamespaceState {
  /** Canonical name → object made by ObInsertObject or a directory made by ZwCreateDirectoryObject. */
  named: Map<string, NamedObject>;
  /** Canonical names that go away with their last handle. */
  temporary: Set<string>;
}

/** Names drivers may add (kmdll's bound: a driver creating permanent names in a loop gets STATUS_INSUFFICIENT_RESOURCES). */
export const MAX_NAMES = 65536;

export const namespaceOf = componentState("ob.namespace", (): NamespaceState => ({ named: new Map(), temporary: new Set() }));

/** Open handles whose data names `name` (canonical). */
export function handlesOnName(kernel: KernelState, name: string): number {
  let n = 0;
  for (const e of objectManager(kernel).handles.values()) if ((e.data as { nsName?: string } | undefined)?.nsName === name) n++;
  return n;
}

/**
 * A handle onto `name` was closed: a temporary name with no handle left leaves the namespace
 * (`drop` removes it from the component that keeps it, e.g. the I/O manager's links).
 */
export function nameHandleClosed(kernel: KernelState, name: string, drop?: (name: string) => void): void {
  const ns = namespaceOf(kernel);
  if (!ns.temporary.has(name) || handlesOnName(kernel, name) > 0) return;
  ns.temporary.delete(name);
  ns.named.delete(name);
  drop?.(name);
}
