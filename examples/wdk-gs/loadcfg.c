/*
 * The load-config directory (IMAGE_LOAD_CONFIG_DIRECTORY64 / IMAGE_LOAD_CONFIG_DIRECTORY32,
 * winnt.h): the linker points the LOAD_CONFIG data directory at the symbol _load_config_used.
 * Only the fields up to SecurityCookie matter to a driver (offset 0x58 on x64, 0x3C on x86); the
 * rest stay zero. The pointer-sized fields are ULONG_PTR; the 32-bit structure has
 * ProcessHeapFlags before ProcessAffinityMask, the 64-bit one after.
 */
#include "wdkgs.h"

typedef struct _WDKGS_LOAD_CONFIG {
    ULONG Size;
    ULONG TimeDateStamp;
    USHORT MajorVersion;
    USHORT MinorVersion;
    ULONG GlobalFlagsClear;
    ULONG GlobalFlagsSet;
    ULONG CriticalSectionDefaultTimeout;
    ULONG_PTR DeCommitFreeBlockThreshold;
    ULONG_PTR DeCommitTotalFreeThreshold;
    ULONG_PTR LockPrefixTable;
    ULONG_PTR MaximumAllocationSize;
    ULONG_PTR VirtualMemoryThreshold;
#ifdef _WIN64
    ULONG_PTR ProcessAffinityMask;
    ULONG ProcessHeapFlags;
#else
    ULONG ProcessHeapFlags;
    ULONG_PTR ProcessAffinityMask;
#endif
    USHORT CSDVersion;
    USHORT DependentLoadFlags;
    ULONG_PTR EditList;
    ULONG_PTR SecurityCookie;   /* offset 0x58 (x64), 0x3C (x86) */
    ULONG_PTR SEHandlerTable;
    ULONG_PTR SEHandlerCount;
} WDKGS_LOAD_CONFIG;

C_ASSERT(FIELD_OFFSET(WDKGS_LOAD_CONFIG, SecurityCookie) == (sizeof(ULONG_PTR) == 8 ? 0x58 : 0x3C));

const WDKGS_LOAD_CONFIG _load_config_used = {
    sizeof(WDKGS_LOAD_CONFIG), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    (ULONG_PTR)&__security_cookie, 0, 0,
};
