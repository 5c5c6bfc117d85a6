#include "checkers/check_index.h"

#include <algorithm>

namespace crashlab {

std::string AuthUserOf(const nlohmann::json& args) {
  if (!args.is_object()) return "";
  const auto it = args.find("username");
  return it != args.end() && it->is_string() ? it->get<std::string>() : "";
}

CheckIndex::CheckIndex(const Schema& schema, const std::vector<LogicalOp>& ops)
    : ops_(&ops), op_cells_(ops.size()) {
  // Every (cell, writer), sorted by cell; a stable sort keeps each cell's
  // writers in operation order. One vector, not a map of every cell.
  struct Entry {
    const Cell* cell;
    Writer writer;
  };
  std::vector<Entry> all;
  for (size_t i = 0; i < ops.size(); ++i) {
    for (const Effect& e : ops[i].effects) {
      all.push_back({&e.cell, {static_cast<uint32_t>(i), &e.value}});
    }
    const std::string user = AuthUserOf(ops[i].args);
    if (!user.empty()) user_ops_[user].push_back(static_cast<uint32_t>(i));
  }
  std::stable_sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    return *a.cell < *b.cell;
  });
  for (size_t i = 0; i < all.size(); ++i) {
    if (i == 0 || *all[i - 1].cell != *all[i].cell) {
      cells_.push_back({*all[i].cell, {}});
    }
    const auto at = static_cast<uint32_t>(cells_.size() - 1);
    cells_.back().writers.push_back(all[i].writer);
    auto& mine = op_cells_[all[i].writer.op];
    if (mine.empty() || mine.back() != at) mine.push_back(at);
  }
  for (const TableSchema& t : schema.tables) {
    std::vector<std::string> cols = {""};
    for (const Column& c : t.columns) cols.push_back(c.name);
    std::sort(cols.begin(), cols.end());
    columns_[t.name] = std::move(cols);
  }
}

int64_t CheckIndex::Find(const Cell& cell) const {
  const auto it = std::lower_bound(
      cells_.begin(), cells_.end(), cell,
      [](const WrittenCell& w, const Cell& c) { return w.cell < c; });
  return it != cells_.end() && it->cell == cell
             ? static_cast<int64_t>(it - cells_.begin())
             : -1;
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
