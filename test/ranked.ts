/**
 * The routines examples/api-rank checks (from the top of the import ranking of real drivers). Each
 * sits in its own family (vm, process, sched, ...), whose example does not call it: the family
 * tests leave these out, and test/api-rank.test.ts asserts apirank.sys calls every one of them.
 */
export const RANKED: ReadonlySet<string> = new Set([
  "IoWMIRegistrationControl", "IoGetRequestorSessionId", "ZwFlushInstructionCache", "NtQueryInformationProcess",
  "NtWaitForSingleObject", "ZwFlushVirtualMemory", "MmSecureVirtualMemory", "MmUnsecureVirtualMemory",
  "RtlIsNameLegalDOS8Dot3", "_vsnprintf_s", "KeInitializeMutant", "RtlRunOnceInitialize", "RtlRunOnceExecuteOnce",
  "RtlCaptureStackBackTrace",
]);
