/** Registry export files (.reg): parser and value encodings (SPEC §3.4). Pure. */
export * from "./parse.js";
export { formatRegFile } from "./write.js";
