// The `ddl` workload: a migration's schema changes, engine-neutral, so a
// crash in the middle of one can be judged on every engine that runs DDL
// (SQLite and PostgreSQL: transactional DDL; Skytable: GNS events).
//
// Operations, each one logical op (one transaction where the engine's DDL
// is transactional, else one statement per change):
//   create_namespace  a namespace (when the engine has them)
//   create_table      a table with a text key and 1-3 columns
//   add_columns       1-2 nullable columns to a table
//   drop_column       a non-key column of a table
//   drop_table        a table (tables hold no rows: schema-level only)
//   migration         create a table AND add a column to another one
//   drop_namespace    an empty namespace
//   create_user, drop_user   (when the engine has users)
// Only changes the engine declares (Engine::SchemaChanges()) are issued.
// Names are unique over the run (ns1, t2, c3, u4), so every catalog value
// was written by exactly one operation.
//
// Expected effects are schema-level, on the catalog pseudo-table
// (core/schema_change.h): after recovery a table exists with every column
// it was given or not at all, a column exists with its type or not at all.
// The model is the catalog, moved on by Complete() and replaced by
// Rebase() after a crash. Deterministic for a seed. Not thread-safe.
#ifndef CRASHLAB_WORKLOADS_DDL_H_
#define CRASHLAB_WORKLOADS_DDL_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/schema_change.h"
#include "workloads/workload.h"

namespace crashlab {

class DdlWorkload : public Workload {
 public:
  DdlWorkload(uint64_t seed, const std::vector<SchemaChangeKind>& supported);

  // The catalog pseudo-table: key "object", column "type".
  static Schema MakeSchema();

  std::string name() const override { return "ddl"; }
  const Schema& schema() const override { return schema_; }
  LogicalOp Next(uint64_t process = 0) override;
  void Complete(const LogicalOp& op, bool applied) override;
  void Rebase(const Rows& rows) override;

  // Catalog mutations (inserts and deletes of catalog rows) that `change`
  // makes to `catalog`: how effects are computed. Exposed for tests.
  static std::vector<Mutation> CatalogMutations(const Rows& catalog,
                                                const SchemaChange& change);

 private:
  struct TableRef {
    std::string ns, table;
    std::vector<std::string> columns;  // non-key
  };
  bool Supports(SchemaChangeKind k) const { return supported_.count(k) > 0; }
  std::vector<std::string> Namespaces() const;
  std::vector<TableRef> Tables() const;
  std::vector<std::string> Users() const;
  std::vector<std::string> Possible(const std::vector<TableRef>& tables,
                                    const std::vector<std::string>& ns) const;
  SchemaChange CreateTable(const std::vector<std::string>& namespaces);
  SchemaChange AddColumns(const TableRef& t);
  std::string NewName(const char* prefix);
  LogicalOp Make(const std::string& f, std::vector<SchemaChange> changes,
                 uint64_t process);

  Schema schema_;
  std::set<SchemaChangeKind> supported_;
  Rng rng_;
  Rows model_;  // the catalog
  uint64_t next_id_ = 1;
  uint64_t next_name_ = 1;
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_DDL_H_
