#include "checkers/isolation/history_io.h"

#include <gtest/gtest.h>

#include "checkers/isolation/synthetic.h"
#include "core/rng.h"

namespace crashlab {
namespace {

// An Elle-style history: one map per line, a nemesis op, a crashed txn.
constexpr char kElleEdn[] = R"(
{:type :invoke, :f :txn, :value [[:append 1 2] [:r 3 nil]], :process 0, :time 10, :index 0}
{:type :invoke, :f :start, :value nil, :process :nemesis, :time 11, :index 1}
{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 1, :time 12, :index 2}
{:type :ok, :f :txn, :value [[:append 1 2] [:r 3 [7]]], :process 0, :time 20, :index 3}
{:type :info, :f :start, :value :partitioned, :process :nemesis, :time 21, :index 4}
{:type :fail, :f :txn, :value [[:r 1 nil]], :process 1, :time 22, :index 5}
{:type :invoke, :f :txn, :value [[:append "k" 9]], :process 2, :time 30, :index 6}
)";

TxnHistory Parse(std::string_view text, HistoryFormat f,
                 ImportStats* stats = nullptr) {
  auto h = ParseTxnHistory(text, f, stats);
  EXPECT_TRUE(h.ok()) << h.status().message();
  return h.ok() ? std::move(h).value() : TxnHistory();
}

std::string ErrorOf(std::string_view text, HistoryFormat f) {
  auto h = ParseTxnHistory(text, f);
  EXPECT_FALSE(h.ok()) << text;
  return h.ok() ? "" : h.status().message();
}

TEST(HistoryIo, ReadsElleEdnAndPairsByProcess) {
  ImportStats stats;
  const TxnHistory h = Parse(kElleEdn, HistoryFormat::kEdn, &stats);
  EXPECT_EQ(stats.events, 7u);
  EXPECT_EQ(stats.skipped, 2u);
  EXPECT_EQ(stats.unfinished, 1u);
  ASSERT_EQ(h.txns().size(), 3u);
  const Txn& t0 = h.txns()[0];
  EXPECT_EQ(t0.type, TxnType::kOk);
  EXPECT_EQ(t0.invoke_index, 0u);
  EXPECT_EQ(t0.complete_index, 3u);
  EXPECT_EQ(t0.complete_time_ns, 20u);
  EXPECT_EQ(MopsToEdn(h, t0), "[[:append 1 2] [:r 3 [7]]]");
  EXPECT_EQ(MopsToEdn(h, t0, /*invoke=*/true), "[[:append 1 2] [:r 3 nil]]");
  EXPECT_EQ(h.txns()[1].type, TxnType::kFail);
  EXPECT_EQ(h.txns()[2].type, TxnType::kInfo) << "never completed";
  EXPECT_EQ(MopsToEdn(h, h.txns()[2]), "[[:append \"k\" 9]]");
  EXPECT_EQ(MopsToJson(h, t0).dump(), R"([["append",1,2],["r",3,[7]]])");
}

TEST(HistoryIo, VectorOfMapsAndRecordsReadTheSame) {
  const std::string lines = ExportEdn(Parse(kElleEdn, HistoryFormat::kEdn));
  std::string vec = "[" + lines + "]";
  EXPECT_EQ(ExportEdn(Parse(vec, HistoryFormat::kEdn)), lines);
  std::string records;
  for (size_t at = 0, next; at < lines.size(); at = next + 1) {
    next = lines.find('\n', at);
    records += "#jepsen.history.Op" + lines.substr(at, next - at + 1);
  }
  EXPECT_EQ(ExportEdn(Parse(records, HistoryFormat::kEdn)), lines);
}

TEST(HistoryIo, EdnRoundTrip) {
  SyntheticOptions o;
  o.txns = 500;
  o.fail_per_mille = 50;
  o.info_per_mille = 50;
  const TxnHistory h = GenerateAppendHistory(o);
  const std::string edn = ExportEdn(h);
  const TxnHistory back = Parse(edn, HistoryFormat::kEdn);
  EXPECT_EQ(back.txns().size(), h.txns().size());
  EXPECT_EQ(ExportEdn(back), edn);
  EXPECT_EQ(ExportJsonl(back), ExportJsonl(h));
}

TEST(HistoryIo, JsonRoundTripThroughCrashlabHistory) {
  const TxnHistory h = Parse(kElleEdn, HistoryFormat::kEdn);
  const std::string jsonl = ExportJsonl(h);
  // crashlab's own reader accepts it, and the events convert back.
  auto events = History::ParseJsonl(jsonl);
  ASSERT_TRUE(events.ok()) << events.status().message();
  auto from_events = TxnHistoryFromEvents(*events);
  ASSERT_TRUE(from_events.ok()) << from_events.status().message();
  EXPECT_EQ(ExportJsonl(*from_events), jsonl);
  EXPECT_EQ(ExportJsonl(Parse(jsonl, HistoryFormat::kJsonl)), jsonl);
  // Jepsen's JSON form: one array of the same objects.
  std::string array = "[";
  for (size_t at = 0, next; at < jsonl.size(); at = next + 1) {
    next = jsonl.find('\n', at);
    array += (at ? "," : "") + jsonl.substr(at, next - at);
  }
  array += "]";
  EXPECT_EQ(ExportJsonl(Parse(array, HistoryFormat::kJson)), jsonl);
  EXPECT_EQ(ExportEdn(Parse(array, HistoryFormat::kJson)), ExportEdn(h));
}

TEST(HistoryIo, JsonlAcceptsKeywordStyleNamesAndOpIds) {
  const char* text =
      R"({"type":"invoke","f":":txn","process":3,"op":7,"value":[[":append","x",1]]}
{"type":"invoke","f":"txn","process":3,"op":8,"value":[["r","x",null]]}
{"type":"ok","f":"txn","process":3,"op":8,"value":[["r","x",[1]]]}
{"type":"ok","f":"txn","process":3,"op":7,"value":null}
)";
  const TxnHistory h = Parse(text, HistoryFormat::kJsonl);
  ASSERT_EQ(h.txns().size(), 2u);
  EXPECT_EQ(MopsToEdn(h, h.txns()[0]), "[[:append \"x\" 1]]")
      << "a nil completion keeps the invoke's mops";
  EXPECT_EQ(h.txns()[1].complete_index, 2u) << "index defaults to position";
}

TEST(HistoryIo, MalformedInputSaysWhere) {
  EXPECT_EQ(ErrorOf("{\"type\":\"invoke\"}\n{\"type\": ok}\n",
                    HistoryFormat::kJsonl),
            "history line 2, column 10: not valid JSON");
  EXPECT_NE(ErrorOf("[{\"type\":\"invoke\"},\n {]", HistoryFormat::kJson)
                .find("line 2, column"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("{:type :ok, :f :txn, :process 0, :value []}",
                    HistoryFormat::kEdn),
            "edn line 1, column 1: a ok completion of process 0 that was "
            "never invoked");
  EXPECT_NE(ErrorOf("{:type :invoke, :f :txn, :process 0}\n"
                    "{:type :invoke, :f :txn, :process 0}",
                    HistoryFormat::kEdn)
                .find("line 2, column 1: process 0 invoked again"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("{:type :invoke, :f :txn, :process 0}\n"
                    "{:type :ok, :f :txn, :process 0, :value [[:inc :x 1]]}",
                    HistoryFormat::kEdn),
            "edn line 2, column 42: unknown mop function in [:inc :x 1] "
            "(:append, :r or :w)");
  EXPECT_NE(ErrorOf("{:type :ok, :value [[:append :x {:a 1}]]}\n :oops",
                    HistoryFormat::kEdn)
                .find("edn line"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[1 2]", HistoryFormat::kEdn).find("must be a map"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{:type :bogus}", HistoryFormat::kEdn).find(":type"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{\"type\":\"ok\",\"f\":\"txn\",\"process\":1,"
                    "\"value\":[[\"append\",[1],2]]}",
                    HistoryFormat::kJsonl)
                .find("history line 1"),
            std::string::npos);
}

TEST(HistoryIo, GuessesTheFormat) {
  EXPECT_EQ(GuessHistoryFormat("h.edn", "{"), HistoryFormat::kEdn);
  EXPECT_EQ(GuessHistoryFormat("h.json", "{"), HistoryFormat::kJson);
  EXPECT_EQ(GuessHistoryFormat("h.jsonl", "["), HistoryFormat::kJsonl);
  EXPECT_EQ(GuessHistoryFormat("h", "  {:type :ok}"), HistoryFormat::kEdn);
  EXPECT_EQ(GuessHistoryFormat("h", "[{:type"), HistoryFormat::kEdn);
  EXPECT_EQ(GuessHistoryFormat("h", "[{\"type\""), HistoryFormat::kJson);
  EXPECT_EQ(GuessHistoryFormat("h", "{\"type\""), HistoryFormat::kJsonl);
  EXPECT_FALSE(ParseHistoryFormat("xml").ok());
}

// Mutated histories, in every format: never a crash, always a Status.
TEST(HistoryIo, MutatedHistoriesAreRejectedCleanly) {
  const std::string edn = kElleEdn;
  const std::string jsonl = ExportJsonl(Parse(kElleEdn, HistoryFormat::kEdn));
  const char kBytes[] = "[]{}()\":,#_\n 0123456789-nulltrue";
  Rng rng(7);
  for (int round = 0; round < 3000; ++round) {
    const bool use_edn = round % 2 == 0;
    std::string text = use_edn ? edn : jsonl;
    for (int e = 0; e < 3; ++e) {
      const size_t at = rng.Uniform(text.size());
      if (rng.Chance(1, 2)) text[at] = kBytes[rng.Uniform(sizeof(kBytes) - 1)];
      else text.erase(at, 1 + rng.Uniform(6));
    }
    auto h = ParseTxnHistory(text, use_edn ? HistoryFormat::kEdn
                                           : HistoryFormat::kJsonl);
    if (!h.ok()) EXPECT_FALSE(h.status().message().empty());
  }
}

}  // namespace
}  // namespace crashlab
