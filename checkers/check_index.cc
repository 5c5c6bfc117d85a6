#include "checkers/check_index.h"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace crashlab {

std::string AuthUserOf(const nlohmann::json& args) {
  if (!args.is_object()) return "";
  const auto it = args.find("username");
  return it != args.end() && it->is_string() ? it->get<std::string>() : "";
}

CheckIndex::CheckIndex(const Schema& schema, const std::vector<LogicalOp>& ops,
                       bool whole_rows)
    : ops_(&ops) {
  // Every (cell, writer), sorted by cell; a stable sort keeps each cell's
  // writers in operation order. One vector, not a map of every cell.
  struct Entry {
    const Cell* cell;
    Writer writer;
  };
  std::vector<Entry> all;
  size_t effects = 0;
  for (const LogicalOp& op : ops) effects += op.effects.size();
  all.reserve(effects);
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
  // The cells, each with its slice of writers_, and how many cells each
  // operation writes (an operation writes a cell at most once).
  cells_.reserve(all.size());
  writers_.reserve(all.size());
  std::vector<uint32_t> counts;
  counts.reserve(all.size());
  op_cells_begin_.assign(ops.size() + 1, 0);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i == 0 || *all[i - 1].cell != *all[i].cell) {
      cells_.push_back({*all[i].cell, {}});
      counts.push_back(0);
    }
    writers_.push_back(all[i].writer);
    ++counts.back();
    ++op_cells_begin_[all[i].writer.op + 1];
  }
  SliceWriters(counts);
  // Each operation's cells, ascending: placed cell by cell.
  for (size_t op = 0; op < ops.size(); ++op) {
    op_cells_begin_[op + 1] += op_cells_begin_[op];
  }
  op_cells_.resize(op_cells_begin_.back());
  std::vector<uint32_t> next(op_cells_begin_.begin(), op_cells_begin_.end() - 1);
  for (uint32_t at = 0; at < cells_.size(); ++at) {
    for (const Writer& w : cells_[at].writers) op_cells_[next[w.op]++] = at;
  }
  for (const TableSchema& t : schema.tables) {
    std::vector<std::string> cols;
    cols.reserve(1 + t.columns.size());
    cols.emplace_back();
    for (const Column& c : t.columns) cols.push_back(c.name);
    std::sort(cols.begin(), cols.end());
    columns_.emplace(t.name, std::move(cols));
  }
  if (whole_rows) AddCarriedWriters();
}

void CheckIndex::SliceWriters(const std::vector<uint32_t>& counts) {
  const Writer* begin = writers_.data();
  for (size_t at = 0; at < cells_.size(); ++at) {
    cells_[at].writers = {begin, counts[at]};
    begin += counts[at];
  }
}

void CheckIndex::AddCarriedWriters() {
  // A carried value is the last earlier real writer's (a carried writer
  // only ever repeats one), so they are found from the real writers alone
  // and merged in afterwards, in operation order.
  std::vector<std::pair<uint32_t, Writer>> carried;  // (cell, writer)
  const uint32_t n_ops = static_cast<uint32_t>(op_cells_begin_.size() - 1);
  carried_cells_.resize(n_ops);
  for (uint32_t op = 0; op < n_ops; ++op) {
    const std::span<const uint32_t> mine = CellsOf(op);
    for (size_t begin = 0, end; begin < mine.size(); begin = end) {
      const Cell& row = cells_[mine[begin]].cell;
      end = begin;
      bool deletes = false;
      while (end < mine.size() && cells_[mine[end]].cell.table == row.table &&
             cells_[mine[end]].cell.key == row.key) {
        const WrittenCell& wc = cells_[mine[end]];
        for (const Writer& w : wc.writers) {
          deletes |= w.op == op && wc.cell.column.empty() && *w.value == false;
        }
        ++end;
      }
      if (deletes) continue;
      for (const std::string& column : ColumnsOf(row.table)) {
        const int64_t at = Find(row.table, row.key, column);
        if (at < 0) continue;
        const std::span<const Writer> ws = cells_[at].writers;
        const auto after = std::partition_point(
            ws.begin(), ws.end(), [op](const Writer& w) { return w.op < op; });
        if (after == ws.begin()) continue;  // no earlier writer
        if (after != ws.end() && after->op == op) continue;  // its own cell
        carried.push_back(
            {static_cast<uint32_t>(at), {op, std::prev(after)->value, true}});
        carried_cells_[op].push_back(static_cast<uint32_t>(at));
      }
    }
  }
  if (carried.empty()) return;
  // By cell; within a cell they were found in operation order.
  std::stable_sort(carried.begin(), carried.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Writer> merged;
  merged.reserve(writers_.size() + carried.size());
  std::vector<uint32_t> counts(cells_.size());
  auto c = carried.begin();
  for (uint32_t at = 0; at < cells_.size(); ++at) {
    const size_t before = merged.size();
    const auto c_end = std::find_if(
        c, carried.end(), [at](const auto& e) { return e.first != at; });
    std::span<const Writer> real = cells_[at].writers;
    auto r = real.begin();
    for (; c != c_end; ++c) {  // both in operation order
      for (; r != real.end() && r->op < c->second.op; ++r) merged.push_back(*r);
      merged.push_back(c->second);
    }
    merged.insert(merged.end(), r, real.end());
    counts[at] = static_cast<uint32_t>(merged.size() - before);
  }
  writers_ = std::move(merged);
  SliceWriters(counts);
}

int64_t CheckIndex::Find(std::string_view table, std::string_view key,
                         std::string_view column) const {
  // Cell's order: table, then key, then column, each as a string compares.
  using View = std::tuple<std::string_view, std::string_view, std::string_view>;
  const View wanted{table, key, column};
  const auto view = [](const Cell& c) {
    return View{c.table, c.key, c.column};
  };
  const auto it = std::lower_bound(
      cells_.begin(), cells_.end(), wanted,
      [&view](const WrittenCell& w, const View& v) {
        return view(w.cell) < v;
      });
  return it != cells_.end() && view(it->cell) == wanted
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
