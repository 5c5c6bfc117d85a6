#include "workloads/ddl.h"

#include <algorithm>
#include <utility>

namespace crashlab {

using nlohmann::json;

namespace {

constexpr WeightedChoice kChoices[] = {
    {"create_namespace", 5}, {"create_table", 25}, {"add_columns", 20},
    {"drop_column", 10},     {"drop_table", 8},    {"migration", 15},
    {"drop_namespace", 3},   {"create_user", 7},   {"drop_user", 5},
};
constexpr const char* kTypes[] = {"text", "int", "bool"};

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

Mutation InsertObject(const std::string& key, json type = nullptr) {
  return {MutationKind::kInsert, kCatalogTable, key,
          {{kCatalogType, std::move(type)}}};
}
Mutation DeleteObject(const std::string& key) {
  return {MutationKind::kDelete, kCatalogTable, key, json::object()};
}

// "table ns.t" -> {ns, t}; false for other objects.
bool SplitTable(const std::string& key, std::string* ns, std::string* t) {
  if (!StartsWith(key, "table ")) return false;
  const std::string rest = key.substr(6);
  const size_t dot = rest.find('.');
  if (dot == std::string::npos) return false;
  *ns = rest.substr(0, dot);
  *t = rest.substr(dot + 1);
  return true;
}

}  // namespace

DdlWorkload::DdlWorkload(uint64_t seed,
                         const std::vector<SchemaChangeKind>& supported)
    : schema_(MakeSchema()),
      supported_(supported.begin(), supported.end()),
      rng_(Rng(seed).Fork("ddl")) {
  model_[kCatalogTable];
}

Schema DdlWorkload::MakeSchema() {
  return Schema{{{kCatalogTable, kCatalogKey, {{kCatalogType, ColumnType::kText}}}}};
}

std::vector<Mutation> DdlWorkload::CatalogMutations(const Rows& catalog,
                                                    const SchemaChange& c) {
  std::vector<Mutation> m;
  auto objects = catalog.find(kCatalogTable);
  switch (c.kind) {
    case SchemaChangeKind::kCreateNamespace:
      m.push_back(InsertObject(CatalogNamespace(c.name_space)));
      break;
    case SchemaChangeKind::kDropNamespace:
      m.push_back(DeleteObject(CatalogNamespace(c.name_space)));
      break;
    case SchemaChangeKind::kCreateTable:
      m.push_back(InsertObject(CatalogTable(c.name_space, c.table)));
      [[fallthrough]];
    case SchemaChangeKind::kAddColumns:
      for (const SchemaColumn& col : c.columns) {
        m.push_back(InsertObject(CatalogColumn(c.name_space, c.table, col.name),
                                 col.type));
      }
      break;
    case SchemaChangeKind::kDropTable: {
      m.push_back(DeleteObject(CatalogTable(c.name_space, c.table)));
      const std::string prefix = CatalogColumn(c.name_space, c.table, "");
      if (objects == catalog.end()) break;
      for (auto it = objects->second.lower_bound(prefix);
           it != objects->second.end() && StartsWith(it->first, prefix); ++it) {
        m.push_back(DeleteObject(it->first));
      }
      break;
    }
    case SchemaChangeKind::kDropColumn:
      m.push_back(DeleteObject(CatalogColumn(c.name_space, c.table, c.column)));
      break;
    case SchemaChangeKind::kCreateUser:
      m.push_back(InsertObject(CatalogUser(c.user)));
      break;
    case SchemaChangeKind::kDropUser:
      m.push_back(DeleteObject(CatalogUser(c.user)));
      break;
  }
  return m;
}

std::vector<std::string> DdlWorkload::Namespaces() const {
  if (!Supports(SchemaChangeKind::kCreateNamespace)) return {""};
  std::vector<std::string> out;
  for (const auto& [key, row] : model_.at(kCatalogTable)) {
    if (StartsWith(key, "namespace ")) out.push_back(key.substr(10));
  }
  return out;
}

std::vector<DdlWorkload::TableRef> DdlWorkload::Tables() const {
  std::vector<TableRef> out;
  const auto& objects = model_.at(kCatalogTable);
  for (const auto& [key, row] : objects) {
    TableRef t;
    if (!SplitTable(key, &t.ns, &t.table)) continue;
    const std::string prefix = CatalogColumn(t.ns, t.table, "");
    for (auto it = objects.lower_bound(prefix);
         it != objects.end() && StartsWith(it->first, prefix); ++it) {
      const std::string column = it->first.substr(prefix.size());
      if (column != "id") t.columns.push_back(column);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> DdlWorkload::Users() const {
  std::vector<std::string> out;
  for (const auto& [key, row] : model_.at(kCatalogTable)) {
    if (StartsWith(key, "user ")) out.push_back(key.substr(5));
  }
  return out;
}

std::vector<std::string> DdlWorkload::Possible(
    const std::vector<TableRef>& tables,
    const std::vector<std::string>& namespaces) const {
  using K = SchemaChangeKind;
  auto table_count_in = [&](const std::string& ns) {
    size_t n = 0;
    for (const TableRef& t : tables) n += t.ns == ns;
    return n;
  };
  bool wide_table = false, empty_ns = false;
  for (const TableRef& t : tables) wide_table |= t.columns.size() >= 2;
  for (const std::string& ns : namespaces) empty_ns |= table_count_in(ns) == 0;
  std::vector<std::string> out;
  if (Supports(K::kCreateNamespace)) out.push_back("create_namespace");
  if (namespaces.empty()) return out;  // tables need a namespace first
  if (Supports(K::kCreateTable)) out.push_back("create_table");
  if (!tables.empty() && Supports(K::kAddColumns)) out.push_back("add_columns");
  if (wide_table && Supports(K::kDropColumn)) out.push_back("drop_column");
  if (!tables.empty() && Supports(K::kDropTable)) out.push_back("drop_table");
  if (!tables.empty() && Supports(K::kCreateTable) && Supports(K::kAddColumns)) {
    out.push_back("migration");
  }
  if (empty_ns && namespaces.size() > 1 && Supports(K::kDropNamespace)) {
    out.push_back("drop_namespace");
  }
  if (Supports(K::kCreateUser)) out.push_back("create_user");
  if (!Users().empty() && Supports(K::kDropUser)) out.push_back("drop_user");
  return out;
}

std::string DdlWorkload::NewName(const char* prefix) {
  return prefix + std::to_string(next_name_++);
}

SchemaChange DdlWorkload::CreateTable(const std::vector<std::string>& ns) {
  SchemaChange c;
  c.kind = SchemaChangeKind::kCreateTable;
  c.name_space = ns[rng_.Uniform(ns.size())];
  c.table = NewName("t");
  c.columns.push_back({"id", "text"});
  const uint64_t n = 1 + rng_.Uniform(3);
  for (uint64_t i = 0; i < n; ++i) {
    c.columns.push_back({NewName("c"), kTypes[rng_.Uniform(3)]});
  }
  return c;
}

SchemaChange DdlWorkload::AddColumns(const TableRef& t) {
  SchemaChange c;
  c.kind = SchemaChangeKind::kAddColumns;
  c.name_space = t.ns;
  c.table = t.table;
  const uint64_t n = 1 + rng_.Uniform(2);
  for (uint64_t i = 0; i < n; ++i) {
    c.columns.push_back({NewName("c"), kTypes[rng_.Uniform(3)]});
  }
  return c;
}

LogicalOp DdlWorkload::Next(uint64_t process) {
  const std::vector<std::string> namespaces = Namespaces();
  const std::vector<TableRef> tables = Tables();
  const std::vector<std::string> possible = Possible(tables, namespaces);
  auto can = [&](const char* f) {
    return std::find(possible.begin(), possible.end(), f) != possible.end();
  };
  const std::string f = PickWeighted(kChoices, can, rng_);
  auto any_table = [&] { return tables[rng_.Uniform(tables.size())]; };
  SchemaChange c;
  if (f == "create_namespace") {
    c.kind = SchemaChangeKind::kCreateNamespace;
    c.name_space = NewName("ns");
  } else if (f == "create_table") {
    c = CreateTable(namespaces);
  } else if (f == "add_columns") {
    c = AddColumns(any_table());
  } else if (f == "drop_column") {
    std::vector<TableRef> wide;
    for (const TableRef& t : tables) {
      if (t.columns.size() >= 2) wide.push_back(t);
    }
    const TableRef& t = wide[rng_.Uniform(wide.size())];
    c.kind = SchemaChangeKind::kDropColumn;
    c.name_space = t.ns;
    c.table = t.table;
    c.column = t.columns[rng_.Uniform(t.columns.size())];
  } else if (f == "drop_table") {
    const TableRef t = any_table();
    c.kind = SchemaChangeKind::kDropTable;
    c.name_space = t.ns;
    c.table = t.table;
  } else if (f == "migration") {
    const TableRef t = any_table();
    return Make(f, {CreateTable(namespaces), AddColumns(t)}, process);
  } else if (f == "drop_namespace") {
    std::vector<std::string> empty;
    for (const std::string& ns : namespaces) {
      bool used = false;
      for (const TableRef& t : tables) used |= t.ns == ns;
      if (!used) empty.push_back(ns);
    }
    c.kind = SchemaChangeKind::kDropNamespace;
    c.name_space = empty[rng_.Uniform(empty.size())];
  } else if (f == "create_user") {
    c.kind = SchemaChangeKind::kCreateUser;
    c.user = NewName("u");
    c.password = "pw-" + c.user + "-" + std::to_string(rng_.Uniform(1u << 30)) +
                 "-crashlab";
  } else {  // drop_user
    const std::vector<std::string> users = Users();
    c.kind = SchemaChangeKind::kDropUser;
    c.user = users[rng_.Uniform(users.size())];
  }
  return Make(f, {std::move(c)}, process);
}

LogicalOp DdlWorkload::Make(const std::string& f,
                            std::vector<SchemaChange> changes,
                            uint64_t process) {
  LogicalOp op;
  op.id = next_id_++;
  op.process = process;
  op.f = f;
  std::vector<Mutation> catalog;
  json described = json::array();
  for (const SchemaChange& c : changes) {
    for (Mutation& m : CatalogMutations(model_, c)) {
      catalog.push_back(std::move(m));
    }
    json j = c.ToJson();
    j.erase("password");
    described.push_back(std::move(j));
  }
  op.args = {{"changes", std::move(described)}};
  op.effects = EffectsOf(schema_, model_, catalog);
  op.schema_changes = std::move(changes);
  return op;
}

void DdlWorkload::Complete(const LogicalOp& op, bool applied) {
  if (!applied) return;
  for (const SchemaChange& c : op.schema_changes) {
    for (const Mutation& m : CatalogMutations(model_, c)) {
      ApplyMutation(schema_, m, &model_);
    }
  }
}

void DdlWorkload::Rebase(const Rows& rows) {
  model_.clear();
  auto it = rows.find(kCatalogTable);
  model_[kCatalogTable] =
      it == rows.end() ? std::map<std::string, json>() : it->second;
}

}  // namespace crashlab
