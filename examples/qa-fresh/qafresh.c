/*
 * qafresh.sys — lessons from a held-out set of real drivers, each on our own code:
 *   - a legacy port I/O driver (MyPortIO-style) claims its ports with IoReportResourceUsage
 *     before it touches them (ntddk.h): *ConflictDetected is FALSE for a free range; a second
 *     driver object claiming an overlapping range gets STATUS_CONFLICTING_ADDRESSES with
 *     *ConflictDetected TRUE unless it passes OverrideConflict; NULL lists release the claim;
 *     ConflictDetected NULL or DriverObject NULL is STATUS_INVALID_PARAMETER. Once claimed, the
 *     driver's own port accesses are inside its resources (no verifier port warning).
 *   - ksecdd.sys's CNG hashing works for x86 drivers too (x86 kprocesshacker.sys hashes at
 *     start): the handles BCryptOpenAlgorithmProvider / BCryptCreateHash return are pointer-sized
 *     (4 bytes on x86: the word after them is not touched); SHA-1 and MD5 of "abc" match
 *     FIPS 180-1's and RFC 1321's test vectors.
 *   - KeFlushIoBuffers is an x64 ntoskrnl export (wdm.h makes it an empty macro, but drivers
 *     declaring it themselves import it, as x64 storport.sys does): it flushes nothing on
 *     DMA-coherent x64 and leaves the MDL and its data as they were.
 * CM_RESOURCE_LIST / CM_PARTIAL_RESOURCE_DESCRIPTOR: wdm.h (#pragma pack(4)).
 */
#include <ntddk.h>
#include <bcrypt.h>
#include "../include/apitest.h"

#if defined(_M_AMD64)
/* Call the export itself, as a driver declaring it does (wdm.h's macro expands to nothing). */
#undef KeFlushIoBuffers
NTKERNELAPI VOID KeFlushIoBuffers(PMDL Mdl, BOOLEAN ReadOperation, BOOLEAN DmaOperation);
#endif

#define QF_TAG 'erFQ'
/* A port range nothing else in the default machine uses (docs/machine.md). */
#define QF_PORT 0x2e0
#define QF_PORT_LEN 8

static PDRIVER_OBJECT g_Driver;

static VOID NTAPI Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    g_Driver = DriverObject;
    DriverObject->DriverUnload = Unload;
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

/* One CM_RESOURCE_LIST with one port descriptor. */
static void PortList(PCM_RESOURCE_LIST list, ULONG port, ULONG length)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR d;
    RtlZeroMemory(list, sizeof(CM_RESOURCE_LIST));
    list->Count = 1;
    list->List[0].InterfaceType = Isa;
    list->List[0].BusNumber = 0;
    list->List[0].PartialResourceList.Version = 1;
    list->List[0].PartialResourceList.Revision = 1;
    list->List[0].PartialResourceList.Count = 1;
    d = &list->List[0].PartialResourceList.PartialDescriptors[0];
    d->Type = CmResourceTypePort;
    d->ShareDisposition = CmResourceShareDriverExclusive;
    d->Flags = CM_RESOURCE_PORT_IO;
    d->u.Port.Start.QuadPart = port;
    d->u.Port.Length = length;
}

int TestReportResourceUsage(void)
{
    int failures = 0;
    CM_RESOURCE_LIST mine, other;
    BOOLEAN conflict = TRUE;
    UNICODE_STRING cls;
    DRIVER_OBJECT fake;
    RtlInitUnicodeString(&cls, L"QaFresh");
    PortList(&mine, QF_PORT, QF_PORT_LEN);
    /* Invalid: no ConflictDetected, no driver object. */
    CHECK(IoReportResourceUsage(&cls, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, NULL) == STATUS_INVALID_PARAMETER);
    CHECK(IoReportResourceUsage(&cls, NULL, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_INVALID_PARAMETER);
    /* A free range: claimed, no conflict. */
    conflict = TRUE;
    CHECK(IoReportResourceUsage(&cls, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS);
    CHECK(conflict == FALSE);
    /* Claiming again replaces the driver's own claim: no conflict with itself. */
    CHECK(IoReportResourceUsage(NULL, g_Driver, &mine, sizeof(mine), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    /* The ports are the driver's now: its own accesses are inside its resources. */
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)QF_PORT, 0x5a);
    (void)READ_PORT_UCHAR((PUCHAR)(ULONG_PTR)(QF_PORT + 1));
    /* Another driver object overlapping the range: refused, unless it overrides. */
    RtlZeroMemory(&fake, sizeof(fake));
    fake.Type = IO_TYPE_DRIVER;
    fake.Size = sizeof(fake);
    PortList(&other, QF_PORT + 4, 2);
    conflict = FALSE;
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, FALSE, &conflict) == STATUS_CONFLICTING_ADDRESSES);
    CHECK(conflict == TRUE);
    conflict = FALSE;
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, TRUE, &conflict) == STATUS_SUCCESS);
    CHECK(conflict == TRUE);
    /* A range next to ours does not overlap. */
    PortList(&other, QF_PORT + QF_PORT_LEN, 2);
    CHECK(IoReportResourceUsage(&cls, &fake, &other, sizeof(other), NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    /* NULL lists release the claims. */
    CHECK(IoReportResourceUsage(&cls, &fake, NULL, 0, NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    CHECK(IoReportResourceUsage(&cls, g_Driver, NULL, 0, NULL, NULL, 0, FALSE, &conflict) == STATUS_SUCCESS && conflict == FALSE);
    return failures;
}

/* A port access with no claim at all: the verifier's port rule warns (the driver has no port resources). */
int PortsWithoutClaim(void)
{
    WRITE_PORT_UCHAR((PUCHAR)(ULONG_PTR)(QF_PORT + 2), 0x11);
    return 0;
}

/* A handle with a guard word right after it: an 8-byte store into a 4-byte handle clobbers it. */
typedef struct _GUARDED_HANDLE {
    PVOID Handle;
    ULONG Guard;
} GUARDED_HANDLE;

static int HashAbc(PCWSTR algorithm, const UCHAR *expect, ULONG length)
{
    int failures = 0;
    GUARDED_HANDLE alg = { NULL, 0xA5A5A5A5 }, hash = { NULL, 0x5A5A5A5A };
    ULONG digestLength = 0, got = 0;
    UCHAR digest[64];
    CHECK(BCryptOpenAlgorithmProvider((BCRYPT_ALG_HANDLE *)&alg.Handle, algorithm, NULL, 0) == STATUS_SUCCESS && alg.Handle != NULL);
    CHECK(alg.Guard == 0xA5A5A5A5);
    if (!alg.Handle) return failures + 1;
    CHECK(BCryptGetProperty(alg.Handle, BCRYPT_HASH_LENGTH, (PUCHAR)&digestLength, sizeof(digestLength), &got, 0) == STATUS_SUCCESS);
    CHECK(digestLength == length && got == sizeof(ULONG));
    CHECK(BCryptCreateHash(alg.Handle, (BCRYPT_HASH_HANDLE *)&hash.Handle, NULL, 0, NULL, 0, 0) == STATUS_SUCCESS && hash.Handle != NULL);
    CHECK(hash.Guard == 0x5A5A5A5A);
    if (hash.Handle) {
        CHECK(BCryptHashData(hash.Handle, (PUCHAR)"a", 1, 0) == STATUS_SUCCESS);
        CHECK(BCryptHashData(hash.Handle, (PUCHAR)"bc", 2, 0) == STATUS_SUCCESS);
        CHECK(BCryptFinishHash(hash.Handle, digest, length + 1, 0) == STATUS_INVALID_PARAMETER);
        CHECK(BCryptFinishHash(hash.Handle, digest, length, 0) == STATUS_SUCCESS);
        CHECK(RtlCompareMemory(digest, expect, length) == length);
        CHECK(BCryptDestroyHash(hash.Handle) == STATUS_SUCCESS);
    }
    CHECK(BCryptCloseAlgorithmProvider(alg.Handle, 0) == STATUS_SUCCESS);
    CHECK(BCryptCloseAlgorithmProvider(alg.Handle, 0) == STATUS_INVALID_HANDLE);
    return failures;
}

int TestCngHash(void)
{
    /* FIPS 180-1 appendix A: SHA-1("abc"); RFC 1321 appendix A.5: MD5("abc"). */
    static const UCHAR sha1[20] = {
        0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
        0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d,
    };
    static const UCHAR md5[16] = {
        0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0, 0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72,
    };
    return HashAbc(BCRYPT_SHA1_ALGORITHM, sha1, sizeof(sha1)) + HashAbc(BCRYPT_MD5_ALGORITHM, md5, sizeof(md5));
}

int TestFlushIoBuffers(void)
{
    int failures = 0;
    PUCHAR buffer = (PUCHAR)ExAllocatePoolWithTag(NonPagedPool, 0x1800, QF_TAG);
    PMDL mdl;
    CSHORT flags;
    ULONG i;
    CHECK(buffer != NULL);
    if (!buffer) return failures;
    for (i = 0; i < 0x1800; i++) buffer[i] = (UCHAR)(i * 7);
    mdl = IoAllocateMdl(buffer, 0x1800, FALSE, FALSE, NULL);
    CHECK(mdl != NULL);
    if (mdl) {
        MmBuildMdlForNonPagedPool(mdl);
        flags = mdl->MdlFlags;
        KeFlushIoBuffers(mdl, TRUE, TRUE);
        KeFlushIoBuffers(mdl, FALSE, TRUE);
        CHECK(mdl->MdlFlags == flags && mdl->ByteCount == 0x1800 && MmGetMdlVirtualAddress(mdl) == buffer);
        for (i = 0; i < 0x1800; i++)
            if (buffer[i] != (UCHAR)(i * 7)) break;
        CHECK(i == 0x1800);
        IoFreeMdl(mdl);
    }
    ExFreePoolWithTag(buffer, QF_TAG);
    return failures;
}
