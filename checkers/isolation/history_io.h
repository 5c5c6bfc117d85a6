// Reading and writing transactional histories in crashlab's and Jepsen's
// formats, so a history recorded here can be cross-checked with Elle and an
// Elle/Jepsen history can be checked here.
//
// Formats:
//   jsonl  one event per line, as crashlab's history.jsonl:
//          {"type":"ok","f":"txn","process":0,"time":123,"index":1,"op":1,
//           "value":[["append","x",3],["r","y",[1,2]]]}
//          (`op`, `time`, `index` optional; mop functions "append", "r",
//          "w", with or without a leading ':').
//   json   Jepsen's JSON form: one array of such event objects.
//   edn    Jepsen/Elle EDN: one map per line, or one vector of maps:
//          {:type :invoke, :f :txn, :value [[:append 1 2] [:r 3 nil]],
//           :process 0, :time 123, :index 0}
//          Records (`#jepsen.history.Op{...}`) are read as maps.
//
// Only events with f = txn are transactions; others (nemesis operations,
// events whose process is not an integer) are skipped and counted. An invoke
// is paired with the next completion of its process (or of its `op` id when
// events carry one). A completion's value carries the transaction's mops; a
// nil completion value falls back to the invoke's. Invokes never completed
// become info. Errors are Status values naming the line (and column) of the
// offending event; nothing throws.
//
// Everything here is a free function over values; thread-safe.
#ifndef CRASHLAB_CHECKERS_ISOLATION_HISTORY_IO_H_
#define CRASHLAB_CHECKERS_ISOLATION_HISTORY_IO_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "checkers/isolation/txn_history.h"
#include "core/history.h"
#include "core/status.h"

namespace crashlab {

enum class HistoryFormat : uint8_t { kJsonl, kJson, kEdn };

const char* HistoryFormatName(HistoryFormat f);
Result<HistoryFormat> ParseHistoryFormat(std::string_view name);
// From the file name (.edn, .json, .jsonl) or else the text's first bytes.
HistoryFormat GuessHistoryFormat(const std::string& path,
                                 std::string_view text);

struct ImportStats {
  uint64_t events = 0;      // events read
  uint64_t skipped = 0;     // not transactions (nemesis, other f)
  uint64_t unfinished = 0;  // invokes never completed, counted as info
};

// From crashlab's in-memory history (events with f = "txn").
Result<TxnHistory> TxnHistoryFromEvents(const History& h,
                                        ImportStats* stats = nullptr);
Result<TxnHistory> ParseTxnHistory(std::string_view text, HistoryFormat format,
                                   ImportStats* stats = nullptr);

// Jepsen EDN, one event map per line, in history order.
std::string ExportEdn(const TxnHistory& h);
// JSON lines readable by ParseTxnHistory and by History::ParseJsonl; keyword
// atoms are written as plain strings, as Jepsen's JSON does.
std::string ExportJsonl(const TxnHistory& h);

// A transaction's mops as JSON ([["append","x",3],...]) or EDN
// ([[:append "x" 3] ...]). `invoke`: reads shown as nil, as at invocation.
nlohmann::json MopsToJson(const TxnHistory& h, const Txn& t,
                          bool invoke = false);
std::string MopsToEdn(const TxnHistory& h, const Txn& t, bool invoke = false);
// One mop as text for explanations: "append 3 to x", "read x = [1 2]".
std::string MopToEdn(const TxnHistory& h, const Mop& m, bool invoke = false);
// An atom as JSON (integers as numbers, everything else as its text).
nlohmann::json AtomToJson(const AtomTable& t, Atom a);

}  // namespace crashlab

#endif  // CRASHLAB_CHECKERS_ISOLATION_HISTORY_IO_H_
