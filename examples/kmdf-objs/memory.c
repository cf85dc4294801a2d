/* kmdfobjs: WDFMEMORY created by the driver (WdfMemoryCreate, WdfMemoryCreatePreallocated). */
#include "kmdfobjs.h"

static LONG CleanupCalls;
static EVT_WDF_OBJECT_CONTEXT_CLEANUP MemoryCleanup;
static VOID MemoryCleanup(WDFOBJECT Object)
{
    UNREFERENCED_PARAMETER(Object);
    CleanupCalls++;
}

/* Returns 0, or the number of the first check that failed. */
ULONG NTAPI TestMemory(VOID)
{
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFMEMORY memory, pre, plain;
    PUCHAR buffer;
    PVOID got;
    size_t size;
    UCHAR src[4] = { 0xde, 0xad, 0xbe, 0xef }, dst[4] = { 0 };
    UCHAR local[16], other[8];
    ULONG i;

    /* 1: a zero-sized buffer is refused. */
    if (WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, KMDFOBJS_TAG, 0, &memory, (PVOID *)&buffer) != STATUS_INVALID_PARAMETER) return 1;
    /* 2, 3: 64 bytes parented to the device, with a cleanup callback; GetBuffer gives the same buffer and size. */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = KmdfObjsDevice;
    attributes.EvtCleanupCallback = MemoryCleanup;
    buffer = NULL;
    if (!NT_SUCCESS(WdfMemoryCreate(&attributes, NonPagedPool, KMDFOBJS_TAG, 64, &memory, (PVOID *)&buffer)) || buffer == NULL) return 2;
    got = WdfMemoryGetBuffer(memory, &size);
    if (got != buffer || size != 64) return 3;
    for (i = 0; i < 64; i++) buffer[i] = (UCHAR)i;
    /* 4-6: copy into it: the last 4 bytes fit, one byte further does not, nor an offset at the end, nor 0 bytes. */
    if (!NT_SUCCESS(WdfMemoryCopyFromBuffer(memory, 60, src, 4)) || buffer[60] != 0xde || buffer[63] != 0xef || buffer[59] != 59) return 4;
    if (WdfMemoryCopyFromBuffer(memory, 61, src, 4) != STATUS_INVALID_BUFFER_SIZE) return 5;
    if (WdfMemoryCopyFromBuffer(memory, 64, src, 1) != STATUS_INVALID_BUFFER_SIZE || WdfMemoryCopyFromBuffer(memory, 0, src, 0) != STATUS_INVALID_PARAMETER) return 6;
    /* 7-9: copy out of it. */
    if (!NT_SUCCESS(WdfMemoryCopyToBuffer(memory, 60, dst, 4)) || RtlCompareMemory(dst, src, 4) != 4) return 7;
    if (WdfMemoryCopyToBuffer(memory, 64, dst, 1) != STATUS_BUFFER_TOO_SMALL) return 8;
    if (WdfMemoryCopyToBuffer(memory, 0, dst, 65) != STATUS_BUFFER_TOO_SMALL || WdfMemoryCopyToBuffer(memory, 1, dst, 0) != STATUS_INVALID_PARAMETER) return 9;

    /* 10-13: a preallocated WDFMEMORY describes the caller's buffer; AssignBuffer moves it. */
    RtlZeroMemory(local, sizeof(local));
    if (!NT_SUCCESS(WdfMemoryCreatePreallocated(WDF_NO_OBJECT_ATTRIBUTES, local, sizeof(local), &pre))) return 10;
    got = WdfMemoryGetBuffer(pre, &size);
    if (got != local || size != sizeof(local)) return 10;
    if (!NT_SUCCESS(WdfMemoryCopyFromBuffer(pre, 12, src, 4)) || local[12] != 0xde || local[15] != 0xef) return 11;
    if (!NT_SUCCESS(WdfMemoryAssignBuffer(pre, other, sizeof(other)))) return 12;
    got = WdfMemoryGetBuffer(pre, &size);
    if (got != other || size != sizeof(other) || WdfMemoryCopyFromBuffer(pre, 8, src, 1) != STATUS_INVALID_BUFFER_SIZE) return 12;
    if (WdfMemoryCreatePreallocated(WDF_NO_OBJECT_ATTRIBUTES, local, 0, &plain) != STATUS_INVALID_PARAMETER) return 13;

    /* 14, 15: attributes the framework rejects (FxValidateObjectAttributes). */
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.Size = sizeof(attributes) - 4;
    if (WdfMemoryCreate(&attributes, NonPagedPool, 0, 8, &plain, NULL) != STATUS_INFO_LENGTH_MISMATCH) return 14;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.SynchronizationScope = WdfSynchronizationScopeDevice;
    if (WdfMemoryCreate(&attributes, NonPagedPool, 0, 8, &plain, NULL) != (NTSTATUS)0xC0200210L) return 15; /* STATUS_WDF_SYNCHRONIZATION_SCOPE_INVALID */

    /* 16: deleting the memory runs its cleanup callback once. */
    WdfObjectDelete(memory);
    if (CleanupCalls != 1) return 16;
    /* 17: without a parent the driver owns it (deleted at unload); delete it now anyway. */
    if (!NT_SUCCESS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, PagedPool, 0, 4096, &plain, NULL))) return 17;
    if (WdfMemoryGetBuffer(plain, NULL) == NULL) return 17;
    WdfObjectDelete(plain);
    WdfObjectDelete(pre);
    return 0;
}

/* Bad input: a NULL handle pointer is a WDF_VIOLATION bug check (FxVerifierNullBugCheck). */
ULONG NTAPI BadMemoryNullOut(VOID)
{
    return (ULONG)WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, 16, NULL, NULL);
}

/* Bad input: WdfMemoryAssignBuffer on memory the framework allocated (not preallocated): WDF_VIOLATION. */
ULONG NTAPI BadAssignBuffer(VOID)
{
    WDFMEMORY memory;
    UCHAR other[8];
    if (!NT_SUCCESS(WdfMemoryCreate(WDF_NO_OBJECT_ATTRIBUTES, NonPagedPool, 0, 16, &memory, NULL))) return 1;
    return (ULONG)WdfMemoryAssignBuffer(memory, other, sizeof(other));
}

/*
 * A 12 KiB local buffer (a frame larger than a page: the compiler probes it with __chkstk — on
 * ARM64 with the size / 16 in x15) copied into a preallocated WDFMEMORY and summed back out of it.
 */
ULONG NTAPI LargeFrame(ULONG Seed)
{
    UCHAR local[12 * 1024];
    UCHAR out[64];
    WDFMEMORY memory;
    ULONG i, sum = Seed;
    for (i = 0; i < sizeof(local); i++) local[i] = (UCHAR)(Seed + i * 7);
    if (!NT_SUCCESS(WdfMemoryCreatePreallocated(WDF_NO_OBJECT_ATTRIBUTES, local, sizeof(local), &memory))) return 0;
    for (i = 0; i < sizeof(local); i += sizeof(out)) {
        if (!NT_SUCCESS(WdfMemoryCopyToBuffer(memory, i, out, sizeof(out)))) break;
        sum = sum * 31 + out[0];
    }
    WdfObjectDelete(memory);
    return sum;
}
