/*
 * dxgkrnl.sys and werkernel.sys in a booted system's module list, found the way public driver code
 * finds a module to hook (shaygitub/windows-rootkit KMDFdriver, the "nullhook" family):
 * SystemModuleInformation's FullPathName compared whole with strcmp, then an export resolved with
 * RtlFindExportedRoutineByName.
 */
#include "qamodules.h"
#include <string.h>

static const QA_RTL_PROCESS_MODULE_INFORMATION *FindModule(const QA_RTL_PROCESS_MODULES *mods, const char *path)
{
    ULONG i;
    for (i = 0; i < mods->NumberOfModules; i++)
        if (strcmp((const char *)mods->Modules[i].FullPathName, path) == 0)
            return &mods->Modules[i];
    return NULL;
}

__declspec(dllexport) ULONG TestDxgkrnlModuleList(void)
{
    ULONG failures = 0;
    ULONG length = 0;
    QA_RTL_PROCESS_MODULES *mods;
    const QA_RTL_PROCESS_MODULE_INFORMATION *dxg, *wer;
    PUCHAR routine;
    CHECK(ZwQuerySystemInformation(11, NULL, 0, &length) == STATUS_INFO_LENGTH_MISMATCH);
    CHECK(length > sizeof(QA_RTL_PROCESS_MODULES));
    mods = (QA_RTL_PROCESS_MODULES *)ExAllocatePoolWithTag(NonPagedPool, length, 'dmAQ');
    if (mods == NULL)
        return failures + 1;
    CHECK(ZwQuerySystemInformation(11, mods, length, &length) == STATUS_SUCCESS);
    dxg = FindModule(mods, "\\SystemRoot\\System32\\drivers\\dxgkrnl.sys");
    wer = FindModule(mods, "\\SystemRoot\\System32\\drivers\\werkernel.sys");
    CHECK(dxg != NULL);
    CHECK(wer != NULL);
    if (dxg != NULL) {
        CHECK(strcmp((const char *)dxg->FullPathName + dxg->OffsetToFileName, "dxgkrnl.sys") == 0);
        CHECK(dxg->ImageBase != NULL && dxg->ImageSize != 0);
        routine = (PUCHAR)RtlFindExportedRoutineByName(dxg->ImageBase, "NtQueryCompositionSurfaceStatistics");
        CHECK(routine != NULL && routine >= (PUCHAR)dxg->ImageBase && routine < (PUCHAR)dxg->ImageBase + dxg->ImageSize);
        CHECK(RtlFindExportedRoutineByName(dxg->ImageBase, "NoSuchDxgkrnlRoutine") == NULL);
    }
    ExFreePoolWithTag(mods, 'dmAQ');
    return failures;
}
