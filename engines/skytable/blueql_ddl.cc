#include "engines/skytable/blueql_ddl.h"

#include <cctype>

namespace crashlab {
namespace blueql {

using nlohmann::json;
using skyhash::Param;
using skyhash::Response;

namespace {

Result<std::string> TypeName(const std::string& type) {
  if (type == "text") return std::string("string");
  if (type == "int") return std::string("sint64");
  if (type == "bool") return std::string("bool");
  return Status::InvalidArgument("column type '" + type +
                                 "' is not text, int or bool");
}

Result<std::string> Entity(const SchemaChange& c) {
  CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.name_space, "space"));
  CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.table, "model"));
  return c.name_space + "." + c.table;
}

Result<std::string> Fields(const std::vector<SchemaColumn>& columns,
                           bool create) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    const SchemaColumn& col = columns[i];
    CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(col.name, "field"));
    CRASHLAB_ASSIGN_OR_RETURN(std::string type, TypeName(col.type));
    out += i ? ", " : "";
    if (create) {  // the key first, not null; the others nullable
      out += (i ? "null " : "") + col.name + ": " + type;
    } else {
      out += col.name + " { type: " + type + ", nullable: true }";
    }
  }
  return out;
}

// The JSON text of an `inspect` reply. skyd 0.8.0 ends `inspect space`'s
// object with one brace too many ({"models":["t1"]}}): tolerated.
Result<json> InspectReply(const Result<Response>& reply,
                          const std::string& what) {
  if (!reply.ok()) return reply.status().Annotate(what);
  if (reply->kind == Response::Kind::kError) {
    return Status::Engine(what + ": " + skyhash::DescribeError(reply->error));
  }
  if (reply->kind != Response::Kind::kValue ||
      reply->value.type != skyhash::CellType::kString) {
    return Status::Engine(what + ": expected a string, got " +
                          reply->DebugString());
  }
  std::string text = reply->value.bytes;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() && text.size() > 2 && text.substr(text.size() - 2) == "}}") {
    j = json::parse(text.substr(0, text.size() - 1), nullptr, false);
  }
  if (j.is_discarded() || !j.is_object()) {
    return Status::Engine(what + ": not a JSON object: " + text);
  }
  return j;
}

std::vector<std::string> Names(const json& j, const char* field) {
  std::vector<std::string> out;
  if (!j.contains(field) || !j[field].is_array()) return out;
  for (const json& v : j[field]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::vector<SchemaChangeKind> SchemaChangeKinds() {
  using K = SchemaChangeKind;
  return {K::kCreateNamespace, K::kDropNamespace, K::kCreateTable,
          K::kDropTable,       K::kAddColumns,    K::kDropColumn,
          K::kCreateUser,      K::kDropUser};
}

Result<Statement> SchemaChangeStatement(const SchemaChange& c) {
  using K = SchemaChangeKind;
  switch (c.kind) {
    case K::kCreateNamespace:
    case K::kDropNamespace:
      CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.name_space, "space"));
      return Statement{(c.kind == K::kCreateNamespace ? "create space "
                                                      : "drop space ") +
                           c.name_space,
                       {}};
    case K::kCreateTable: {
      CRASHLAB_ASSIGN_OR_RETURN(std::string entity, Entity(c));
      if (c.columns.empty()) return Status::InvalidArgument("a model needs a key");
      CRASHLAB_ASSIGN_OR_RETURN(std::string fields, Fields(c.columns, true));
      return Statement{"create model " + entity + "(" + fields + ")", {}};
    }
    case K::kDropTable: {
      CRASHLAB_ASSIGN_OR_RETURN(std::string entity, Entity(c));
      return Statement{"drop model " + entity, {}};
    }
    case K::kAddColumns: {
      CRASHLAB_ASSIGN_OR_RETURN(std::string entity, Entity(c));
      CRASHLAB_ASSIGN_OR_RETURN(std::string fields, Fields(c.columns, false));
      return Statement{"alter model " + entity + " add (" + fields + ")", {}};
    }
    case K::kDropColumn: {
      CRASHLAB_ASSIGN_OR_RETURN(std::string entity, Entity(c));
      CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.column, "field"));
      return Statement{"alter model " + entity + " remove " + c.column, {}};
    }
    case K::kCreateUser:
      CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.user, "user"));
      return Statement{"sysctl create user " + c.user + " with { password: ? }",
                       {Param::String(c.password)}};
    case K::kDropUser:
      CRASHLAB_RETURN_IF_ERROR(CheckIdentifier(c.user, "user"));
      return Statement{"sysctl drop user " + c.user, {}};
  }
  return Status::InvalidArgument("unknown schema change");
}

Result<std::vector<std::pair<std::string, std::string>>> ParseModelDecl(
    const std::string& decl) {
  if (decl.size() < 2 || decl.front() != '{' || decl.back() != '}') {
    return Status::BadInput("not a model decl: " + decl);
  }
  std::vector<std::pair<std::string, std::string>> out;
  const std::string body = decl.substr(1, decl.size() - 2);
  for (size_t a = 0; a < body.size();) {
    size_t b = body.find(',', a);
    if (b == std::string::npos) b = body.size();
    std::string field = body.substr(a, b - a);
    a = b + 1;
    if (!field.empty() && (field[0] == '*' || field[0] == '!' || field[0] == '?')) {
      field = field.substr(1);
    }
    const size_t colon = field.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::BadInput("not a field in a model decl: " + field);
    }
    std::string type;
    for (char ch : field.substr(colon + 1)) {
      type += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    if (type == "string") type = "text";
    else if (type.rfind("sint", 0) == 0 || type.rfind("uint", 0) == 0) type = "int";
    out.emplace_back(field.substr(0, colon), type);
  }
  return out;
}

Result<std::map<std::string, json>> ReadCatalog(const Send& send) {
  auto row = [](const std::string& key, json type = nullptr) {
    return json{{kCatalogKey, key}, {kCatalogType, std::move(type)}};
  };
  std::map<std::string, json> objects;
  CRASHLAB_ASSIGN_OR_RETURN(
      json global, InspectReply(send({"inspect global", {}}), "inspect global"));
  for (const std::string& user : Names(global, "users")) {
    if (user != "root") objects[CatalogUser(user)] = row(CatalogUser(user));
  }
  for (const std::string& space : Names(global, "spaces")) {
    objects[CatalogNamespace(space)] = row(CatalogNamespace(space));
    const std::string q = "inspect space " + space;
    CRASHLAB_ASSIGN_OR_RETURN(json models, InspectReply(send({q, {}}), q));
    for (const std::string& model : Names(models, "models")) {
      objects[CatalogTable(space, model)] = row(CatalogTable(space, model));
      const std::string qm = "inspect model " + space + "." + model;
      CRASHLAB_ASSIGN_OR_RETURN(json inspected, InspectReply(send({qm, {}}), qm));
      CRASHLAB_ASSIGN_OR_RETURN(auto fields,
                                ParseModelDecl(inspected.value("decl", "")));
      for (const auto& [name, type] : fields) {
        const std::string key = CatalogColumn(space, model, name);
        objects[key] = row(key, type);
      }
    }
  }
  return objects;
}

}  // namespace blueql
}  // namespace crashlab
