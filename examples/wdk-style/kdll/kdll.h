#ifndef KDLL_H
#define KDLL_H
#include <wdm.h>
LONG KdllSquare(LONG x);
LONG KdllTimes(LONG a, LONG b);
#endif
