#include "harness/cli/inspect_cmd.h"

#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "checkers/formats/inspect.h"
#include "checkers/formats/skytable_rows.h"
#include "core/files.h"
#include "harness/cli/cli_args.h"
#include "harness/explore/corrupt_sweep.h"
#include "reports/report.h"

namespace crashlab {

namespace po = boost::program_options;

namespace {

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// `crashlab inspect DIR` on a Skytable 0.8 data directory: every model's
// rows after its intact batches, and whether each journal (GNS included)
// ends with a Closed event. Exit 0 when all are intact and closed, 1 when
// any is damaged or unclosed (0.8.0 refuses to start on it).
int InspectSkytableDir(const std::string& dir) {
  auto disk = formats::ReadSkytableDisk(dir);
  if (!disk.ok()) return Usage(disk.status().message());
  nlohmann::ordered_json out = {{"directory", dir},
                                {"format", "skytable-0.8"},
                                {"gns_closed", disk->gns_closed},
                                {"gns_damage", disk->gns_damage}};
  bool clean = disk->gns_closed && disk->gns_damage.empty();
  nlohmann::ordered_json models = nlohmann::ordered_json::object();
  for (const auto& [name, m] : disk->models) {
    clean = clean && m.closed && m.stopped_at.empty();
    nlohmann::ordered_json rows = nlohmann::ordered_json::object();
    for (const auto& [key, cells] : m.rows) {
      rows[key] = nlohmann::ordered_json::parse(cells.dump());
    }
    models[name] = {{"file", m.file},     {"batches", m.batches},
                    {"closed", m.closed}, {"stopped_at", m.stopped_at},
                    {"rows", std::move(rows)}};
  }
  out["models"] = std::move(models);
  out["verdict"] = clean ? "clean" : "unclean";
  if (!clean) {
    out["note"] =
        "a journal is damaged or does not end with a Closed event: Skytable "
        "0.8.0 refuses to start; 0.8.1's `skyd repair` keeps the rows above";
  }
  fmt::print("{}\n", out.dump(1));
  return clean ? kExitPass : kExitFindings;
}

}  // namespace

int InspectMain(const std::vector<std::string>& args) {
  std::string file, format_name = "auto";
  po::options_description desc(
      "crashlab inspect FILE [--format auto|sdss|gns|batch|sqlite|sqlite-wal|"
      "leveldb-log|leveldb-manifest|leveldb-current] | crashlab inspect "
      "SKYTABLE-DATA-DIR");
  desc.add_options()
      ("help,h", "show these options")
      ("file", po::value(&file)->required(), "the file (or Skytable data directory) to inspect")
      ("format", po::value(&format_name)->default_value("auto"), "its format (auto: from name and magic)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (auto done = ParseArgs(desc, &pos, args, &vm,
                            "usage: crashlab inspect FILE [--format F]")) {
    return *done;
  }
  if (IsDirectory(file)) return InspectSkytableDir(file);
  auto format = formats::ParseFormat(format_name);
  if (!format.ok()) return Usage(format.status().message());
  auto data = ReadFileToString(file);
  if (!data.ok()) return Usage("cannot read " + file + ": " + data.status().message());
  auto inspected = formats::Inspect(file, *data, *format);
  if (!inspected.ok()) return Usage(inspected.status().message());
  // The summary first, then the elements, for a reader scrolling down.
  const nlohmann::json j = inspected->ToJson();
  nlohmann::ordered_json out = {{"file", file}};
  for (const char* key : {"format", "size", "verdict", "header_size",
                          "problems", "notes", "elements"}) {
    out[key] = nlohmann::ordered_json::parse(j.at(key).dump());
  }
  fmt::print("{}\n", out.dump(1));
  return inspected->verdict() == formats::Verdict::kIntact ? kExitPass
                                                          : kExitFindings;
}

int CorruptSweepMain(const std::vector<std::string>& args,
                     const std::string& bin_dir,
                     const std::atomic<bool>* interrupted) {
  SweepOptions o;
  std::vector<std::string> sets;
  po::options_description desc(
      "crashlab corrupt-sweep --engine E [--set k=v] --out DIR [options]");
  desc.add_options()
      ("help,h", "show these options")
      ("engine", po::value(&o.engine)->required(), "engine to test (see `crashlab engines`)")
      ("set", po::value(&sets)->composing(), "engine setting KEY=VALUE (repeatable)")
      ("out", po::value(&o.out)->required(), "output directory (new or empty): sweep.json")
      ("files", po::value(&o.files_glob)->default_value("*"), "only files whose relative path matches this glob")
      ("ops", po::value(&o.ops)->default_value(40), "auth workload operations before the sweep")
      ("seed", po::value(&o.seed)->default_value(1), "workload seed")
      ("budget-s", po::value(&o.budget_s)->default_value(0), "stop after this many seconds (0: none): incomplete")
      ("header-bytes", po::value(&o.header_bytes)->default_value(0), "bytes corrupted one by one at the start (0: the format's header size, else 100)")
      ("timeout-s", po::value(&o.timeout_s)->default_value(30), "engine request timeout");
  po::variables_map vm;
  if (auto done = ParseArgs(desc, nullptr, args, &vm,
                            "see crashlab corrupt-sweep --help")) {
    return *done;
  }
  const std::string bad_set = ParseSets(sets, &o.settings);
  if (!bad_set.empty()) return Usage(bad_set);
  o.out = AbsolutePath(o.out);
  o.bin_dir = bin_dir;
  o.interrupted = interrupted;
  return RunCorruptSweep(o);
}

}  // namespace crashlab
