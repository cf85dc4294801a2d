/* client.c: a driver that uses vmlib.sys. */
#include "Client.h"

int ClientLastSum;

static VOID ClientUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("vmclient: unload (last sum %d)\n", ClientLastSum);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    ClientLastSum = VmlibAdd(40, 2);
    ClientReport(ClientLastSum, VmlibVersion());
    DriverObject->DriverUnload = ClientUnload;
    return STATUS_SUCCESS;
}
