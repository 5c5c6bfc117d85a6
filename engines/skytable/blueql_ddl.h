// BlueQL for the ddl workload (core/schema_change.h): one statement per
// schema change, and the catalog read back through `inspect`.
//
// Mapping (Skytable 0.8, checked against skyd 0.8.0):
//   create_namespace  create space NS          drop_namespace  drop space NS
//   create_table      create model NS.T(id: string, null c: TYPE, ...)
//   add_columns       alter model NS.T add (c { type: TYPE, nullable: true }, ...)
//   drop_column       alter model NS.T remove c
//   drop_table        drop model NS.T
//   create_user       sysctl create user U with { password: ? }
//   drop_user         sysctl drop user U
// with text -> string, int -> sint64, bool -> bool. Each statement is one
// GNS event, written and fsynced before skyd replies.
// Catalog: `inspect global` (spaces, users), `inspect space NS` (models),
// `inspect model NS.T` (decl "{*id:String,?c:SInt64,...}"). The root user
// is skyd's own and is not listed.
//
// Thread-safety: stateless.
#ifndef CRASHLAB_ENGINES_SKYTABLE_BLUEQL_DDL_H_
#define CRASHLAB_ENGINES_SKYTABLE_BLUEQL_DDL_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema_change.h"
#include "core/status.h"
#include "engines/skytable/blueql.h"

namespace crashlab {
namespace blueql {

// Every schema change kind: Skytable has spaces, models and users.
std::vector<SchemaChangeKind> SchemaChangeKinds();

// The one statement of `change`; InvalidArgument for names that are not
// identifiers or types that are not text, int or bool.
Result<Statement> SchemaChangeStatement(const SchemaChange& change);

// Columns of an `inspect model` decl, key first: name -> "text", "int",
// "bool" (other types lowercased). BadInput when it is not a decl.
Result<std::vector<std::pair<std::string, std::string>>> ParseModelDecl(
    const std::string& decl);

// Runs one statement (a live connection, or a fake in tests).
using Send = std::function<Result<skyhash::Response>(const Statement&)>;

// The catalog as rows of the catalog pseudo-table, keyed by object.
Result<std::map<std::string, nlohmann::json>> ReadCatalog(const Send& send);

}  // namespace blueql
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SKYTABLE_BLUEQL_DDL_H_
