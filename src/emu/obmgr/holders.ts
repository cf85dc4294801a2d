/**
 * Object references attributed to the driver that took them (Driver Verifier side of the object
 * manager, docs/verifier.md "Object references").
 *
 * A driver that gets a referenced object back from a kernel routine (ObReferenceObject*,
 * ObReferenceObjectByHandle/ByPointer/ByName, IoGetDeviceObjectPointer, IoGetAttachedDeviceReference,
 * PsLookupProcessByProcessId, PsLookupThreadByThreadId ...) owes one ObDereferenceObject for it.
 * Each such reference is counted per object and per driver; each ObDereferenceObject the driver
 * makes pays one back. What is left when the driver unloads is a `leak` event (kind "object").
 *
 * A driver dropping a reference it does not hold is either a hand-over (another driver took it and
 * passed the pointer on: IRP_MN_QUERY_DEVICE_RELATIONS, a filter's lower object) — the other
 * driver's count pays — or the driver taking away a reference the kernel holds (e.g.
 * ObDereferenceObject(PsGetCurrentProcess()), or of the DEVICE_OBJECT it was handed): a finding.
 * References kernel components take for themselves (handles, file objects on their device, the
 * PnP manager's references) are not attributed to anyone.
 */
import type { ApiContext, KernelState } from "../api/types.js";
import { componentState } from "../api/state.js";

export interface Hold {
  /** The driver's module name as loaded ("vfrules.sys"). */
  module: string;
  count: number;
  /** "ObReferenceObjectByHandle from vfrules.sys+0x1234" of the first reference still held. */
  site: string;
}

/** Objects deleted recently (body address → what it was), to name a dereference of a deleted object. */
const DELETED_MEMORY = 4096;

interface HolderState {
  /** object → driver (lowercase) → hold. */
  holds: Map<bigint, Map<string, Hold>>;
  deleted: Map<bigint, string>;
}

const holderState = componentState("ob.holders", (): HolderState => ({ holds: new Map(), deleted: new Map() }));

/** The driver a kernel routine's reference goes to: the driver calling it, or null (the host, a kernel component). */
export function holderOf(ctx: ApiContext): string | null {
  return ctx.kernel.driverInProgress?.() ?? null;
}

function siteText(ctx: ApiContext, api: string): string {
  return ctx.caller ? `${api} from ${ctx.caller.module}+0x${ctx.caller.rva.toString(16)}` : api;
}

/** Count one reference to `obj` for `module`. */
export function noteHeld(ctx: ApiContext, obj: bigint, module: string, api: string): void {
  const st = holderState(ctx.kernel);
  let m = st.holds.get(obj);
  if (!m) st.holds.set(obj, (m = new Map()));
  const key = module.toLowerCase();
  const h = m.get(key);
  if (h) h.count++;
  else m.set(key, { module, count: 1, site: siteText(ctx, api) });
}

function take(m: Map<string, Hold>, key: string): boolean {
  const h = m.get(key);
  if (!h) return false;
  if (--h.count <= 0) m.delete(key);
  return true;
}

/**
 * `module` drops a reference to `obj`: its own if it holds one, else one another driver holds
 * (handed over). Returns false when no driver holds a reference to it (the driver is dropping one
 * the kernel holds).
 */
export function noteDropped(kernel: KernelState, obj: bigint, module: string): boolean {
  const m = holderState(kernel).holds.get(obj);
  if (!m) return false;
  if (take(m, module.toLowerCase())) return true;
  const other = m.keys().next();
  return other.done ? false : take(m, other.value);
}

/** A kernel component takes over one reference a driver holds (e.g. the PnP manager on the PDOs of BusRelations). */
export function takeOver(kernel: KernelState, obj: bigint): void {
  const m = holderState(kernel).holds.get(obj);
  const first = m?.keys().next();
  if (m && first && !first.done) take(m, first.value);
}

/** The object was deleted (its count reached 0): forget its holders, remember what it was. */
export function noteDeleted(kernel: KernelState, obj: bigint, what: string): void {
  const st = holderState(kernel);
  st.holds.delete(obj);
  st.deleted.delete(obj);
  st.deleted.set(obj, what);
  if (st.deleted.size > DELETED_MEMORY) st.deleted.delete(st.deleted.keys().next().value!);
}

/** The object at `obj` is (again) a live object. */
export function noteCreated(kernel: KernelState, obj: bigint): void {
  const st = holderState(kernel);
  st.deleted.delete(obj);
  st.holds.delete(obj);
}

/** What a deleted object at `obj` was ("File object \Device\X"), or undefined. */
export function deletedObject(kernel: KernelState, obj: bigint): string | undefined {
  return holderState(kernel).deleted.get(obj);
}

/** References `module` still holds, by object (at its unload); they are forgotten. */
export function takeHeldBy(kernel: KernelState, module: string): [bigint, Hold][] {
  const key = module.toLowerCase();
  const out: [bigint, Hold][] = [];
  for (const [obj, m] of holderState(kernel).holds) {
    const h = m.get(key);
    if (!h) continue;
    out.push([obj, h]);
    m.delete(key);
  }
  return out;
}

/** Whether `module` holds a reference to `obj`. */
export function holds(kernel: KernelState, obj: bigint, module: string): boolean {
  return holderState(kernel).holds.get(obj)?.has(module.toLowerCase()) ?? false;
}
