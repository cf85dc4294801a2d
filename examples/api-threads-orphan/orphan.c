/*
 * torphan.sys — DllInitialize starts a worker that waits for a stop event; DllUnload sets the
 * event and returns without waiting on the thread object.
 */
#include <ntddk.h>

static KEVENT g_Stop;

static VOID NTAPI Worker(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForSingleObject(&g_Stop, Executive, KernelMode, FALSE, NULL);
    DbgPrint("torphan: worker stopping\n");
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    HANDLE h;
    NTSTATUS st;
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeEvent(&g_Stop, NotificationEvent, FALSE);
    st = PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, Worker, NULL);
    if (NT_SUCCESS(st)) ZwClose(h);
    return st;
}

int NTAPI TorphanPing(void)
{
    return 0;
}

NTSTATUS NTAPI DllUnload(void)
{
    KeSetEvent(&g_Stop, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS; /* BUG: the worker is still to run */
}
