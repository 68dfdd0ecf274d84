// libpq, loaded on first use: linked, it and what it pulls in (Kerberos,
// LDAP, GnuTLS…) would add ~3.5 ms to every start of `cordon`, for the few
// commands that ever talk to PostgreSQL.
#pragma once

#include <libpq-fe.h>

#include "core/result.h"

namespace cordon::source {

// Every libpq function cordon calls. Each member has the type of the real
// declaration in libpq-fe.h (decltype), so a signature cannot drift.
// NOLINTBEGIN(bugprone-macro-parentheses): `name` is an identifier.
// clang-format off: one function a line, in alphabetical order.
#define CORDON_LIBPQ_FUNCTIONS(X) \
  X(PQcancel)                     \
  X(PQclear)                      \
  X(PQcmdStatus)                  \
  X(PQconnectdbParams)            \
  X(PQconninfoFree)               \
  X(PQconninfoParse)              \
  X(PQdb)                         \
  X(PQdescribePrepared)           \
  X(PQerrorMessage)               \
  X(PQescapeIdentifier)           \
  X(PQescapeLiteral)              \
  X(PQexec)                       \
  X(PQexecParams)                 \
  X(PQfinish)                     \
  X(PQfreeCancel)                 \
  X(PQfreemem)                    \
  X(PQftype)                      \
  X(PQgetCancel)                  \
  X(PQgetCopyData)                \
  X(PQgetResult)                  \
  X(PQgetvalue)                   \
  X(PQnfields)                    \
  X(PQntuples)                    \
  X(PQparameterStatus)            \
  X(PQprepare)                    \
  X(PQputCopyData)                \
  X(PQputCopyEnd)                 \
  X(PQresultErrorField)           \
  X(PQresultStatus)               \
  X(PQsendQuery)                  \
  X(PQstatus)
// clang-format on

// Call sites read `Pq().PQexec(conn, sql)`: the real name stays visible (and
// greppable, and documented by libpq's manual), and the indirection shows.
// Macros named like the functions would keep call sites unchanged but hide
// that indirection, and break `&PQfreemem` and `decltype`.
struct LibPq {
#define CORDON_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  CORDON_LIBPQ_FUNCTIONS(CORDON_LIBPQ_MEMBER)
#undef CORDON_LIBPQ_MEMBER
};
// NOLINTEND(bugprone-macro-parentheses)

// Loads libpq.so.5 and binds every function, on the first call only
// (thread-safe); later calls return the same outcome. kNotFound, with the
// package to install as hint, when libpq is not installed; kUnsupported
// when it lacks a function. Every entry point (ParsePgUrl, ConnectPg) calls
// it first and returns its error.
Status LoadLibPq();

// The functions, once LoadLibPq() has succeeded. Calling it when libpq
// could not be loaded aborts: an entry point forgot LoadLibPq().
const LibPq& Pq();

}  // namespace cordon::source
