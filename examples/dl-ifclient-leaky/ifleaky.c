/* ifleaky.sys — ifclient with a bug: it never calls InterfaceDereference (a leak kmdll reports). */
#define IFCLIENT_FORGET_DEREFERENCE 1
#include "../dl-ifclient/ifclient.c"
