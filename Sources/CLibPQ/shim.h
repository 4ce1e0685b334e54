#ifndef TENANTPLAN_CLIBPQ_SHIM_H
#define TENANTPLAN_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/*
 * The error fields that PostgresError reads with PQresultErrorField.
 *
 * libpq's PG_DIAG_* are character macros, which Swift does not import; these
 * constants are those very macros, so the C compiler keeps them equal.
 */
static const int TENANTPLAN_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int TENANTPLAN_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int TENANTPLAN_PG_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int TENANTPLAN_PG_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int TENANTPLAN_PG_DIAG_STATEMENT_POSITION = PG_DIAG_STATEMENT_POSITION;

#endif
