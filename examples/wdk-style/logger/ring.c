/* ring.c: the library's byte ring (the messages' text, oldest overwritten first). */
#include "logger_internal.h"

static char Ring[LOG_RING_SIZE];
static DWORD Head;
static DWORD Used;

VOID RingReset(void)
{
    Head = 0;
    Used = 0;
}

BOOLEAN RingPut(const char *Text, DWORD Length)
{
    DWORD i;
    if (Length >= LOG_RING_SIZE)
        return FALSE;
    for (i = 0; i < Length; i++) {
        Ring[Head] = Text[i];
        Head = (Head + 1) % LOG_RING_SIZE;
    }
    Used = Used + Length > LOG_RING_SIZE ? LOG_RING_SIZE : Used + Length;
    return TRUE;
}

DWORD RingUsed(void)
{
    return Used;
}
