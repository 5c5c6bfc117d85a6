#include "core/schema_change.h"

#include <array>
#include <utility>

namespace crashlab {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<SchemaChangeKind, const char*>, 8> kNames = {{
    {SchemaChangeKind::kCreateNamespace, "create_namespace"},
    {SchemaChangeKind::kDropNamespace, "drop_namespace"},
    {SchemaChangeKind::kCreateTable, "create_table"},
    {SchemaChangeKind::kDropTable, "drop_table"},
    {SchemaChangeKind::kAddColumns, "add_columns"},
    {SchemaChangeKind::kDropColumn, "drop_column"},
    {SchemaChangeKind::kCreateUser, "create_user"},
    {SchemaChangeKind::kDropUser, "drop_user"},
}};

}  // namespace

const char* SchemaChangeKindName(SchemaChangeKind k) {
  for (const auto& [kind, name] : kNames) {
    if (kind == k) return name;
  }
  return "?";
}

bool SchemaChangeKindFromName(const std::string& name, SchemaChangeKind* k) {
  for (const auto& [kind, n] : kNames) {
    if (name == n) {
      *k = kind;
      return true;
    }
  }
  return false;
}

json SchemaChange::ToJson() const {
  json j = {{"kind", SchemaChangeKindName(kind)}};
  if (!name_space.empty()) j["namespace"] = name_space;
  if (!table.empty()) j["table"] = table;
  if (!columns.empty()) {
    json cols = json::array();
    for (const SchemaColumn& c : columns) {
      cols.push_back({{"name", c.name}, {"type", c.type}});
    }
    j["columns"] = std::move(cols);
  }
  if (!column.empty()) j["column"] = column;
  if (!user.empty()) j["user"] = user;
  if (!password.empty()) j["password"] = password;
  return j;
}

Result<SchemaChange> SchemaChange::FromJson(const json& j) {
  SchemaChange c;
  try {
    const std::string kind = j.at("kind").get<std::string>();
    if (!SchemaChangeKindFromName(kind, &c.kind)) {
      return Status::BadInput("unknown schema change kind '" + kind + "'");
    }
    c.name_space = j.value("namespace", "");
    c.table = j.value("table", "");
    for (const json& col : j.value("columns", json::array())) {
      c.columns.push_back({col.at("name").get<std::string>(),
                           col.at("type").get<std::string>()});
    }
    c.column = j.value("column", "");
    c.user = j.value("user", "");
    c.password = j.value("password", "");
  } catch (const json::exception& e) {
    return Status::BadInput(std::string("bad schema change: ") + e.what());
  }
  return c;
}

std::string CatalogNamespace(const std::string& ns) { return "namespace " + ns; }
std::string CatalogTable(const std::string& ns, const std::string& table) {
  return "table " + ns + "." + table;
}
std::string CatalogColumn(const std::string& ns, const std::string& table,
                          const std::string& column) {
  return "column " + ns + "." + table + "." + column;
}
std::string CatalogUser(const std::string& user) { return "user " + user; }

}  // namespace crashlab
