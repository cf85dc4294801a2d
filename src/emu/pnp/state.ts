/** The PnP manager's state: the device tree (devnodes), loaded PnP services, device interfaces. */
import { componentState } from "../api/state.js";
import type { DeviceFile, ResourceSpec } from "./spec.js";

export type DevNodeState = "waiting" | "started" | "failed" | "deleted";

export interface DevNode {
  /** Device instance path (ROOT\PNPBUS\0000, PNPBUS\WDMCHILD\1). */
  instance: string;
  hardwareIds: string[];
  compatibleIds: string[];
  /** Function driver's service (null: no driver matched the IDs). */
  service: string | null;
  lowerFilters: string[];
  upperFilters: string[];
  resources: ResourceSpec[];
  parent: DevNode | null;
  children: DevNode[];
  pdo: bigint;
  /** The PDO belongs to the PnP manager's root bus (a device-file device). */
  root: boolean;
  state: DevNodeState;
  /** Why the node is not started (CM_PROB_* in words). */
  problem?: string;
  /** The CM_PROB_* code of `problem` (problems.ts), when Windows has one for it. */
  problemCode?: number;
  /** Device objects added above the PDO (bottom first) by AddDevice. */
  stack: bigint[];
  /** Its driver was stopped by a scenario step: the PnP manager does not load it again by itself. */
  held: boolean;
  /** Reported by IoReportDetectedDevice: its driver attached the stack itself (no AddDevice call) — until the devnode is first removed. */
  detected?: boolean;
  /** IRP_MN_REMOVE_DEVICE went to its stack since it was last brought up (a child PDO gets one remove IRP; its bus driver deletes it later). */
  removeSent?: boolean;
  /** Created by IoReportDetectedDevice (a later report by the same service finds it again). */
  reported?: boolean;
  /** No driver matched, but the bus reported RawDeviceOK: the PDO is started as is, its bus driver driving it (a raw device). */
  raw?: boolean;
  /** Its stack succeeded IRP_MN_QUERY_REMOVE_DEVICE for the removal under way (no second query). */
  queried?: boolean;
}

export interface DeviceInterface {
  /** \??\ROOT#PNPBUS#0000#{guid}[\ref] */
  link: string;
  guid: string;
  pdo: bigint;
  instance: string;
  enabled: boolean;
}

export interface PnpState {
  file: DeviceFile | null;
  nodes: DevNode[];
  /** The PnP manager's root-bus driver object (owner of device-file PDOs). */
  rootDriver: bigint;
  /** Loaded services (lower case) → DRIVER_OBJECT. */
  services: Map<string, { name: string; driver: bigint; module: string }>;
  /** Services that could not be loaded (not retried). */
  unavailable: Set<string>;
  interfaces: DeviceInterface[];
  /** PDOs whose bus relations were invalidated (IoInvalidateDeviceRelations) and not re-queried yet. */
  invalidated: Set<bigint>;
  /** PDOs whose device state was invalidated (IoInvalidateDeviceState) and not queried yet. */
  stateInvalidated: Set<bigint>;
  nextPdo: number;
  /** Services (lower case) of stacks just built or failed → those devnodes: unloaded when they have no device object (problems.ts). */
  unloadCandidates: Map<string, string[]>;
}

export const pnpState = componentState("pnp", (): PnpState => ({
  file: null,
  nodes: [],
  rootDriver: 0n,
  services: new Map(),
  unavailable: new Set(),
  interfaces: [],
  invalidated: new Set(),
  stateInvalidated: new Set(),
  nextPdo: 0,
  unloadCandidates: new Map(),
}));

/** The devnode whose PDO is `pdo`, if any. */
export function nodeOfPdo(st: PnpState, pdo: bigint): DevNode | undefined {
  return st.nodes.find((n) => n.pdo === pdo && n.state !== "deleted");
}

/** The devnode a device object belongs to (its PDO or a device of its stack). */
export function nodeOfDevice(st: PnpState, dev: bigint): DevNode | undefined {
  return st.nodes.find((n) => n.state !== "deleted" && (n.pdo === dev || n.stack.includes(dev)));
}
