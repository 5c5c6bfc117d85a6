#include "engines/skytable/blueql.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace crashlab {
namespace blueql {

using nlohmann::json;
using skyhash::Cell;
using skyhash::CellType;
using skyhash::Param;

namespace {

// Keywords of the 0.8 lexer (server/src/engine/ql/lex/raw.rs), plus the
// literals it accepts inline.
constexpr std::string_view kReserved[] = {
    "sysctl",   "create",   "alter",  "drop",        "use",    "inspect",
    "describe", "insert",   "select", "update",      "delete", "exists",
    "table",    "model",    "space",  "index",       "type",   "function",
    "rename",   "add",      "remove", "transform",   "set",    "return",
    "order",    "sort",     "group",  "limit",       "asc",    "desc",
    "all",      "by",       "with",   "on",          "from",   "into",
    "as",       "to",       "in",     "of",          "and",    "or",
    "not",      "if",       "else",   "where",       "when",   "allow",
    "auto",     "default",  "null",   "transaction", "batch",  "lock",
    "read",     "write",    "begin",  "end",         "key",    "value",
    "primary",  "truncate", "true",   "false",
};

const char* TypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kText:
      return "string";
    case ColumnType::kInt:
      return "uint64";
    case ColumnType::kBool:
      return "bool";
  }
  return "?";
}

std::string Entity(const TableSchema& t) {
  return std::string(kSpace) + "." + t.name;
}

Status CheckTable(const TableSchema& t) {
  CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(t.name, "table"));
  CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(t.key, t.name + " key column"));
  for (const Column& c : t.columns) {
    CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.name, t.name + " column"));
  }
  return Status::Ok();
}

// The parameter carrying `v` into a column of type `type`.
Result<Param> ValueParam(const TableSchema& t, const Column& c, const json& v) {
  const std::string where = t.name + "." + c.name;
  switch (c.type) {
    case ColumnType::kText:
      if (!v.is_string()) {
        return Status::InvalidArgument(where + " is text; got " + v.dump());
      }
      return Param::String(v.get<std::string>());
    case ColumnType::kInt:
      if (v.is_number_unsigned()) return Param::Uint(v.get<uint64_t>());
      if (v.is_number_integer() && v.get<int64_t>() >= 0) {
        return Param::Uint(static_cast<uint64_t>(v.get<int64_t>()));
      }
      return Status::InvalidArgument(
          where + " is stored as uint64 in Skytable; cannot store " + v.dump());
    case ColumnType::kBool:
      if (!v.is_boolean()) {
        return Status::InvalidArgument(where + " is bool; got " + v.dump());
      }
      return Param::Bool(v.get<bool>());
  }
  return Status::InvalidArgument(where + ": unknown column type");
}

// Every key of `values` must be a (non-key) column of `t`.
Status CheckColumns(const TableSchema& t, const json& values,
                    const std::string& what) {
  if (!values.is_object()) {
    return Status::InvalidArgument(what + " on " + t.name +
                                   ": values must be an object");
  }
  for (const auto& [name, v] : values.items()) {
    if (!FindColumn(t, name)) {
      return Status::InvalidArgument(what + " on " + t.name + ": no column '" +
                                     name + "'");
    }
  }
  return Status::Ok();
}

Result<Statement> Insert(const TableSchema& t, const Mutation& m) {
  CRASHLAB_RETURN_IF_ERROR(CheckColumns(t, m.values, "insert"));
  Statement s;
  s.params.push_back(Param::String(m.key));
  for (const Column& c : t.columns) {
    if (!m.values.contains(c.name)) {
      return Status::InvalidArgument("insert into " + t.name + " lacks '" +
                                     c.name +
                                     "' (Skytable fields are not "
                                     "nullable)");
    }
    CRASHLAB_ASSIGN_OR_RETURN(Param p, ValueParam(t, c, m.values[c.name]));
    s.params.push_back(std::move(p));
  }
  std::string marks;
  for (size_t k = 0; k < s.params.size(); ++k) marks += k ? ", ?" : "?";
  s.query = "insert into " + Entity(t) + "(" + marks + ")";
  return s;
}

Result<Statement> Update(const TableSchema& t, const Mutation& m) {
  CRASHLAB_RETURN_IF_ERROR(CheckColumns(t, m.values, "update"));
  std::vector<SetClause> sets;
  for (const Column& c : t.columns) {  // declared order: deterministic text
    if (!m.values.contains(c.name)) continue;
    CRASHLAB_ASSIGN_OR_RETURN(Param p, ValueParam(t, c, m.values[c.name]));
    sets.push_back({c.name, SetClause::Op::kAssign, std::move(p)});
  }
  if (sets.empty()) {
    return Status::InvalidArgument("update of " + t.name + " sets nothing");
  }
  return UpdateStatement(t, m.key, sets);
}

Result<Statement> Increment(const TableSchema& t, const Mutation& m) {
  CRASHLAB_RETURN_IF_ERROR(CheckColumns(t, m.values, "increment"));
  std::vector<SetClause> sets;
  for (const Column& c : t.columns) {
    if (!m.values.contains(c.name)) continue;
    const json& d = m.values[c.name];
    if (c.type != ColumnType::kInt || !d.is_number_integer()) {
      return Status::InvalidArgument("increment of " + t.name + "." + c.name +
                                     " needs an int column and delta");
    }
    SetClause set{c.name, SetClause::Op::kAdd, {}};
    if (d.is_number_unsigned()) {
      set.value = Param::Uint(d.get<uint64_t>());
    } else {
      const int64_t delta = d.get<int64_t>();
      // Magnitude in unsigned arithmetic: -INT64_MIN does not fit int64.
      const uint64_t mag = delta < 0 ? 0 - static_cast<uint64_t>(delta)
                                     : static_cast<uint64_t>(delta);
      set.op = delta < 0 ? SetClause::Op::kSubtract : SetClause::Op::kAdd;
      set.value = Param::Uint(mag);
    }
    sets.push_back(std::move(set));
  }
  if (sets.empty()) {
    return Status::InvalidArgument("increment of " + t.name +
                                   " changes nothing");
  }
  return UpdateStatement(t, m.key, sets);
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;                        // continuation bytes
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the next byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char d = s[i + k];
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// The JSON value of a dumped cell in a column of type `type`.
Result<json> CellValue(const Cell& cell, ColumnType type,
                       const std::string& where) {
  auto mismatch = [&]() {
    return Status::Engine("dump: " + where + " should be " + TypeName(type) +
                          ", the server sent " + cell.DebugString());
  };
  if (cell.type == CellType::kNull) return json(nullptr);
  switch (type) {
    case ColumnType::kText:
      if (cell.type != CellType::kString) return mismatch();
      if (!ValidUtf8(cell.bytes)) {
        return Status::Engine("dump: " + where + " is not valid UTF-8");
      }
      return json(cell.bytes);
    case ColumnType::kInt:
      if (skyhash::IsSigned(cell.type)) return json(cell.i);
      if (!skyhash::IsUnsigned(cell.type)) return mismatch();
      if (cell.u <=
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return json(static_cast<int64_t>(cell.u));
      }
      return json(cell.u);
    case ColumnType::kBool:
      if (cell.type != CellType::kBool) return mismatch();
      return json(cell.b);
  }
  return mismatch();
}

}  // namespace

bool IsReserved(std::string_view word) {
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return std::find(std::begin(kReserved), std::end(kReserved), lower) !=
         std::end(kReserved);
}

Status CheckIdentifier(std::string_view name, std::string_view what) {
  const std::string label =
      std::string(what) + " name '" + std::string(name) + "'";
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
    return Status::InvalidArgument(label + " must start with a letter");
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_') {
      return Status::InvalidArgument(label +
                                     " may hold only letters, digits and _");
    }
  }
  if (IsReserved(name)) {
    return Status::InvalidArgument(label + " is a BlueQL reserved word");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SchemaDdl(const Schema& schema,
                                           bool if_not_exists) {
  const std::string ine = if_not_exists ? "if not exists " : "";
  std::vector<std::string> ddl;
  for (const TableSchema& t : schema.tables) {
    if (t.name == kCatalogTable) continue;  // the ddl workload makes its own
    if (ddl.empty()) ddl.push_back("create space " + ine + kSpace);
    CRASHLAB_RETURN_IF_ERROR(CheckTable(t));
    std::string fields = t.key + ": string";
    for (const Column& c : t.columns) {
      fields += ", " + c.name + ": " + TypeName(c.type);
    }
    ddl.push_back("create model " + ine + Entity(t) + "(" + fields + ")");
  }
  return ddl;
}

Statement UpdateStatement(const TableSchema& table, const std::string& key,
                          const std::vector<SetClause>& sets) {
  Statement s;
  std::string assignments;
  for (const SetClause& set : sets) {
    const char* op = set.op == SetClause::Op::kAssign ? " = ?"
                     : set.op == SetClause::Op::kAdd  ? " += ?"
                                                      : " -= ?";
    assignments += (assignments.empty() ? "" : ", ") + set.column + op;
    s.params.push_back(set.value);
  }
  s.params.push_back(Param::String(key));
  s.query = "update " + Entity(table) + " set " + assignments + " where " +
            table.key + " = ?";
  return s;
}

Result<Statement> MutationStatement(const Schema& schema, const Mutation& m) {
  const TableSchema* t = schema.Find(m.table);
  if (!t) return Status::InvalidArgument("no table '" + m.table + "'");
  CRASHLAB_RETURN_IF_ERROR(CheckTable(*t));
  switch (m.kind) {
    case MutationKind::kInsert:
      return Insert(*t, m);
    case MutationKind::kUpdate:
      return Update(*t, m);
    case MutationKind::kIncrement:
      return Increment(*t, m);
    case MutationKind::kDelete:
      return Statement{
          "delete from " + Entity(*t) + " where " + t->key + " = ?",
          {Param::String(m.key)}};
  }
  return Status::InvalidArgument("unknown mutation kind");
}

Statement DumpStatement(const TableSchema& table, uint64_t limit) {
  return {"select all * from " + Entity(table) + " limit ?",
          {Param::Uint(limit)}};
}

Status AddDumpRows(const TableSchema& table, const skyhash::Response& reply,
                   uint64_t limit, Rows* rows) {
  const std::string what = "dump of " + Entity(table);
  if (reply.kind == skyhash::Response::Kind::kError) {
    return Status::Engine(what + ": " + skyhash::DescribeError(reply.error));
  }
  if (reply.kind != skyhash::Response::Kind::kMultiRow) {
    return Status::Engine(what + ": expected rows, got " + reply.DebugString());
  }
  const size_t ncols = table.columns.size() + 1;
  if (reply.columns != ncols) {
    return Status::Engine(what + ": " + std::to_string(reply.columns) +
                          " columns, the schema has " + std::to_string(ncols));
  }
  if (reply.rows.size() >= limit) {
    return Status::Engine(what + ": truncated at the limit of " +
                          std::to_string(limit) + " rows");
  }
  auto& out = (*rows)[table.name];
  for (const std::vector<Cell>& r : reply.rows) {
    const Cell& key = r[0];
    if (key.type != CellType::kString || !ValidUtf8(key.bytes)) {
      return Status::Engine(what + ": key is " + key.DebugString());
    }
    json row = json::object();
    row[table.key] = key.bytes;
    for (size_t k = 0; k < table.columns.size(); ++k) {
      const Column& c = table.columns[k];
      CRASHLAB_ASSIGN_OR_RETURN(
          row[c.name], CellValue(r[k + 1], c.type,
                                 table.name + "[" + key.bytes + "]." + c.name));
    }
    if (!out.emplace(key.bytes, std::move(row)).second) {
      return Status::Engine(what + ": key " + key.DebugString() +
                            " appears twice");
    }
  }
  return Status::Ok();
}

}  // namespace blueql
}  // namespace crashlab
