/* main.c: vmlib's entry points and exported routines. */
#include "VmLib_Internal.h"

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath)
{
    PVMLIB_BLOCK block;
    NTSTATUS status = STATUS_SUCCESS;

    UNREFERENCED_PARAMETER(RegistryPath);
    InterlockedBitTestAndSet(&VmlibFlags, 0);
    __nop();   /* an MSVC intrinsic clang leaves to the library (kmdll's support library) */
    block = VmlibAllocateBlock();
    if (block == NULL) return STATUS_INSUFFICIENT_RESOURCES;
    try {
        status = VmlibFillBlock(block, 7);
    } except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    DbgPrint("vmlib: DllInitialize (%s, tag %08lx): block %lu %lu, debugger %s\n", VMLIB_ARCH_NAME, (ULONG)VMLIB_POOL_TAG,
             block->Values[0], block->Values[3], *KdDebuggerEnabled ? "on" : "off");
    VmlibFreeBlock(block);
    return status;
}

NTSTATUS DllUnload(void)
{
    DbgPrint("vmlib: DllUnload after %lu calls\n", VmlibCallCount);
    return STATUS_SUCCESS;
}

int VmlibAdd(int a, int b)
{
    VmlibCallCount++;
    return a + b;
}

ULONG VmlibVersion(void)
{
    return VMLIB_VERSION;
}
