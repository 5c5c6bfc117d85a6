// BlueQL for crashlab's data model: Schema -> DDL, Mutation -> statement,
// select-all reply -> Rows. Pure functions, no I/O.
//
// Mapping (Skytable 0.8; see engines/skytable/testdata/transcript.json):
//   every table        model auth.<table> in space `auth`; the key column
//                      first (Skytable's primary key), then the columns in
//                      declared order: text -> string, int -> uint64 (the
//                      auth workload never stores a negative int; a negative
//                      value is refused before anything is sent),
//                      bool -> bool. Names must be identifiers and not
//                      BlueQL reserved words (key, value, type, limit, ...).
//   insert             insert into auth.t(?, ?, ...): every column, key
//                      first, all parameters
//   update             update auth.t set c = ?, ... where key = ?
//   increment          set c += ? (c -= ? with the magnitude when the delta
//                      is negative)
//   delete             delete from auth.t where key = ?
//   dump               select all * from auth.t limit ? (kDumpLimit; a
//                      reply that reaches the limit is refused as truncated)
// Values are never inlined: the 0.8 lexer rejects literals from the network.
//
// Thread-safety: stateless.
#ifndef CRASHLAB_ENGINES_SKYTABLE_BLUEQL_H_
#define CRASHLAB_ENGINES_SKYTABLE_BLUEQL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/data_model.h"
#include "core/status.h"
#include "engines/skytable/skyhash.h"

namespace crashlab {
namespace blueql {

inline constexpr char kSpace[] = "auth";
inline constexpr uint64_t kDumpLimit = 1000000000;

struct Statement {
  std::string query;
  std::vector<skyhash::Param> params;
};

// True for words the BlueQL 0.8 lexer turns into keywords or literals
// (case-insensitive), which therefore cannot name a model or a field.
bool IsReserved(std::string_view word);
// Ok when `name` can name a model or field: [A-Za-z][A-Za-z0-9_]*, not
// reserved. InvalidArgument naming `what` otherwise.
Status CheckIdentifier(std::string_view name, std::string_view what);

// `create space [if not exists] auth`, then one `create model ...` per table
// (none for a schema of the catalog pseudo-table alone: the ddl workload).
Result<std::vector<std::string>> SchemaDdl(const Schema& schema,
                                           bool if_not_exists);

struct SetClause {
  enum class Op : uint8_t { kAssign, kAdd, kSubtract };
  std::string column;
  Op op = Op::kAssign;
  skyhash::Param value;
};
// update auth.<table> set <c> = ?, <d> += ? where <key_column> = ?
Statement UpdateStatement(const TableSchema& table, const std::string& key,
                          const std::vector<SetClause>& sets);

// The one statement applying `m`; InvalidArgument when `m` does not fit the
// schema or Skytable's types (nothing should be sent then).
Result<Statement> MutationStatement(const Schema& schema, const Mutation& m);

Statement DumpStatement(const TableSchema& table, uint64_t limit = kDumpLimit);
// Adds the rows of a reply to DumpStatement(table, limit) to (*rows)[table]:
// key column as a string, ints as JSON numbers, bools as JSON bools. Engine
// error for an error reply, a wrong shape, a type that does not match the
// schema, a duplicate key, text that is not UTF-8, or `limit` rows.
Status AddDumpRows(const TableSchema& table, const skyhash::Response& reply,
                   uint64_t limit, Rows* rows);

}  // namespace blueql
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_BLUEQL_H_
