#include "checkers/cell_analysis.h"

#include <algorithm>
#include <map>

namespace crashlab {

using nlohmann::json;

namespace {

struct Writer {
  size_t op;           // index into CheckInput::ops
  const json* value;
};

// Every cell of every row in `rows`: existence and each column.
std::vector<Cell> CellsOfRows(const Rows& rows, const Schema& schema) {
  std::vector<Cell> cells;
  for (const auto& [table, by_key] : rows) {
    const TableSchema* ts = schema.Find(table);
    for (const auto& [key, row] : by_key) {
      cells.push_back({table, key, ""});
      if (!ts) continue;
      for (const Column& c : ts->columns) cells.push_back({table, key, c.name});
    }
  }
  return cells;
}

}  // namespace

CellAnalysis AnalyzeCells(const CheckInput& in) {
  std::map<Cell, std::vector<Writer>> writers;
  for (size_t i = 0; i < in.ops.size(); ++i) {
    if (in.status[i] == OpStatus::kNotInvoked) continue;
    for (const Effect& e : in.ops[i].effects) {
      writers[e.cell].push_back({i, &e.value});
    }
  }
  CellAnalysis a;
  a.ops.resize(in.ops.size());
  const Rows& rows = in.observed.rows;

  // Cells nobody wrote must hold what the base held: this catches rows
  // that appeared from nowhere and base rows that vanished or changed.
  std::vector<Cell> unwritten = CellsOfRows(rows, in.schema);
  for (const Cell& c : CellsOfRows(in.base, in.schema)) unwritten.push_back(c);
  std::sort(unwritten.begin(), unwritten.end());
  unwritten.erase(std::unique(unwritten.begin(), unwritten.end()),
                  unwritten.end());
  for (const Cell& c : unwritten) {
    if (writers.count(c)) continue;
    json base = CellValue(in.base, in.schema, c);
    json seen = CellValue(rows, in.schema, c);
    if (seen != base) a.unexplained.push_back({c, json::array({base}), seen});
  }

  for (const auto& [cell, ws] : writers) {
    const json seen = CellValue(rows, in.schema, cell);
    const bool base_match = seen == CellValue(in.base, in.schema, cell);
    bool any = false;
    size_t lo = SIZE_MAX, hi = 0;
    for (const Writer& w : ws) {
      if (*w.value != seen) continue;
      any = true;
      lo = std::min(lo, w.op);
      hi = std::max(hi, w.op);
    }
    if (!any && !base_match) {
      json candidates = json::array();
      for (const Writer& w : ws) candidates.push_back(*w.value);
      a.unexplained.push_back({cell, candidates, seen});
      continue;
    }
    for (const Writer& w : ws) {
      CellReport r{cell, *w.value, seen};
      OpPresence& p = a.ops[w.op];
      if (any && !base_match && lo == w.op && hi == w.op) {
        p.after.push_back(std::move(r));
      } else if (!any || hi < w.op) {
        p.before.push_back(std::move(r));
      } else {
        ++p.ambiguous;
      }
    }
  }
  return a;
}

std::string OpLabel(const LogicalOp& op) {
  return op.f + " #" + std::to_string(op.id);
}

std::string Show(const json& v) {
  if (v.is_null()) return "absent";
  if (v.is_boolean() ) return v.get<bool>() ? "true" : "false";
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace crashlab
