/* logger_internal.h: shared by the library's two files. */
#ifndef LOGGER_INTERNAL_H
#define LOGGER_INTERNAL_H
#include "logger.h"

#define LOG_RING_SIZE 256
#define LOG_TAG 'gLmK'

BOOLEAN RingPut(const char *Text, DWORD Length);
DWORD RingUsed(void);
VOID RingReset(void);
#endif
