/** Report renderers (SPEC §2 src/report): each renderer module re-exported here. */
export * from "./dot.js";
export * from "./mermaid.js";
export * from "./svg.js";
export * from "./html.js";
export * from "./html-sim.js";
export * from "./sarif.js";
export * from "./findings-text.js";
export * from "./event-text.js";
export * from "./event-stream.js";
