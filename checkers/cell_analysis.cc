#include "checkers/cell_analysis.h"

#include <algorithm>
#include <map>
#include <optional>

#include "checkers/check_index.h"

namespace crashlab {

using nlohmann::json;

namespace {

const json kTrue = true, kFalse = false, kNull = nullptr;

}  // namespace

const json* RowIn(const Rows& rows, const std::string& table,
                  const std::string& key) {
  const auto t = rows.find(table);
  if (t == rows.end()) return nullptr;
  const auto r = t->second.find(key);
  return r == t->second.end() ? nullptr : &r->second;
}

// CellValue without a copy: what `row` (nullptr: absent) holds in `column`.
const json& ValueIn(const json* row, const std::string& column) {
  if (column.empty()) return row ? kTrue : kFalse;
  if (!row || !row->is_object()) return kNull;
  const auto it = row->find(column);
  return it == row->end() ? kNull : *it;
}

Match MatchCell(const CheckInput& in, const CheckIndex::WrittenCell& wc) {
  Match m;
  for (const CheckIndex::Writer& w : wc.writers) {
    if (!w.carried && in.status[w.op] != OpStatus::kNotInvoked) {
      m.has_writer = true;
    }
  }
  if (!m.has_writer) return m;
  const Cell& c = wc.cell;
  m.seen = &ValueIn(RowIn(in.observed.rows, c.table, c.key), c.column);
  m.base_match = *m.seen == ValueIn(RowIn(in.base, c.table, c.key), c.column);
  for (const CheckIndex::Writer& w : wc.writers) {
    if (in.status[w.op] == OpStatus::kNotInvoked || *w.value != *m.seen) {
      continue;
    }
    m.any = true;
    m.lo = std::min<size_t>(m.lo, w.op);
    m.hi = std::max<size_t>(m.hi, w.op);
  }
  return m;
}

Seen Classify(const Match& m, size_t op) {
  if (m.any && !m.base_match && m.lo == op && m.hi == op) return Seen::kAfter;
  if (!m.any || m.hi < op) return Seen::kBefore;
  return Seen::kAmbiguous;
}

std::optional<CellReport> UnwrittenCell(const CheckInput& in,
                                        const std::string& table,
                                        const std::string& key,
                                        const std::string& column) {
  const json& seen = ValueIn(RowIn(in.observed.rows, table, key), column);
  const json& base = ValueIn(RowIn(in.base, table, key), column);
  if (seen == base) return std::nullopt;
  Cell cell{table, key, column};
  const int64_t at = in.index->Find(cell);
  if (at >= 0 && MatchCell(in, in.index->cells()[at]).has_writer) {
    return std::nullopt;
  }
  return CellReport{std::move(cell), json::array({base}), seen};
}

std::optional<CellReport> ApplyWrittenCell(const CheckInput& in, uint32_t at,
                                           int sign, CellAnalysis* a) {
  const CheckIndex::WrittenCell& wc = in.index->cells()[at];
  const Match m = MatchCell(in, wc);
  if (!m.has_writer) return std::nullopt;
  if (!m.any && !m.base_match) {
    json candidates = json::array();
    for (const CheckIndex::Writer& w : wc.writers) {
      if (!w.carried && in.status[w.op] != OpStatus::kNotInvoked) {
        candidates.push_back(*w.value);
      }
    }
    return CellReport{wc.cell, std::move(candidates), *m.seen};
  }
  const auto by_cell = [](const CellReport& r, const Cell& c) {
    return r.cell < c;
  };
  for (const CheckIndex::Writer& w : wc.writers) {
    // A carried write is no evidence of its own operation (check_index.h).
    if (w.carried || in.status[w.op] == OpStatus::kNotInvoked) continue;
    OpPresence& p = a->ops[w.op];
    switch (Classify(m, w.op)) {
      case Seen::kBefore: {
        // Kept in cell order: an op's evidence lists its cells in order.
        auto it = std::lower_bound(p.before.begin(), p.before.end(), wc.cell,
                                   by_cell);
        if (sign > 0) {
          while (it != p.before.end() && it->cell == wc.cell) ++it;
          p.before.insert(it, {wc.cell, *w.value, *m.seen});
        } else if (it != p.before.end() && it->cell == wc.cell) {
          p.before.erase(it);
        }
        break;
      }
      case Seen::kAmbiguous:
        p.ambiguous += sign;
        break;
      case Seen::kAfter:
        p.present += sign;
        break;
    }
  }
  return std::nullopt;
}

std::vector<CellReport> AfterEvidence(const CheckInput& in, size_t op) {
  const CheckIndex& index = *in.index;
  std::vector<CellReport> out;
  for (uint32_t at : index.CellsOf(op)) {
    const CheckIndex::WrittenCell& wc = index.cells()[at];
    const Match m = MatchCell(in, wc);
    if (!m.any && !m.base_match) continue;  // unexplained: no evidence
    for (const CheckIndex::Writer& w : wc.writers) {
      if (w.op == op && !w.carried && Classify(m, op) == Seen::kAfter) {
        out.push_back({wc.cell, *w.value, *m.seen});
      }
    }
  }
  return out;
}

bool NeedsAfter(const CheckInput& in, const CellAnalysis& a, size_t op) {
  return in.status[op] != OpStatus::kNotInvoked &&
         (!a.ops[op].before.empty() || in.status[op] == OpStatus::kFailed);
}

CellAnalysis AnalyzeCells(const CheckInput& in) {
  const CheckIndex& index = *in.index;
  CellAnalysis a;
  a.ops.resize(in.ops.size());

  // Cells nobody wrote must hold what the base held: this catches rows
  // that appeared from nowhere and base rows that vanished or changed.
  ForEachRowKey(in.observed.rows, in.base,
                [&](const std::string& table, const std::string& key,
                    const json*, const json*) {
                  for (const std::string& column : index.ColumnsOf(table)) {
                    auto r = UnwrittenCell(in, table, key, column);
                    if (r) a.unexplained.push_back(std::move(*r));
                  }
                });
  // Written cells: "before" evidence now; "after" only for the operations
  // an oracle will read it of.
  for (uint32_t at = 0; at < index.cells().size(); ++at) {
    auto r = ApplyWrittenCell(in, at, +1, &a);
    if (r) a.unexplained.push_back(std::move(*r));
  }
  for (size_t i = 0; i < in.ops.size(); ++i) {
    if (NeedsAfter(in, a, i)) a.ops[i].after = AfterEvidence(in, i);
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
