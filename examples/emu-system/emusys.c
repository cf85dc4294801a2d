/*
 * emusys.sys — reads what the emulated kernel provides without calling it: the KPCR behind GS
 * (KeGetCurrentThread is gs:[0x188] in wdm.h), KUSER_SHARED_DATA's clock through the DDK macros,
 * data exports of ntoskrnl (imported through the IAT), and guest callbacks run by a kernel
 * routine (KeIpiGenericCall calls the worker, nested emulation).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

ULONG_PTR NTAPI CurrentThread(void)
{
    return (ULONG_PTR)KeGetCurrentThread();
}

ULONG64 NTAPI InterruptTime(void)
{
    return KeQueryInterruptTime();
}

ULONG64 NTAPI SystemTime(void)
{
    LARGE_INTEGER t;
    KeQuerySystemTime(&t);
    return (ULONG64)t.QuadPart;
}

ULONG64 NTAPI TickCount(void)
{
    LARGE_INTEGER t;
    KeQueryTickCount(&t);
    return (ULONG64)t.QuadPart;
}

ULONG_PTR NTAPI SystemRangeStart(void)
{
    return (ULONG_PTR)MmSystemRangeStart;
}

LONG NTAPI NumberProcessors(void)
{
    return KeNumberProcessors;
}

ULONG_PTR NTAPI InitialSystemProcess(void)
{
    return (ULONG_PTR)PsInitialSystemProcess;
}

/* worker(n) = n == 0 ? 1 : 2 * KeIpiGenericCall(worker, n - 1) + n: n levels of nested calls. */
static ULONG_PTR NTAPI worker(ULONG_PTR n)
{
    if (n == 0) return 1;
    return 2 * KeIpiGenericCall(worker, n - 1) + n;
}

ULONG_PTR NTAPI Nested(ULONG_PTR n)
{
    return KeIpiGenericCall(worker, n);
}
