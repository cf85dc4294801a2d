/* pool.c: vmlib's pool blocks (ExAllocatePool2 from the Windows 10 WDK). */
#include "vmlib_internal.h"

PVMLIB_BLOCK VmlibAllocateBlock(void)
{
    PVMLIB_BLOCK block = (PVMLIB_BLOCK)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(VMLIB_BLOCK), VMLIB_POOL_TAG);
    if (block != NULL) InterlockedBitTestAndSet(&VmlibFlags, 1);
    return block;
}

NTSTATUS VmlibFillBlock(struct _VMLIB_BLOCK *Block, ULONG Seed)
{
    ULONG i;
    if (Block->Values[0] != 0) return STATUS_INVALID_PARAMETER;   /* ExAllocatePool2 zeroes */
    for (i = 0; i < 4; i++) Block->Values[i] = Seed * (i + 1);
    KeMemoryBarrier();
    Block->Magic = 'kolB';
    return STATUS_SUCCESS;
}

VOID VmlibFreeBlock(PVMLIB_BLOCK Block)
{
    InterlockedBitTestAndReset(&VmlibFlags, 1);
    ExFreePoolWithTag(Block, VMLIB_POOL_TAG);
}
