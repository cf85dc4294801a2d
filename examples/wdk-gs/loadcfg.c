/*
 * The load-config directory (IMAGE_LOAD_CONFIG_DIRECTORY64, winnt.h): the linker points the
 * LOAD_CONFIG data directory at the symbol _load_config_used. Only the fields up to
 * SecurityCookie matter to a driver; the rest stay zero.
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
    ULONGLONG DeCommitFreeBlockThreshold;
    ULONGLONG DeCommitTotalFreeThreshold;
    ULONGLONG LockPrefixTable;
    ULONGLONG MaximumAllocationSize;
    ULONGLONG VirtualMemoryThreshold;
    ULONGLONG ProcessAffinityMask;
    ULONG ProcessHeapFlags;
    USHORT CSDVersion;
    USHORT DependentLoadFlags;
    ULONGLONG EditList;
    ULONGLONG SecurityCookie;   /* offset 0x58 */
    ULONGLONG SEHandlerTable;
    ULONGLONG SEHandlerCount;
} WDKGS_LOAD_CONFIG;

const WDKGS_LOAD_CONFIG _load_config_used = {
    sizeof(WDKGS_LOAD_CONFIG), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    (ULONGLONG)&__security_cookie, 0, 0,
};
