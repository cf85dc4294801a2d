/*
 * bad-stack-probe.sys — a 16 KB local array: with stack probes enabled the compiler calls
 * __chkstk on entry to touch each page of the frame. Kernel stacks are only 12-24 KB.
 */
#include <ntddk.h>

static __declspec(noinline) ULONG Checksum(PUNICODE_STRING Text)
{
    UCHAR scratch[16384];
    ULONG sum = 0;
    USHORT i;
    RtlZeroMemory(scratch, sizeof(scratch));
    for (i = 0; i < Text->Length && i < sizeof(scratch); i++)
        scratch[i] = ((PUCHAR)Text->Buffer)[i];
    for (i = 0; i < Text->Length && i < sizeof(scratch); i++)
        sum = sum * 31 + scratch[i];
    return sum;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("bad-stack-probe: %08lx\n", Checksum(RegistryPath));
    return STATUS_SUCCESS;
}
