/*
 * phys.c — physical memory requests. HwMapPhysical maps the caller's physical range with
 * MmMapIoSpace and copies it out; HwReadPhysical maps a view of \Device\PhysicalMemory.
 * Neither checks the address: any user-mode program can read any physical memory.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

NTSTATUS HwMapPhysical(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG outLen = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PHYSICAL_ADDRESS pa;
    PVOID va;
    ULONG n;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_PHYS_REQUEST))
        return STATUS_INVALID_PARAMETER;
    pa.QuadPart = (LONGLONG)req->Address;
    n = req->Length < outLen ? req->Length : outLen;
    va = MmMapIoSpace(pa, req->Length, MmNonCached);
    if (va == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, va, n);
    MmUnmapIoSpace(va, req->Length);
    Irp->IoStatus.Information = n;
    return STATUS_SUCCESS;
}

NTSTATUS HwReadPhysical(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES oa;
    HANDLE section;
    PVOID object, base = NULL;
    LARGE_INTEGER offset;
    SIZE_T size;
    NTSTATUS status;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength != sizeof(HWTOOL_PHYS_REQUEST))
        return STATUS_INFO_LENGTH_MISMATCH;
    RtlInitUnicodeString(&name, L"\\Device\\PhysicalMemory");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    status = ZwOpenSection(&section, SECTION_MAP_READ, &oa);
    if (!NT_SUCCESS(status))
        return status;
    /* As vendor tools do: hold the section object (ObjectType NULL: any type) while the view exists. */
    status = ObReferenceObjectByHandle(section, SECTION_MAP_READ, NULL, KernelMode, &object, NULL);
    if (!NT_SUCCESS(status)) {
        ZwClose(section);
        return status;
    }
    offset.QuadPart = (LONGLONG)req->Address;
    size = req->Length;
    status = ZwMapViewOfSection(section, NtCurrentProcess(), &base, 0, 0, &offset, &size, ViewUnmap, 0, PAGE_READONLY);
    if (NT_SUCCESS(status)) {
        Irp->IoStatus.Information = 0;
        ZwUnmapViewOfSection(NtCurrentProcess(), base);
    }
    ObDereferenceObject(object);
    ZwClose(section);
    return status;
}

/*
 * HwMapMdl: "map a physical page" through an MDL — the driver describes its own pool page, then
 * overwrites the MDL's page frame with the caller's physical address and maps it.
 */
NTSTATUS HwMapMdl(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG outLen = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PVOID page, va;
    PMDL mdl;
    ULONG n;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_PHYS_REQUEST))
        return STATUS_INVALID_PARAMETER;
    page = ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, 'lMwH');
    if (page == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    mdl = IoAllocateMdl(page, PAGE_SIZE, FALSE, FALSE, NULL);
    if (mdl == NULL) {
        ExFreePoolWithTag(page, 'lMwH');
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(mdl);
    MmGetMdlPfnArray(mdl)[0] = (PFN_NUMBER)(req->Address >> PAGE_SHIFT);
    va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, NormalPagePriority);
    n = 0;
    if (va != NULL) {
        n = req->Length < outLen ? req->Length : outLen;
        if (n > PAGE_SIZE)
            n = PAGE_SIZE;
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, va, n);
        MmUnmapLockedPages(va, mdl);
    }
    IoFreeMdl(mdl);
    ExFreePoolWithTag(page, 'lMwH');
    Irp->IoStatus.Information = n;
    return va != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
