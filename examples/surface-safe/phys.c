/*
 * phys.c — physical memory requests of the safe HwTool: the caller chooses only an offset and a
 * length inside the device's register window (HWTOOL_BAR_BASE, HWTOOL_BAR_SIZE); anything else
 * is refused before a mapping is made.
 */
#include <ntddk.h>
#include "../include/hwtool.h"

static BOOLEAN InWindow(const HWTOOL_PHYS_REQUEST *req)
{
    return req->Length != 0 && req->Length <= HWTOOL_BAR_SIZE && req->Address <= HWTOOL_BAR_SIZE - req->Length;
}

NTSTATUS HwMapPhysical(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG outLen = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PHYSICAL_ADDRESS pa;
    PUCHAR va;
    ULONG n;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_PHYS_REQUEST) || !InWindow(req))
        return STATUS_INVALID_PARAMETER;
    pa.QuadPart = (LONGLONG)HWTOOL_BAR_BASE;
    n = req->Length < outLen ? req->Length : outLen;
    va = (PUCHAR)MmMapIoSpace(pa, HWTOOL_BAR_SIZE, MmNonCached);
    if (va == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, va + req->Address, n);
    MmUnmapIoSpace(va, HWTOOL_BAR_SIZE);
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
    SIZE_T size = HWTOOL_BAR_SIZE;
    NTSTATUS status;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength != sizeof(HWTOOL_PHYS_REQUEST) || !InWindow(req))
        return STATUS_INVALID_PARAMETER;
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
    offset.QuadPart = (LONGLONG)HWTOOL_BAR_BASE;
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
 * HwMapMdl: maps the driver's own pool page through an MDL (its page frames untouched) and
 * returns the part of it the caller asks for, within the page.
 */
NTSTATUS HwMapMdl(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    HWTOOL_PHYS_REQUEST *req = (HWTOOL_PHYS_REQUEST *)Irp->AssociatedIrp.SystemBuffer;
    ULONG outLen = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR page, va;
    PMDL mdl;
    ULONG n;

    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HWTOOL_PHYS_REQUEST) || req->Length == 0 ||
        req->Length > PAGE_SIZE || req->Address > PAGE_SIZE - req->Length)
        return STATUS_INVALID_PARAMETER;
    page = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, PAGE_SIZE, 'lMwH');
    if (page == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(page, PAGE_SIZE);
    mdl = IoAllocateMdl(page, PAGE_SIZE, FALSE, FALSE, NULL);
    if (mdl == NULL) {
        ExFreePoolWithTag(page, 'lMwH');
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(mdl);
    va = (PUCHAR)MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmNonCached, NULL, FALSE, NormalPagePriority);
    n = 0;
    if (va != NULL) {
        n = req->Length < outLen ? req->Length : outLen;
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, va + req->Address, n);
        MmUnmapLockedPages(va, mdl);
    }
    IoFreeMdl(mdl);
    ExFreePoolWithTag(page, 'lMwH');
    Irp->IoStatus.Information = n;
    return va != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
