/*
 * ExAllocatePool2 / ExAllocatePool3 and POOL_FLAG_* (WDK for Windows 10 2004+). mingw-w64 has
 * neither the declarations nor the import. These inline versions map the common flags onto
 * ExAllocatePoolWithTag (NonPagedPoolNx, PagedPool, NonPagedPool for EXECUTE) and zero the block
 * unless POOL_FLAG_UNINITIALIZED is given, as ExAllocatePool2 does; POOL_FLAG_RAISE_ON_FAILURE
 * raises STATUS_INSUFFICIENT_RESOURCES. So the image imports ExAllocatePoolWithTag, which every
 * Windows version exports, instead of ExAllocatePool2 (the WDK's POOL_ZERO_DOWNLEVEL_SUPPORT way).
 * Flag values: wdm.h of the Windows 10 WDK.
 */
#ifndef KMDLL_POOL2_H
#define KMDLL_POOL2_H
#ifndef POOL_FLAG_NON_PAGED
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START          0x0000000000000001ULL
#define POOL_FLAG_USE_QUOTA               0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED           0x0000000000000002ULL
#define POOL_FLAG_SESSION                 0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED           0x0000000000000008ULL
#define POOL_FLAG_RAISE_ON_FAILURE        0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED               0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE       0x0000000000000080ULL
#define POOL_FLAG_PAGED                   0x0000000000000100ULL
#define POOL_FLAG_SPECIAL_POOL            0x0000000000000200ULL
#define POOL_FLAG_OPTIONAL_START          0x0000000100000000ULL

typedef enum _POOL_EXTENDED_PARAMETER_TYPE { PoolExtendedParameterInvalidType = 0, PoolExtendedParameterPriority, PoolExtendedParameterSecurePool, PoolExtendedParameterNumaNode, PoolExtendedParameterMax } POOL_EXTENDED_PARAMETER_TYPE;
typedef struct _POOL_EXTENDED_PARAMETER { ULONG64 Type : 8; ULONG64 Optional : 1; ULONG64 Reserved : 55; union { ULONG64 Reserved2; PVOID Reserved3; EX_POOL_PRIORITY Priority; PVOID SecurePoolParams; ULONG PreferredNode; }; } POOL_EXTENDED_PARAMETER, *PPOOL_EXTENDED_PARAMETER;
typedef const POOL_EXTENDED_PARAMETER *PCPOOL_EXTENDED_PARAMETER;

static __inline__ PVOID kmdll_ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    POOL_TYPE type = (Flags & POOL_FLAG_PAGED) ? PagedPool : (Flags & POOL_FLAG_NON_PAGED_EXECUTE) ? NonPagedPool : (POOL_TYPE)512 /* NonPagedPoolNx */;
    PVOID p;
    if (Flags & POOL_FLAG_CACHE_ALIGNED) type = (POOL_TYPE)(type + 4); /* ...CacheAligned */
    p = ExAllocatePoolWithTag(type, NumberOfBytes, Tag);
    if (p == NULL) {
        if (Flags & POOL_FLAG_RAISE_ON_FAILURE) ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
        return NULL;
    }
    if (!(Flags & POOL_FLAG_UNINITIALIZED)) RtlZeroMemory(p, NumberOfBytes);
    return p;
}
#define ExAllocatePool2(f, n, t) kmdll_ExAllocatePool2((f), (n), (t))
#define ExAllocatePool3(f, n, t, params, count) kmdll_ExAllocatePool2((f), (n), (t))
#endif
#endif
