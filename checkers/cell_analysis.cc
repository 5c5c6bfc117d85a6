#include "checkers/cell_analysis.h"

#include <algorithm>
#include <map>

#include "checkers/check_index.h"

namespace crashlab {

using nlohmann::json;

namespace {

const json kTrue = true, kFalse = false, kNull = nullptr;

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

// Calls fn(table, key) for every row key of `a` or `b`, in order, once.
template <typename Fn>
void ForEachRowKey(const Rows& a, const Rows& b, Fn&& fn) {
  static const std::map<std::string, json> kNone;
  auto ta = a.begin(), tb = b.begin();
  while (ta != a.end() || tb != b.end()) {
    const bool take_a =
        tb == b.end() || (ta != a.end() && ta->first <= tb->first);
    const bool take_b =
        ta == a.end() || (tb != b.end() && tb->first <= ta->first);
    const std::string& table = take_a ? ta->first : tb->first;
    const auto& ka = take_a ? ta->second : kNone;
    const auto& kb = take_b ? tb->second : kNone;
    auto ia = ka.begin(), ib = kb.begin();
    while (ia != ka.end() || ib != kb.end()) {
      const bool key_a =
          ib == kb.end() || (ia != ka.end() && ia->first <= ib->first);
      const bool key_b =
          ia == ka.end() || (ib != kb.end() && ib->first <= ia->first);
      fn(table, key_a ? ia->first : ib->first);
      if (key_a) ++ia;
      if (key_b) ++ib;
    }
    if (take_a) ++ta;
    if (take_b) ++tb;
  }
}

// How the recovered value of one written cell matches its writers.
struct Match {
  const json* seen = nullptr;
  bool base_match = false;
  bool any = false;      // some invoked writer's value is there
  size_t lo = SIZE_MAX;  // first and last such writer
  size_t hi = 0;
  bool has_writer = false;  // some writer was invoked at all
};

Match MatchCell(const CheckInput& in, const CheckIndex::WrittenCell& wc) {
  Match m;
  for (const CheckIndex::Writer& w : wc.writers) {
    if (in.status[w.op] != OpStatus::kNotInvoked) m.has_writer = true;
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

enum class Seen : uint8_t { kAfter, kBefore, kAmbiguous };

Seen Classify(const Match& m, size_t op) {
  if (m.any && !m.base_match && m.lo == op && m.hi == op) return Seen::kAfter;
  if (!m.any || m.hi < op) return Seen::kBefore;
  return Seen::kAmbiguous;
}

}  // namespace

CellAnalysis AnalyzeCells(const CheckInput& in) {
  const CheckIndex& index = *in.index;
  CellAnalysis a;
  a.ops.resize(in.ops.size());
  const Rows& rows = in.observed.rows;

  // Cells nobody wrote must hold what the base held: this catches rows
  // that appeared from nowhere and base rows that vanished or changed.
  ForEachRowKey(
      rows, in.base, [&](const std::string& table, const std::string& key) {
        const json* seen_row = RowIn(rows, table, key);
        const json* base_row = RowIn(in.base, table, key);
        for (const std::string& column : index.ColumnsOf(table)) {
          const json& seen = ValueIn(seen_row, column);
          const json& base = ValueIn(base_row, column);
          if (seen == base) continue;
          Cell c{table, key, column};
          const int64_t at = index.Find(c);
          if (at >= 0 && MatchCell(in, index.cells()[at]).has_writer) continue;
          a.unexplained.push_back({std::move(c), json::array({base}), seen});
        }
      });

  // Written cells: "before" evidence now; "after" only for the operations
  // an oracle will read it of (below).
  for (const CheckIndex::WrittenCell& wc : index.cells()) {
    const Match m = MatchCell(in, wc);
    if (!m.has_writer) continue;
    if (!m.any && !m.base_match) {
      json candidates = json::array();
      for (const CheckIndex::Writer& w : wc.writers) {
        if (in.status[w.op] != OpStatus::kNotInvoked) {
          candidates.push_back(*w.value);
        }
      }
      a.unexplained.push_back({wc.cell, std::move(candidates), *m.seen});
      continue;
    }
    for (const CheckIndex::Writer& w : wc.writers) {
      if (in.status[w.op] == OpStatus::kNotInvoked) continue;
      const Seen s = Classify(m, w.op);
      if (s == Seen::kBefore) {
        a.ops[w.op].before.push_back({wc.cell, *w.value, *m.seen});
      } else if (s == Seen::kAmbiguous) {
        ++a.ops[w.op].ambiguous;
      } else {
        ++a.ops[w.op].present;
      }
    }
  }
  for (size_t i = 0; i < in.ops.size(); ++i) {
    if (in.status[i] == OpStatus::kNotInvoked) continue;
    if (a.ops[i].before.empty() && in.status[i] != OpStatus::kFailed) continue;
    a.ops[i].after = AfterEvidence(in, i);
  }
  return a;
}

std::vector<CellReport> AfterEvidence(const CheckInput& in, size_t op) {
  const CheckIndex& index = *in.index;
  std::vector<CellReport> out;
  for (uint32_t at : index.CellsOf(op)) {
    const CheckIndex::WrittenCell& wc = index.cells()[at];
    const Match m = MatchCell(in, wc);
    if (!m.any && !m.base_match) continue;  // unexplained: no evidence
    for (const CheckIndex::Writer& w : wc.writers) {
      if (w.op == op && Classify(m, op) == Seen::kAfter) {
        out.push_back({wc.cell, *w.value, *m.seen});
      }
    }
  }
  return out;
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
