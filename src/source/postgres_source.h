// A PostgreSQL database as a source of tables (`--source postgresql://…`):
// one REPEATABLE READ, READ ONLY transaction for the whole run (every table
// from one snapshot), and each table read with
// `COPY (SELECT "a", "b" FROM "schema"."t") TO STDOUT` — the columns asked
// for and no other, never `SELECT *` — streamed row by row from libpq
// (memory does not grow with the table). Values as the server renders them
// in text (dates ISO, timestamps UTC-independent, floats shortest
// round-trip), NULL as the empty field; bytea is refused when read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "source/postgres_conn.h"
#include "source/table_source.h"

namespace cordon::source {

// Tables: the ordinary and partitioned tables of every schema but the
// system ones; a table of schema `public` is named by its name
// ("patients"), any other by "schema.table" ("lis.patients"). Views are not
// offered (their code would run).
// Not thread-safe: one thread uses a source and its readers, which must not
// outlive it; one reader at a time (a COPY holds the connection), and a
// reader dropped before its end cancels its COPY.
//
// A `where` is pushed down (`ReadFiltered`) on columns whose SQL comparison
// is cordon's (TableShape::compares): text and varchar on a UTF-8 database
// (compared COLLATE "C"), smallint/integer/bigint, date. Literals are
// quoted by libpq (PQescapeLiteral: COPY takes no bound parameters).
// A `follow` is pushed as a semi-join against the parent's pushed filter
// (SemiJoin). CORDON_PUSHDOWN=off in the environment turns pushdown off
// (to compare).
// So that counts stay those of a full read, a filtered table's rows are
// counted (`SELECT count(*)`) in the same snapshot, exported to a second
// connection that counts while the COPY streams.
// Rows come in COPY's binary format when every column read is of a type it
// renders exactly as the text format (text, varchar, bpchar, integers,
// date, boolean: postgres_copy.h), in the text format otherwise;
// CORDON_PG_COPY=text forces the text format (to compare).
class PostgresSource final : public TableSource, private SqlQuoting {
 public:
  // Refuses a URL with a password (postgres_conn.h) before connecting.
  static Result<std::unique_ptr<PostgresSource>> Open(const std::string& url);
  ~PostgresSource() override;
  PostgresSource(const PostgresSource&) = delete;
  PostgresSource& operator=(const PostgresSource&) = delete;

  const std::vector<SourceTable>& tables() const override { return tables_; }
  // Columns from pg_attribute, each with its type notion (PgTypeNotion).
  Result<TableShape> Shape(const SourceTable& table) const override;
  Result<std::unique_ptr<RowReader>> ReadColumns(const SourceTable& table,
                                                 const std::vector<size_t>& columns) const override;
  std::string Statement(const SourceTable& table, const TableShape& shape,
                        const std::vector<size_t>& columns) const override;
  const SqlQuoting* Quoting() const override { return pushdown_ ? this : nullptr; }
  Result<std::unique_ptr<RowReader>> ReadFiltered(const SourceTable& table,
                                                  const std::vector<size_t>& columns,
                                                  const PushedFilter& filter) const override;
  std::string FilteredStatement(const SourceTable& table, const TableShape& shape,
                                const std::vector<size_t>& columns,
                                const PushedFilter& filter) const override;

 private:
  struct Columns {
    std::vector<std::string> names, typnames;
  };
  PostgresSource() = default;
  std::string Identifier(std::string_view name) const override;
  std::optional<std::string> TextLiteral(std::string_view text) const override;
  // `follow` as `fk IN (SELECT key FROM parent WHERE …)`, empty keys
  // matched as cordon matches them; between two columns of one kind.
  std::optional<SqlCondition> SemiJoin(const SemiJoinSpec& spec) const override;
  const std::string& Oid(const SourceTable& table) const;
  // The types of `select`'s result columns (PgBuiltinTypeName of each
  // OID), read under the table's lock.
  Result<std::vector<std::string>> ResultTypes(const std::string& select,
                                               const std::string& where) const;
  // Refuses a table truncated or rewritten since the snapshot (its rows
  // would read as none).
  Status CheckNotRewritten(const SourceTable& table, const std::string& where) const;
  // " TO STDOUT", with "(FORMAT binary)" when the columns allow it.
  std::string CopyTo(const TableShape& shape, const std::vector<size_t>& columns) const;
  Result<Columns> ReadCatalog(const SourceTable& table) const;
  // The connection that counts a table's rows while its filtered COPY
  // streams on the main one: the same snapshot (exported), another server
  // process. Null when it could not be opened (the count then runs first,
  // on the main connection).
  PGconn* CountConnection() const;

  PgUrl url_;
  PgConn conn_;
  std::vector<SourceTable> tables_;  // path: the quoted "schema"."table"
  std::vector<std::string> oids_;    // parallel to tables_
  mutable bool reading_ = false;     // a reader's COPY holds the connection
  bool pushdown_ = true;
  bool binary_copy_ = true;
  std::string snapshot_;  // exported at Open, for the counting connection
  mutable PgConn count_conn_;
  mutable bool count_conn_tried_ = false;
  bool utf8_ = false;  // server_encoding is UTF8
};

}  // namespace cordon::source
