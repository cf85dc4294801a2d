/*
 * bad-malloc.sys — an export driver written like a user-mode DLL: it allocates with the C
 * runtime's malloc/free, which live in msvcrt.dll, a user-mode DLL the kernel cannot load.
 */
#include <ntddk.h>

void *__cdecl malloc(size_t size);
void __cdecl free(void *p);

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

/* Returns a copy of the buffer (the caller frees it with ReleaseBuffer... which does not exist). */
void *DuplicateBuffer(const void *data, size_t size)
{
    void *copy = malloc(size);
    if (copy == NULL)
        return NULL;
    RtlCopyMemory(copy, data, size);
    if (size == 0) {
        free(copy);
        return NULL;
    }
    return copy;
}
