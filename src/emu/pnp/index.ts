/**
 * The PnP manager (docs/pnp.md): the device tree from a device file, device stacks built with
 * AddDevice, PnP/power IRPs, bus enumeration, removal, device interfaces and notifications.
 */
import { apis } from "./apis.js";
import { detectionApis } from "./detect.js";
import { apis as propertyDataApis } from "./propdata.js";
import { apis as interruptApis } from "./interrupts.js";
export const pnpApis = [...apis, ...detectionApis, ...propertyDataApis, ...interruptApis];
export { parseDeviceFile, matchDriver, type DeviceFile, type DeviceSpec, type DriverMatch, type ResourceSpec } from "./spec.js";
export { installDeviceFile, serviceStarted, serviceStopping, serviceFailed, serviceWanted, settle, type PnpOutcome } from "./manager.js";
export { pnpState, type DevNode } from "./state.js";
