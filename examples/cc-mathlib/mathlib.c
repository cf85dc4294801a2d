/*
 * mathlib.sys — an export driver whose routines use each x86 calling convention. Its .def names
 * them undecorated, as WDK .def files do; the linker binds MathMul to _MathMul@8 and MathAdd to
 * @MathAdd@8, and importers reference __imp__MathMul@8 bound to the name MathMul.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllInitialize(PUNICODE_STRING RegistryPath)
{
    DbgPrint("mathlib: DllInitialize(%wZ)\n", RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DllUnload(void)
{
    DbgPrint("mathlib: DllUnload\n");
    return STATUS_SUCCESS;
}

LONG NTAPI MathMul(LONG a, LONG b)
{
    return a * b;
}

LONG FASTCALL MathAdd(LONG a, LONG b)
{
    return a + b;
}

LONG __cdecl MathSub(LONG a, LONG b)
{
    return a - b;
}

LONG NTAPI MathSum(LONG count, const LONG *values)
{
    LONG sum = 0;
    LONG i;
    for (i = 0; i < count; i++)
        sum += values[i];
    return sum;
}
