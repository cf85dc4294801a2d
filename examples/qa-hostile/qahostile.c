/*
 * qahostile.sys — QA: an export driver whose exports do what careless or hostile kernel code
 * does and that examples/emu-faults does not cover: writes to its own read-only sections and to
 * KUSER_SHARED_DATA, privileged and unsupported instructions, one huge stack frame, kernel APIs
 * fed wild pointers and absurd sizes, and endless loops that spend their time inside API calls
 * or flood DbgPrint. Every export must end in a clean fault report (or a clean return), never a
 * crash or hang of kmdll.
 */
#include <ntddk.h>
#include <stdio.h> /* _snprintf (__cdecl: an undeclared call would be stdcall under the WDK's x86 /Gz) */

static const char g_readOnly[16] = "read-only data";
static volatile LONG64 g_sink;

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    return STATUS_SUCCESS;
}

/* Self-modifying code: .text is execute/read only, the write must fault. */
LONG64 NTAPI WriteOwnText(void)
{
    volatile UCHAR *code = (volatile UCHAR *)(ULONG_PTR)&WriteOwnText;
    code[0] = 0xC3;
    return 1;
}

/* .rdata is read only. */
LONG64 NTAPI WriteReadOnlyData(void)
{
    ((volatile char *)g_readOnly)[0] = 'X';
    return 2;
}

/* KUSER_SHARED_DATA's kernel mapping is read only (Windows bug checks on this write).
 * KI_USER_SHARED_DATA (wdm.h): 0xFFFFF78000000000 on x64, 0xFFDF0000 on x86. */
LONG64 NTAPI WriteKuserShared(void)
{
    *(volatile ULONG *)(ULONG_PTR)KI_USER_SHARED_DATA = 0x12345678;
    return 3;
}

/* Reads KUSER_SHARED_DATA (TickCountMultiplier at +0x4): must work, nonzero on Windows. */
LONG64 NTAPI ReadKuserShared(void)
{
    return *(volatile ULONG *)((ULONG_PTR)KI_USER_SHARED_DATA + 0x4);
}

/* A privileged instruction the emulator cannot give a meaning to: reading an MSR (IA32_LSTAR). */
LONG64 NTAPI ReadMsr(void)
{
    return (LONG64)__readmsr(0xC0000082);
}

/* ud2: an invalid opcode. */
LONG64 NTAPI InvalidOpcode(void)
{
    __asm__ volatile("ud2");
    return 4;
}

/* One frame far larger than any kernel stack (no stack probes: the access lands below the stack). */
LONG64 NTAPI HugeFrame(LONG64 index)
{
    volatile char big[4 * 1024 * 1024];
    big[index] = 1;
    return big[index] + big[0];
}

/* A kernel API handed a wild pointer: the fault must be reported in the API, attributed to us. */
LONG64 NTAPI ApiWildPointer(LONG64 address)
{
    UNICODE_STRING s;
    RtlInitUnicodeString(&s, (PCWSTR)address);
    return s.Length;
}

/* DbgPrint %s with a wild pointer. */
LONG64 NTAPI PrintWildString(LONG64 address)
{
    DbgPrint("qahostile: %s\n", (const char *)address);
    return 5;
}

/* Allocate 1 MiB blocks until pool runs out (a driver that leaks in a loop): the emulated
 * machine's pool is finite, so this ends with NULL. Returns the number of blocks obtained, after
 * freeing them all (each block stores the address of the previous one). */
LONG64 NTAPI ExhaustPool(void)
{
    PVOID *head = NULL;
    LONG64 count = 0;
    while (count < 100000) {
        PVOID *p = (PVOID *)ExAllocatePoolWithTag(NonPagedPool, 1024 * 1024, 'xEuQ');
        if (p == NULL)
            break;
        *p = head;
        head = p;
        count++;
    }
    while (head != NULL) {
        PVOID *next = (PVOID *)*head;
        ExFreePoolWithTag(head, 'xEuQ');
        head = next;
    }
    return count;
}

/* A pool request no system can satisfy: NULL expected, not a crash of the emulator. */
LONG64 NTAPI HugeAllocation(void)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, (SIZE_T)-16, 'hAuQ');
    if (p != NULL) {
        ExFreePoolWithTag(p, 'hAuQ');
        return 1;
    }
    return 0;
}

/* An endless loop that spends its time in kernel APIs: the time budget must still stop it. */
LONG64 NTAPI SpinInApi(void)
{
    LARGE_INTEGER t;
    for (;;) {
        KeQueryTickCount(&t);
        g_sink += t.QuadPart;
        KeStallExecutionProcessor(1);
    }
}

/* An endless DbgPrint flood: stopped by the time budget, output bounded by it. */
LONG64 NTAPI PrintForever(void)
{
    for (ULONG i = 0;; i++)
        DbgPrint("qahostile: line %lu\n", i);
}

/* Rtl routines dereference their string arguments: NULL crashes Windows (no SEH inside). */
LONG64 NTAPI StringToIntegerNull(void)
{
    ULONG v = 7;
    return RtlUnicodeStringToInteger(NULL, 10, &v);
}

/* MmGetSystemRoutineAddress(NULL) dereferences the UNICODE_STRING too. */
LONG64 NTAPI SystemRoutineNull(void)
{
    return (LONG64)(ULONG_PTR)MmGetSystemRoutineAddress(NULL);
}

/* x64 wdm.h raises the IRQL inline (mov cr8); a pageable registry call at DISPATCH_LEVEL is a bug
 * (IRQL_NOT_LESS_OR_EQUAL under Driver Verifier). Returns the IRQL read back through CR8 in the low
 * byte and the ZwOpenKey status above it. */
LONG64 NTAPI RegistryAtDispatch(void)
{
    KIRQL old, seen;
    HANDLE h = NULL;
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING n;
    NTSTATUS s;
    RtlInitUnicodeString(&n, L"\\Registry\\Machine\\SOFTWARE");
    InitializeObjectAttributes(&oa, &n, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    seen = KeGetCurrentIrql();
    s = ZwOpenKey(&h, KEY_READ, &oa);
    KeLowerIrql(old);
    if (NT_SUCCESS(s))
        ZwClose(h);
    return ((LONG64)(ULONG)s << 8) | seen;
}

/* Absurd field widths: DbgPrint keeps its first 511 characters ("[" and spaces); _snprintf fills
 * the 32-byte buffer and returns -1 (output truncated). Returns the _snprintf result, and 1 in
 * bit 8 when the buffer holds 32 spaces. */
LONG64 NTAPI HugeWidths(void)
{
    char buf[33];
    int n, i, spaces = 0;
    DbgPrint("[%999999999d]\n", 1);
    buf[32] = 0;
    n = _snprintf(buf, 32, "%2147483647d", 5);
    for (i = 0; i < 32; i++)
        spaces += buf[i] == ' ';
    return (LONG64)(UCHAR)n | (spaces == 32 ? 0x100 : 0);
}
