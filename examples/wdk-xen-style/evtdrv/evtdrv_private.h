#ifndef EVTDRV_PRIVATE_H
#define EVTDRV_PRIVATE_H

#include "evtcommon.h"
#include "evttrace.h"
#include "evtdrv_msgs.h"

#endif
