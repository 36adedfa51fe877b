#pragma once
// PostgreSQL for the server suites: the cluster that ctest's fixture "pg" starts
// (scripts/pg-cluster.sh, see tests/CMakeLists.txt) is named by EDGECART_TEST_PG, a libpq
// "host=DIR user=edgecart" string. Run outside ctest without it, the PostgreSQL cases skip.

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <functional>
#include <string>

namespace edgecart::testing {

inline const char* testPg() {
  const char* pg = std::getenv("EDGECART_TEST_PG");
  return pg && *pg ? pg : nullptr;
}

// A database of the test cluster for `tag` (created empty the first time; the same one for the
// same tag): its libpq connection string.
inline std::string pgDatabase(const std::string& tag) {
  const std::string base = testPg();
  const std::string name = "t" + std::to_string(std::hash<std::string>{}(tag));
  PGconn* c = PQconnectdb((base + " dbname=postgres").c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot reach the test cluster: " << PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && !(state && std::string(state) == "42P04")) {
      ADD_FAILURE() << "CREATE DATABASE " << name << ": " << PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  PQfinish(c);
  return base + " dbname=" + name;
}

// Runs `sql` on `conninfo`; the first column of the first row ("" if none).
inline std::string pgQuery(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  else if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return out;
}

}  // namespace edgecart::testing
