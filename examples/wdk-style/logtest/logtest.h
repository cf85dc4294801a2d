/* logtest.h: shared by the test driver's two files. */
#ifndef LOGTEST_H
#define LOGTEST_H
#include "../logger/logger.h"

DWORD LogTestRun(LHANDLE Handle, ULONG Rounds);
#endif
