/**
 * Worker thread of `kmdll scan`: receives batches of files, answers one AnalyzeResult per file.
 * Messages: in `{ id, files: AnalyzeRequest[] }`, out `{ id, result }` per file then `{ id, done: true }`.
 */
import { parentPort } from "node:worker_threads";
import { analyzeFile, type AnalyzeRequest } from "./analyze.js";

const port = parentPort;
if (port) {
  port.on("message", (msg: { id: number; files: AnalyzeRequest[] }) => {
    for (const f of msg.files) port.postMessage({ id: msg.id, result: analyzeFile(f) });
    port.postMessage({ id: msg.id, done: true });
  });
}
