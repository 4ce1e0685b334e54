#ifndef TENANTPLAN_CLIBPQ_SHIM_H
#define TENANTPLAN_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
