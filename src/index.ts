/**
 * kmdll's library API. The CLI (src/cli) is a thin layer over what is exported here.
 * Each area re-exports its own public surface from its index module.
 */
export { VERSION } from "./version.js";
export { KmdllError, FormatError } from "./errors.js";
export * from "./nt/status.js";
export type { TraceEvent, EventSink, FaultKind } from "./events.js";
export * from "./formats/pe/index.js";
export * from "./io/image.js";
export { implibWasm } from "./io/wasm.js";
export * from "./formats/reg/index.js";
export * from "./nt/registry.js";
export * from "./formats/lib/index.js";
export * from "./formats/def/index.js";
// formats/def also has a formatDiagnostic (alias of formatDefDiagnostic); the root keeps the toolchain one.
export { formatDiagnostic } from "./toolchain/index.js";
export * from "./kernel/index.js";
export * from "./toolchain/index.js";
export * from "./graph/model.js";
export * from "./report/index.js";
export { scanDirectory, type ScanOptions, type ScanReport, type ScannedImage, type UnresolvedImport } from "./scan/index.js";
export { renderScanText, scanJson } from "./scan/render.js";
export { driverImageSummaries, type DriverImageSource } from "./scan/driver-images.js";
export { hex, type HexOptions } from "./text/hex.js";
export { terminalText, terminalLine, jsonText } from "./text/terminal.js";
export * from "./emu/index.js";
export * from "./sim/index.js";
export * from "./triage/index.js";
export * from "./check/index.js";
export { exploreSurface, type SurfaceReport, type SurfaceOptions } from "./surface/explore.js";
export { surfaceText, surfaceSarif } from "./surface/render.js";
export { decodeIoctl, ioctlCandidates } from "./surface/ioctl.js";
