/** Report renderers (SPEC §2 src/report): each renderer module re-exported here. */
export * from "./graph.js";
export * from "./dot.js";
export * from "./mermaid.js";
export * from "./svg.js";
export * from "./html.js";
export * from "./html-sim.js";
export * from "./sarif.js";
export * from "./findings-text.js";
// Corpus scans (`kmdll scan`) live in src/scan; their public API is re-exported with the reports.
export { scanDirectory, type ScanOptions, type ScanReport, type ScannedImage, type UnresolvedImport } from "../scan/index.js";
export { renderScanText, scanJson } from "../scan/render.js";
