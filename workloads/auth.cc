#include "workloads/auth.h"

#include <utility>

#include "checkers/auth_invariants.h"

namespace crashlab {

static_assert(kLockoutThreshold == kAuthLockoutThreshold,
              "the invariant checker must lock at the workload's threshold");

using nlohmann::json;

namespace {

// Relative weights of each operation when it is possible at all.
constexpr WeightedChoice kChoices[] = {
    {"signup", 15},        {"login", 30},         {"logout", 15},
    {"failed_login", 20},  {"request_reset", 10}, {"reset_password", 10},
};

void Put(json&) {}
template <typename V, typename... Rest>
void Put(json& object, const char* name, V&& value, Rest&&... rest) {
  object.emplace(name, std::forward<V>(value));
  Put(object, std::forward<Rest>(rest)...);
}

// Object("a", 1, "b", x): the JSON object {"a":1,"b":x}, each value
// constructed (or moved) once. Built per generated operation; nlohmann's
// initializer-list form ({{"a", 1}, ...}) first builds a two-element array
// per field and copies what a std::initializer_list holds, several
// allocations more per field (dear under AddressSanitizer).
template <typename... Fields>
json Object(Fields&&... fields) {
  json object = json::object();
  Put(object, std::forward<Fields>(fields)...);
  return object;
}

}  // namespace

AuthWorkload::AuthWorkload(uint64_t seed)
    : schema_(SharedSchema()), rng_(Rng(seed).Fork("auth")) {
  for (const auto& t : schema_->tables) tables_[t.name];
}

const Rows& AuthWorkload::model() const {
  if (model_stale_) {
    model_.clear();
    for (const auto& [name, table] : tables_) {
      auto& rows = model_[name];
      for (const auto& [key, row] : table) rows.emplace(key, row);
    }
    model_stale_ = false;
  }
  return model_;
}

const json* AuthWorkload::Row(const std::string& table,
                              const std::string& key) const {
  return FindRow(tables_, table, key);
}

std::shared_ptr<const Schema> AuthWorkload::SharedSchema() {
  // Built once: each crash fuzzer cycle makes a workload and two engines.
  static const std::shared_ptr<const Schema> schema =
      std::make_shared<const Schema>(Schema{{
          {"users",
           "username",
           {{"pwhash", ColumnType::kText},
            {"sessions", ColumnType::kInt},
            {"failed", ColumnType::kInt},
            {"locked", ColumnType::kBool}}},
          {"sessions", "id", {{"username", ColumnType::kText}}},
          {"attempts", "id", {{"username", ColumnType::kText}}},
          {"reset_tokens", "token", {{"username", ColumnType::kText}}},
      }});
  return schema;
}

Schema AuthWorkload::MakeSchema() { return *SharedSchema(); }

std::string AuthWorkload::Hex(int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s.push_back(kHex[rng_.Uniform(16)]);
  return s;
}

std::string AuthWorkload::PickOf(const OrderedKeys& keys) {
  return keys.Kth(rng_.Uniform(keys.size()));
}

void AuthWorkload::Index(const std::string& table, const std::string& key,
                         bool add) {
  const json* found = Row(table, key);
  if (!found) return;
  const json& row = *found;
  const auto set = [add, &key](OrderedKeys& keys) {
    if (add) {
      keys.Insert(key);
    } else {
      keys.Erase(key);
    }
  };
  if (table == "users") {
    set(users_);
    if (row.value("locked", json()) == false) set(unlocked_);
  } else if (table == "sessions") {
    set(sessions_);
  } else if (table == "reset_tokens") {
    const json user = row.value("username", json());
    if (!user.is_string()) return;
    const std::string& u = user.get_ref<const std::string&>();
    std::set<std::string>& tokens = tokens_[u];
    if (add) {
      tokens.insert(key);
      token_users_.Insert(u);
    } else {
      tokens.erase(key);
      if (tokens.empty()) {
        tokens_.erase(u);
        token_users_.Erase(u);
      }
    }
  }
}

void AuthWorkload::Rebase(const Rows& rows) {
  tables_.clear();
  for (const auto& [name, by_key] : rows) {
    Table& table = tables_[name];
    table.reserve(by_key.size());
    for (const auto& [key, row] : by_key) table.emplace(key, row);
  }
  model_stale_ = true;
  users_.clear();
  unlocked_.clear();
  sessions_.clear();
  token_users_.clear();
  tokens_.clear();
  for (const auto& [table, by_key] : rows) {
    for (const auto& [key, row] : by_key) Index(table, key, true);
  }
}

LogicalOp AuthWorkload::Make(const std::string& f, json args,
                             std::vector<Mutation> mutations,
                             uint64_t process) {
  LogicalOp op;
  op.id = next_id_++;
  op.process = process;
  op.f = f;
  op.args = std::move(args);
  op.effects = EffectsOf(
      *schema_,
      [this](const std::string& table, const std::string& key) {
        return Row(table, key);
      },
      mutations);
  op.mutations = std::move(mutations);
  return op;
}

LogicalOp AuthWorkload::Next(uint64_t process) {
  auto possible = [&](const std::string& f) {
    if (f == "signup") return true;
    if (f == "login" || f == "failed_login") return !unlocked_.empty();
    if (f == "logout") return !sessions_.empty();
    if (f == "request_reset") return !users_.empty();
    if (f == "reset_password") return !token_users_.empty();
    return false;
  };
  const std::string f = PickWeighted(kChoices, possible, rng_);

  const uint64_t id = next_id_;
  std::vector<Mutation> m;
  m.reserve(2);
  if (f == "signup") {
    std::string user = "user-" + std::to_string(id);
    std::string hash = "pw-" + std::to_string(id) + "-" + Hex(12);
    json args = Object("username", user, "pwhash", hash);
    m.push_back({MutationKind::kInsert, "users", std::move(user),
                 Object("pwhash", std::move(hash), "sessions", 0, "failed", 0,
                        "locked", false)});
    return Make(f, std::move(args), std::move(m), process);
  }
  if (f == "login") {
    std::string user = PickOf(unlocked_);
    std::string sid = "s-" + std::to_string(id) + "-" + Hex(8);
    json args = Object("username", user, "session", sid);
    m.push_back({MutationKind::kInsert, "sessions", std::move(sid),
                 Object("username", user)});
    m.push_back({MutationKind::kIncrement, "users", std::move(user),
                 Object("sessions", 1)});
    return Make(f, std::move(args), std::move(m), process);
  }
  if (f == "logout") {
    std::string sid = PickOf(sessions_);
    std::string user =
        TableOf("sessions").at(sid).at("username").get<std::string>();
    json args = Object("username", user, "session", sid);
    m.push_back(
        {MutationKind::kDelete, "sessions", std::move(sid), json::object()});
    m.push_back({MutationKind::kIncrement, "users", std::move(user),
                 Object("sessions", -1)});
    return Make(f, std::move(args), std::move(m), process);
  }
  if (f == "failed_login") {
    std::string user = PickOf(unlocked_);
    std::string aid = "a-" + std::to_string(id) + "-" + Hex(8);
    const int64_t failed =
        TableOf("users").at(user).at("failed").get<int64_t>() + 1;
    json args = Object("username", user, "attempt", aid, "failed", failed);
    m.push_back({MutationKind::kInsert, "attempts", std::move(aid),
                 Object("username", user)});
    m.push_back({MutationKind::kIncrement, "users", user, Object("failed", 1)});
    if (failed >= kLockoutThreshold) {
      m.push_back({MutationKind::kUpdate, "users", std::move(user),
                   Object("locked", true)});
    }
    return Make(f, std::move(args), std::move(m), process);
  }
  if (f == "request_reset") {
    std::string user = PickOf(users_);
    std::string token = "t-" + std::to_string(id) + "-" + Hex(12);
    json args = Object("username", user, "token", token);
    m.push_back({MutationKind::kInsert, "reset_tokens", std::move(token),
                 Object("username", std::move(user))});
    return Make(f, std::move(args), std::move(m), process);
  }
  // reset_password
  std::string user = PickOf(token_users_);
  std::string hash = "pw-" + std::to_string(id) + "-" + Hex(12);
  json args = Object("username", user, "pwhash", hash);
  const std::set<std::string>& tokens = tokens_.at(user);
  m.reserve(1 + tokens.size());
  m.push_back({MutationKind::kUpdate, "users", std::move(user),
               Object("pwhash", std::move(hash))});
  for (const auto& token : tokens) {
    m.push_back({MutationKind::kDelete, "reset_tokens", token, json::object()});
  }
  return Make(f, std::move(args), std::move(m), process);
}

void AuthWorkload::Complete(const LogicalOp& op, bool applied) {
  if (!applied) return;
  for (const Mutation& m : op.mutations) {
    // The indexes hold row existence, users.locked and reset_tokens.username
    // only: an increment, or an update setting neither column, leaves them
    // as they are (most ops: every login, logout and failed login).
    const bool reindex =
        m.kind == MutationKind::kInsert || m.kind == MutationKind::kDelete ||
        (m.kind == MutationKind::kUpdate &&
         (m.values.contains("locked") || m.values.contains("username")));
    model_stale_ = true;
    if (m.kind == MutationKind::kInsert) {
      // A new row had no index entries; an existing one is left as it was.
      if (ApplyMutationToTable(schema_->Find(m.table), m, &TableOf(m.table))) {
        Index(m.table, m.key, true);
      }
      continue;
    }
    if (reindex) Index(m.table, m.key, false);
    ApplyMutationToTable(schema_->Find(m.table), m, &TableOf(m.table));
    if (reindex) Index(m.table, m.key, true);
  }
}

}  // namespace crashlab
