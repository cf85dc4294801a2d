/**
 * Worker thread of `kmdll scan`: receives batches of files, answers with their AnalyzeResults.
 * workerData: `{ root, index: [lowerName, absPaths[]][] }` (the scanned directory's files by
 * base name, for module lookups). Messages: in `{ files: AnalyzeRequest[] }`, out
 * `{ results: AnalyzeResult[] }` (one answer per batch).
 */
import { parentPort, workerData } from "node:worker_threads";
import { analyzeFile, type AnalyzeRequest } from "./analyze.js";
import { ScanModules } from "./checks.js";

const port = parentPort;
if (port) {
  const data = workerData as { root: string; index: [string, string[]][] };
  const modules = new ScanModules(new Map(data.index), data.root);
  port.on("message", (msg: { files: AnalyzeRequest[] }) => {
    port.postMessage({ results: msg.files.map((f) => analyzeFile(f, modules)) });
  });
}
