#include "kdll.h"

LONG KdllTimes(LONG a, LONG b)
{
    return a * b;
}
