#include "checkers/isolation/cli.h"

#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "checkers/isolation/history_io.h"
#include "checkers/isolation/isolation.h"
#include "core/files.h"
#include "core/status.h"

namespace crashlab {

const char kIsolationUsage[] =
    "usage: crashlab check-isolation HISTORY [--format jsonl|edn|json]\n"
    "         [--process] [--realtime] [--sequential-keys]\n"
    "         [--linearizable-keys] [--search-budget N] [--max-examples N]\n"
    "         [--out FILE]\n"
    "         [--export-edn OUT] [--export-jsonl OUT] [--quiet]\n"
    "Checks a list-append or rw-register transaction history for isolation\n"
    "anomalies (Elle's G0, G1a, G1b, G1c, G-single, G2-item, lost update,\n"
    "...). --sequential-keys / --linearizable-keys assume each key on its\n"
    "own is sequentially consistent / linearizable and order its versions\n"
    "by process / real-time order. --search-budget bounds each cycle\n"
    "search (edge visits per component). Exit: 0 valid, 1 anomalies, 2 bad\n"
    "usage or input.\n";

namespace {

struct Args {
  std::string history;
  std::optional<HistoryFormat> format;
  IsolationOptions options;
  std::string out, export_edn, export_jsonl;
  bool quiet = false;
};

Result<Args> ParseArgs(const std::vector<std::string>& args) {
  Args a;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* flag) -> Result<std::string> {
      if (i + 1 >= args.size()) {
        return Status::InvalidArgument(fmt::format("{} needs a value", flag));
      }
      return args[++i];
    };
    if (arg == "--format") {
      CRASHLAB_ASSIGN_OR_RETURN(std::string v, value("--format"));
      CRASHLAB_ASSIGN_OR_RETURN(HistoryFormat f, ParseHistoryFormat(v));
      a.format = f;
    } else if (arg == "--realtime") {
      a.options.realtime = true;
    } else if (arg == "--process") {
      a.options.process = true;
    } else if (arg == "--sequential-keys") {
      a.options.sequential_keys = true;
    } else if (arg == "--linearizable-keys") {
      a.options.linearizable_keys = true;
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (arg == "--out") {
      CRASHLAB_ASSIGN_OR_RETURN(a.out, value("--out"));
    } else if (arg == "--export-edn") {
      CRASHLAB_ASSIGN_OR_RETURN(a.export_edn, value("--export-edn"));
    } else if (arg == "--export-jsonl") {
      CRASHLAB_ASSIGN_OR_RETURN(a.export_jsonl, value("--export-jsonl"));
    } else if (arg == "--max-examples" || arg == "--search-budget") {
      CRASHLAB_ASSIGN_OR_RETURN(std::string v, value(arg.c_str()));
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size() ||
          (arg == "--search-budget" && n == 0)) {
        return Status::InvalidArgument(arg + " needs a positive number");
      }
      if (arg == "--max-examples") {
        a.options.max_examples = n;
      } else {
        a.options.search_budget = n;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return Status::InvalidArgument(fmt::format("unknown option {}", arg));
    } else if (a.history.empty()) {
      a.history = arg;
    } else {
      return Status::InvalidArgument(
          fmt::format("one history at a time (got {} and {})", a.history, arg));
    }
  }
  if (a.history.empty()) return Status::InvalidArgument("no HISTORY given");
  return a;
}

int Fail(std::FILE* err, const Status& s) {
  std::fprintf(err, "crashlab check-isolation: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

}  // namespace

int IsolationMain(const std::vector<std::string>& args, std::FILE* out,
                  std::FILE* err) {
  auto parsed = ParseArgs(args);
  if (!parsed.ok()) {
    std::fprintf(err, "crashlab check-isolation: %s\n%s",
                 parsed.status().message().c_str(), kIsolationUsage);
    return kExitUsage;
  }
  const Args& a = *parsed;
  auto text = ReadFileToString(a.history);
  if (!text.ok()) return Fail(err, text.status());
  const HistoryFormat format =
      a.format.value_or(GuessHistoryFormat(a.history, *text));
  ImportStats stats;
  auto history = ParseTxnHistory(*text, format, &stats);
  if (!history.ok()) {
    return Fail(err, history.status().Annotate(
                         fmt::format("{} ({})", a.history,
                                     HistoryFormatName(format))));
  }
  if (!a.export_edn.empty()) {
    Status s = WriteStringToFile(a.export_edn, ExportEdn(*history));
    if (!s.ok()) return Fail(err, s);
  }
  if (!a.export_jsonl.empty()) {
    Status s = WriteStringToFile(a.export_jsonl, ExportJsonl(*history));
    if (!s.ok()) return Fail(err, s);
  }
  auto result = CheckIsolation(*history, a.options);
  if (!result.ok()) return Fail(err, result.status().Annotate(a.history));
  if (!a.out.empty()) {
    Status s = WriteStringToFile(a.out, result->ToJson().dump(2) + "\n");
    if (!s.ok()) return Fail(err, s);
  }
  if (!a.quiet) {
    std::fprintf(out, "%s (%s): %llu events, %llu skipped\n", a.history.c_str(),
                 HistoryFormatName(format),
                 static_cast<unsigned long long>(stats.events),
                 static_cast<unsigned long long>(stats.skipped));
    std::fputs(result->Summary().c_str(), out);
  }
  const std::string verdict = result->Verdict();
  if (verdict == "valid") return kExitPass;
  if (verdict == "unknown") {
    std::fprintf(err,
                 "crashlab check-isolation: the history writes some value "
                 "twice to one key, so those keys could not be checked\n");
    return kExitUsage;
  }
  return kExitFindings;
}

int IsolationMain(const std::vector<std::string>& args) {
  return IsolationMain(args, stdout, stderr);
}

}  // namespace crashlab
