/**
 * Worker thread of `kmdll scan`: receives batches of files, answers one AnalyzeResult per file.
 * workerData: `{ root, index: [lowerName, absPath][] }` (the scanned directory's PE images, for
 * module lookups). Messages: in `{ id, files: AnalyzeRequest[] }`, out `{ id, result }` per file
 * then `{ id, done: true }`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyzeFile, type AnalyzeRequest } from "./analyze.js";
import { ScanModules } from "./checks.js";

const port = parentPort;
if (port) {
  const data = workerData as { root: string; index: [string, string][] };
  const modules = new ScanModules(new Map(data.index), data.root);
  port.on("message", (msg: { id: number; files: AnalyzeRequest[] }) => {
    for (const f of msg.files) port.postMessage({ id: msg.id, result: analyzeFile(f, modules) });
    port.postMessage({ id: msg.id, done: true });
  });
}
