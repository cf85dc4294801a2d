/*
 * mathuser.sys — a driver that imports each of mathlib.sys's routines through mathlib.h.
 */
#include "mathlib.h"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD MathUserUnload;

VOID MathUserUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    DbgPrint("mathuser: DriverUnload\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    static const LONG values[4] = { 1, 2, 3, 4 };
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("mathuser: MathMul(6, 7) = %ld, MathAdd(40, 2) = %ld, MathSub(50, 8) = %ld, MathSum = %ld, MathProduct(3, 14) = %ld\n",
             MathMul(6, 7), MathAdd(40, 2), MathSub(50, 8), MathSum(4, values), MathProduct(3, 14));
    DriverObject->DriverUnload = MathUserUnload;
    return STATUS_SUCCESS;
}
