/** The rules of `kmdll surface`: id, one-line description and help text (SARIF, --help, docs/surface.md). Pure data. */

export const RULES = {
  "physical-memory-map": {
    short: "A caller-chosen physical address is mapped",
    help: "The driver maps physical memory (MmMapIoSpace(Ex), a view of \\Device\\PhysicalMemory, or MmMapLockedPages of an MDL whose page frames it filled in) at an address taken from the IOCTL's input buffer: any program that can open the device reads or writes all physical memory, kernel included. Validate the range against the device's own resources.",
  },
  "process-control": {
    short: "A process chosen by the caller is opened, looked up or terminated",
    help: "The driver opens (ZwOpenProcess) or looks up (PsLookupProcessByProcessId) a process whose ID comes from the input buffer, from kernel mode and without an access check: a caller can terminate or tamper with protected processes (e.g. security software). Check the requestor's rights or restrict the request to the caller's own process.",
  },
  "arbitrary-kernel-read": {
    short: "A load through an address taken from the input buffer",
    help: "The driver reads memory at an address the caller put in the input buffer (found by placing unmapped canary addresses in the input: the driver faulted reading the canary). A caller reads any kernel memory (tokens, keys, pointers that defeat KASLR). Never dereference addresses from the input; if a user buffer is meant, use METHOD_IN/OUT_DIRECT or ProbeForRead inside __try.",
  },
  "arbitrary-kernel-write": {
    short: "A store through an address taken from the input buffer",
    help: "The driver writes memory at an address the caller put in the input buffer (found with unmapped canary addresses: the driver faulted writing the canary). A caller overwrites any kernel memory — a token's privileges, a function pointer — and takes over the machine. Never dereference addresses from the input; if a user buffer is meant, use ProbeForWrite inside __try.",
  },
  "msr-read": {
    short: "A model-specific register chosen by the caller is read",
    help: "The driver executes rdmsr with an MSR index taken from the input buffer. MSRs hold the system-call entry point (IA32_LSTAR) and other kernel addresses: reading them defeats KASLR. Allow only the MSRs the device needs.",
  },
  "msr-write": {
    short: "A model-specific register is written with a caller-chosen index or value",
    help: "The driver executes wrmsr with an index or value taken from the input buffer: writing IA32_LSTAR redirects every system call to the caller's code. Drivers should never write MSRs on a caller's behalf.",
  },
  "port-io": {
    short: "An I/O port chosen by the caller is read or written",
    help: "The driver reads or writes an I/O port (in/out, READ_PORT_*/WRITE_PORT_*) whose number or written value comes from the input buffer: a caller reprograms the PCI configuration mechanism (0xCF8/0xCFC), the disk controller or the SPI flash and bypasses every OS protection. Allow only the device's own ports, with validated values.",
  },
  "cr-write": {
    short: "A control register is written on a request",
    help: "The driver writes CR0/CR3/CR4 (mov crN) while serving an IOCTL with a value from the input buffer: clearing CR0.WP or CR4.SMEP/SMAP disables the kernel's memory protections. Drivers must not change control registers on a caller's behalf.",
  },
  "pte-write": {
    short: "A page-table entry is written with a caller-chosen frame or for a caller-chosen address",
    help: "The driver writes a page-table entry (through the PTE self-map or the table's physical page) while serving an IOCTL, and the physical page the entry points at, or the virtual address whose entry it is, comes from the input buffer: a caller maps any physical page (kernel code, another process's memory) or changes any page's rights (writable, executable), which defeats every memory protection. Drivers must not edit page tables on a caller's behalf; map device memory with MmMapIoSpaceEx.",
  },
  "unchecked-user-pointer": {
    short: "A METHOD_NEITHER buffer is used without ProbeForRead/ProbeForWrite",
    help: "The IOCTL uses METHOD_NEITHER: Type3InputBuffer and UserBuffer are raw caller addresses. The driver acts on their contents without calling ProbeForRead/ProbeForWrite (inside __try/__except), so a caller passes a kernel address and the driver reads or writes kernel memory for it. Probe both buffers in __try, or use METHOD_BUFFERED.",
  },
  "kernel-pointer-leak": {
    short: "A kernel address is copied to the output buffer",
    help: "The driver returns a kernel-mode address (pool, stack, image or mapping) to user mode in its output buffer, which defeats KASLR and hands the caller a target for a write primitive. Return handles or offsets, never kernel pointers.",
  },
} as const;

export type RuleId = keyof typeof RULES;
