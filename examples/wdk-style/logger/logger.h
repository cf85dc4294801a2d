/* logger.h: the library's interface, included by the library and by its clients. */
#ifndef LOGGER_H
#define LOGGER_H
#include <ntddk.h>
#include <Ntstrsafe.h>   /* the WDK's ntstrsafe.h also declares DWORD */

typedef struct _LOG_HANDLE *LHANDLE;

LHANDLE LogOpen(const char *Name);
BOOLEAN LogPrint(LHANDLE Handle, const char *Message);
DWORD LogCount(void);
#endif
