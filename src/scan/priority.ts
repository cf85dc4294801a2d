/**
 * A scan worker thread runs at the lowest scheduling priority (nice 19), the way a background
 * helper should: the main thread decides the wall time of a scan (it starts the process, walks
 * the directory, builds the graph and writes the report, and takes files itself), and V8's
 * compiler threads optimize its code; a worker only fills the CPU time they leave. On a machine
 * with as many threads as CPUs (2 CPUs, --jobs 2) a worker at the same priority took CPU time
 * from both (docs/performance.md, "Threads"); at nice 19 it takes the idle time and claims fewer
 * files when there is none. Linux only (a thread's nice value is set through its thread id,
 * which /proc/thread-self names); elsewhere, or when refused, nothing changes.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** Lowest priority of a Linux thread (nice value). */
export const WORKER_NICE = 19;

/** Lower this thread's scheduling priority to WORKER_NICE; whether it did. */
export function lowerThreadPriority(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return false;
    // setpriority(PRIO_PROCESS, tid) changes that one thread on Linux.
    setPriority(tid, WORKER_NICE);
    return true;
  } catch {
    return false;
  }
}
