#include "checkers/check_index.h"

#include <algorithm>
#include <functional>

namespace crashlab {

std::string AuthUserOf(const nlohmann::json& args) {
  if (!args.is_object()) return "";
  const auto it = args.find("username");
  return it != args.end() && it->is_string() ? it->get<std::string>() : "";
}

size_t CheckIndex::CellHash::operator()(const Cell& c) const {
  const std::hash<std::string> h;
  return h(c.table) ^ (h(c.key) * 31) ^ (h(c.column) * 1000003);
}

CheckIndex::CheckIndex(const Schema& schema, const std::vector<LogicalOp>& ops)
    : ops_(&ops), op_cells_(ops.size()) {
  std::map<Cell, std::vector<Writer>> writers;
  for (size_t i = 0; i < ops.size(); ++i) {
    for (const Effect& e : ops[i].effects) {
      writers[e.cell].push_back({static_cast<uint32_t>(i), &e.value});
    }
    const std::string user = AuthUserOf(ops[i].args);
    if (!user.empty()) user_ops_[user].push_back(static_cast<uint32_t>(i));
  }
  cells_.reserve(writers.size());
  for (auto& [cell, ws] : writers) {
    const auto at = static_cast<uint32_t>(cells_.size());
    position_.emplace(cell, at);
    for (const Writer& w : ws) {
      auto& mine = op_cells_[w.op];
      if (mine.empty() || mine.back() != at) mine.push_back(at);
    }
    cells_.push_back({cell, std::move(ws)});
  }
  for (const TableSchema& t : schema.tables) {
    std::vector<std::string> cols = {""};
    for (const Column& c : t.columns) cols.push_back(c.name);
    std::sort(cols.begin(), cols.end());
    columns_[t.name] = std::move(cols);
  }
}

int64_t CheckIndex::Find(const Cell& cell) const {
  const auto it = position_.find(cell);
  return it == position_.end() ? -1 : static_cast<int64_t>(it->second);
}

const std::vector<uint32_t>* CheckIndex::OpsOfUser(
    const std::string& user) const {
  const auto it = user_ops_.find(user);
  return it == user_ops_.end() ? nullptr : &it->second;
}

const std::vector<std::string>& CheckIndex::ColumnsOf(
    const std::string& table) const {
  const auto it = columns_.find(table);
  return it == columns_.end() ? existence_only_ : it->second;
}

}  // namespace crashlab
