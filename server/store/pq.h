/*
 * pq.h — libpq, loaded only when a postgres:// URL is opened (pq.c).
 *
 * jobd on SQLite never maps libpq and what it pulls in (OpenSSL, Kerberos,
 * LDAP: over 2 MB of resident pages per process), so the binary is not
 * linked with -lpq. The PostgreSQL driver (store_pg.c, store_pg_conn.c)
 * includes this header instead of <libpq-fe.h>: it declares the types as
 * usual and turns every libpq function the driver calls into a call through
 * a pointer that pq_load() fills from libpq.so.5. A call before pq_load()
 * succeeded is a bug (a NULL pointer).
 *
 * How to call another libpq function: add it to PQ_FUNCS and to the
 * redirects below, nowhere else.
 */
#ifndef JOBD_PQ_H
#define JOBD_PQ_H

#include <libpq-fe.h>

#include "common/err.h"

#define PQ_SONAME "libpq.so.5"

#define PQ_FUNCS(X)                                                                       \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) X(PQconsumeInput)     \
	X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQfinish)            \
	X(PQfreemem) X(PQgetisnull) X(PQgetvalue) X(PQnfields) X(PQnotifies) X(PQntuples)    \
	X(PQprepare) X(PQreset) X(PQresultErrorField) X(PQresultErrorMessage)                \
	X(PQresultStatus) X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus)                   \
	X(PQtransactionStatus) X(PQunescapeBytea)

struct pq_funcs {
#define PQ_MEMBER(name) __typeof__(&name) name;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
};
extern struct pq_funcs pq;

/* Loads libpq once for the whole process (thread-safe); 0, or -1 with err
 * naming the library and dlopen's reason. */
int pq_load(char *err);

/* The redirects: PQexec(...) calls (pq.PQexec)(...). A macro is not
 * expanded again inside its own expansion, so pq.PQexec stays a member. */
#ifndef PQ_NO_REDIRECT
#define PQclear pq.PQclear
#define PQcmdStatus pq.PQcmdStatus
#define PQcmdTuples pq.PQcmdTuples
#define PQconnectdbParams pq.PQconnectdbParams
#define PQconsumeInput pq.PQconsumeInput
#define PQerrorMessage pq.PQerrorMessage
#define PQexec pq.PQexec
#define PQexecParams pq.PQexecParams
#define PQexecPrepared pq.PQexecPrepared
#define PQfinish pq.PQfinish
#define PQfreemem pq.PQfreemem
#define PQgetisnull pq.PQgetisnull
#define PQgetvalue pq.PQgetvalue
#define PQnfields pq.PQnfields
#define PQnotifies pq.PQnotifies
#define PQntuples pq.PQntuples
#define PQprepare pq.PQprepare
#define PQreset pq.PQreset
#define PQresultErrorField pq.PQresultErrorField
#define PQresultErrorMessage pq.PQresultErrorMessage
#define PQresultStatus pq.PQresultStatus
#define PQsetNoticeProcessor pq.PQsetNoticeProcessor
#define PQsocket pq.PQsocket
#define PQstatus pq.PQstatus
#define PQtransactionStatus pq.PQtransactionStatus
#define PQunescapeBytea pq.PQunescapeBytea
#endif

#endif
