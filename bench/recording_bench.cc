// Recording benchmark: what faultfs costs over FUSE's floor and over the
// native file system, measured side by side in one run.
//
// Workload: SQLite (linked in, the bench's own process) in WAL mode with
// synchronous=FULL; N transactions (default 1,500), each inserting a
// session and updating its user's counters. The database and its users
// are created on the backing directory first; only the transactions are
// timed. Conditions, alternated every repetition (the starting one rotates):
//
//   ext4                  the database on --work (the backing file system)
//   tmpfs                 on --tmpfs: no disk at all
//   passthrough           crashlab-bench-passthrough: a bare low-level FUSE
//                         passthrough with faultfs's mount options
//   passthrough, no fsync the same, fsyncs answered but not passed on
//   faultfs               crashlab-faultfs as crashlab runs it (recording)
//   faultfs --backing-fsync  with real fsync latency
//   faultfs + marks       with the two control-file marks per transaction
//                         crashlab run writes (invoke and ok)
//
// Prints the median time per condition, the ratios, and for each FUSE
// daemon the requests it served per transaction, by kind (--stats).
//
// usage: crashlab-bench-recording [--txns N] [--repeat R] [--users U]
//                                 [--seed S] [--work DIR] [--tmpfs DIR]
//                                 [--threads N] [--old-faultfs BIN]
//                                 [--skip-disk] [--trace-dir DIR]
//
// --skip-disk runs only the conditions that never wait for the disk (to
// compare faultfs with the floor quickly). --old-faultfs BIN adds a
// condition running another crashlab-faultfs build as it is (e.g. main's,
// which passes fsyncs on, to measure a change side by side). --trace-dir
// puts faultfs's trace elsewhere than --work (e.g. on tmpfs, to see what
// writing it to the disk's page cache costs).
#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "core/files.h"
#include "core/subprocess.h"
#include "faultfs/client/faultfs_mount.h"

using namespace crashlab;

namespace {

struct Args {
  int txns = 1500;
  int repeat = 5;
  int users = 1000;
  uint64_t seed = 7;
  int threads = 0;
  std::string work = "/tmp";
  std::string tmpfs = "/dev/shm";
  std::string trace_dir;    // where faultfs writes its trace ("" = --work)
  std::string old_faultfs;  // another crashlab-faultfs build to compare
  bool skip_disk = false;   // only the conditions that never fsync the disk
};

enum class Kind { kNative, kPassthrough, kFaultfs };

struct Condition {
  std::string name;
  Kind kind;
  bool on_tmpfs = false;
  bool fsync = true;   // passthrough: pass fsyncs on; faultfs: --backing-fsync
  bool marks = false;  // faultfs: two marks per transaction
  std::string bin;     // faultfs: another build (no --stats, no flags)
  std::vector<double> seconds;
  nlohmann::json stats;               // the daemon's --stats of the last run
  std::vector<double> daemon_cpu_us;  // per transaction, user + system

  // Waits for the disk: a native run on --work, or a FUSE daemon that
  // passes fsyncs on.
  bool disk() const { return kind == Kind::kNative ? !on_tmpfs : fsync; }
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(3);
}

void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Fail(what + ": " + s.message());
}

std::string SelfDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  const std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

std::string FsType(const std::string& dir) {
  struct statfs st;
  if (::statfs(dir.c_str(), &st) != 0) return "?";
  switch (st.f_type) {
    case 0xEF53:
      return "ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    default:
      return fmt::format("0x{:x}", st.f_type);
  }
}

std::string LoadAvg() {
  auto text = ReadFileToString("/proc/loadavg");
  if (!text.ok()) return "?";
  std::string s = *text;
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Fail("open " + path);
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=FULL");
  }
  ~Db() {
    for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      Fail(sql + ": " + (err ? err : "?"));
    }
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) {
      Fail(std::string("prepare: ") + sqlite3_errmsg(db_));
    }
    statements_.push_back(s);
    return s;
  }
  void Step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) {
      Fail(std::string("step: ") + sqlite3_errmsg(db_));
    }
    sqlite3_reset(s);
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

void CreateDatabase(const std::string& dir, const Args& a) {
  Db db(dir + "/auth.db");
  db.Exec(
      "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, password TEXT, "
      "sessions INTEGER, last_login INTEGER);"
      "CREATE TABLE sessions(token TEXT PRIMARY KEY, user INTEGER, "
      "created INTEGER)");
  db.Exec("BEGIN");
  for (int i = 1; i <= a.users; ++i) {
    db.Exec(
        fmt::format("INSERT INTO users VALUES({0}, 'user-{0}', "
                    "'hash-{0}', 0, 0)",
                    i));
  }
  db.Exec("COMMIT");
}

// The timed part: `a.txns` transactions on the database in `dir`.
double RunTransactions(const std::string& dir, const Args& a,
                       FaultfsMount* marks) {
  Db db(dir + "/auth.db");
  sqlite3_stmt* begin = db.Prepare("BEGIN");
  sqlite3_stmt* insert = db.Prepare("INSERT INTO sessions VALUES(?, ?, ?)");
  sqlite3_stmt* update = db.Prepare(
      "UPDATE users SET sessions = sessions + 1, last_login = ? WHERE id = ?");
  sqlite3_stmt* commit = db.Prepare("COMMIT");
  std::mt19937_64 rng(a.seed);
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < a.txns; ++t) {
    const int64_t user = static_cast<int64_t>(rng() % a.users) + 1;
    const std::string token = fmt::format("{:016x}{:016x}", rng(), rng());
    if (marks) Check(marks->Mark(fmt::format("invoke:{}", t)), "mark");
    db.Step(begin);
    sqlite3_bind_text(insert, 1, token.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 2, user);
    sqlite3_bind_int64(insert, 3, t);
    db.Step(insert);
    sqlite3_bind_int64(update, 1, t);
    sqlite3_bind_int64(update, 2, user);
    db.Step(update);
    db.Step(commit);
    if (marks) Check(marks->Mark(fmt::format("ok:{}", t)), "mark");
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// crashlab-bench-passthrough, from mount to unmount.
class Passthrough {
 public:
  Passthrough(const Args& a, const std::string& backing, const std::string& mnt,
              const std::string& stats, bool fsync) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) Fail("pipe");
    std::vector<std::string> argv = {SelfDir() + "/crashlab-bench-passthrough",
                                     backing,
                                     mnt,
                                     "--ready-fd",
                                     std::to_string(ready[1]),
                                     "--stats",
                                     stats};
    if (!fsync) argv.push_back("--no-fsync");
    if (a.threads > 0) {
      argv.insert(argv.end(), {"--threads", std::to_string(a.threads)});
    }
    auto p = Subprocess::Spawn(
        {.argv = argv, .inherit_fd = ready[1], .death_signal = SIGTERM});
    ::close(ready[1]);
    if (!p.ok()) Fail("passthrough: " + p.status().message());
    daemon_ = std::move(p).value();
    char buf[8] = {0};
    const ssize_t n = ::read(ready[0], buf, sizeof(buf) - 1);
    ::close(ready[0]);
    if (n <= 0) Fail("the passthrough did not mount " + mnt);
  }
  ~Passthrough() {
    if (daemon_->Stop(30000) != 0) Fail("the passthrough failed");
  }

 private:
  std::unique_ptr<Subprocess> daemon_;
};

void RunOnce(Condition& c, const Args& a, const std::string& root) {
  const std::string base = c.on_tmpfs ? a.tmpfs : a.work;
  const std::string dir = fmt::format("{}/crashlab-rec-{}", base, ::getpid());
  const std::string data = dir + "/data", mnt = dir + "/mnt";
  const std::string stats = root + "/stats.json";
  Check(RemoveTree(dir), "clean");
  Check(MakeDirs(data), "mkdir");
  Check(MakeDirs(mnt), "mkdir");
  CreateDatabase(data, a);
  double seconds = 0;
  if (c.kind == Kind::kNative) {
    seconds = RunTransactions(data, a, nullptr);
  } else if (c.kind == Kind::kPassthrough) {
    {
      Passthrough p(a, data, mnt, stats, c.fsync);
      seconds = RunTransactions(mnt, a, nullptr);
    }
  } else {
    MountOptions mo;
    mo.faultfs_bin = c.bin.empty() ? SelfDir() + "/crashlab-faultfs" : c.bin;
    mo.backing = data;
    mo.mount_point = mnt;
    mo.trace_path = (a.trace_dir.empty() ? root : a.trace_dir) + "/trace.bin";
    mo.log_path = root + "/faultfs.log";
    if (c.bin.empty()) {
      mo.threads = a.threads;
      mo.backing_fsync = c.fsync;
      mo.stats_path = stats;
    }
    (void)RemoveTree(mo.trace_path);
    auto mount = FaultfsMount::Start(mo);
    Check(mount.status(), "faultfs");
    seconds = RunTransactions(mnt, a, c.marks ? mount->get() : nullptr);
    Check((*mount)->Stop(), "faultfs stop");
  }
  c.seconds.push_back(seconds);
  if (c.kind != Kind::kNative && c.bin.empty()) {
    auto text = ReadFileToString(stats);
    Check(text.status(), "stats");
    c.stats = nlohmann::json::parse(*text);
    const nlohmann::json& cpu = c.stats["cpu"];
    c.daemon_cpu_us.push_back(
        (cpu["user_s"].get<double>() + cpu["sys_s"].get<double>()) * 1e6 /
        a.txns);
    (void)RemoveTree(stats);
  }
  Check(RemoveTree(dir), "clean");
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void PrintRequests(const Condition& c, const Args& a) {
  if (c.stats.is_null()) return;
  const nlohmann::json& r = c.stats["requests"];
  std::vector<std::pair<uint64_t, std::string>> kinds;
  for (const auto& [k, v] : r.items()) {
    if (k != "total") kinds.emplace_back(v.get<uint64_t>(), k);
  }
  std::sort(kinds.rbegin(), kinds.rend());
  std::string by_kind;
  for (const auto& [n, k] : kinds) {
    if (double(n) / a.txns < 0.05) continue;
    by_kind += fmt::format(" {} {:.2f},", k, double(n) / a.txns);
  }
  if (!by_kind.empty()) by_kind.pop_back();
  fmt::print("  {:<26} {:6.2f} requests/txn:{}\n", c.name,
             r["total"].get<double>() / a.txns, by_kind);
  if (c.stats.contains("trace")) {
    const nlohmann::json& t = c.stats["trace"];
    fmt::print(
        "  {:<26} trace: {:.2f} records/txn, {} writes, peak {} KiB "
        "buffered, {} stalls; {} backing fsyncs\n",
        "", t["records"].get<double>() / a.txns, t["writes"].get<uint64_t>(),
        t["peak_buffered_bytes"].get<uint64_t>() / 1024,
        t["stalls"].get<uint64_t>(), c.stats["backing_fsyncs"].get<uint64_t>());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  namespace bench = crashlab::bench;
  const std::string usage =
      "usage: crashlab-bench-recording [--txns N] [--repeat R] [--users U] "
      "[--seed S] [--work DIR] [--tmpfs DIR] [--threads N] "
      "[--old-faultfs BIN] [--skip-disk] [--trace-dir DIR]";
  int64_t seed = static_cast<int64_t>(a.seed);
  bench::po::options_description options;
  options.add_options()("txns", bench::po::value(&a.txns))(
      "repeat", bench::po::value(&a.repeat))(
      "users", bench::po::value(&a.users))("seed", bench::po::value(&seed))(
      "work", bench::po::value(&a.work))("trace-dir",
                                         bench::po::value(&a.trace_dir))(
      "tmpfs", bench::po::value(&a.tmpfs))("threads",
                                           bench::po::value(&a.threads))(
      "old-faultfs", bench::po::value(&a.old_faultfs))(
      "skip-disk", bench::po::bool_switch(&a.skip_disk));
  if (auto code = bench::ParseArgs(argc, argv, usage, options)) {
    return *code;
  }
  if (a.txns < 1 || a.repeat < 1 || a.users < 1 || a.threads < 0 || seed < 0) {
    return bench::Refuse(usage,
                         "--txns, --repeat and --users are at least 1, "
                         "--threads and --seed at least 0");
  }
  a.seed = static_cast<uint64_t>(seed);
  const std::string root =
      fmt::format("{}/crashlab-bench-rec-{}", a.work, ::getpid());
  ScopedDir cleanup(root);
  Check(MakeDirs(root), "mkdir");
  std::vector<Condition> all = {
      {"ext4 (native)", Kind::kNative},
      {"tmpfs", Kind::kNative, true},
      {"passthrough", Kind::kPassthrough},
      {"passthrough, no fsync", Kind::kPassthrough, false, false},
      {"faultfs", Kind::kFaultfs, false, false},
      {"faultfs --backing-fsync", Kind::kFaultfs, false, true},
      {"faultfs + 2 marks/txn", Kind::kFaultfs, false, false, true},
  };
  all[0].name = FsType(a.work) + " (native)";
  if (!a.old_faultfs.empty()) {
    all.push_back({"faultfs (--old-faultfs)", Kind::kFaultfs});
    all.back().bin = a.old_faultfs;
  }
  std::vector<Condition> conds;
  for (Condition& c : all) {
    if (!a.skip_disk || !c.disk()) conds.push_back(std::move(c));
  }
  fmt::print(
      "crashlab recording benchmark: SQLite {} WAL+FULL, {} "
      "transactions (insert a session, update a user; {} users), "
      "seed {}, {} alternating repetitions\n",
      sqlite3_libversion(), a.txns, a.users, a.seed, a.repeat);
  fmt::print("data on {} ({}), tmpfs {} ({}); load average at start {}\n",
             a.work, FsType(a.work), a.tmpfs, FsType(a.tmpfs), LoadAvg());
  for (int rep = 0; rep < a.repeat; ++rep) {
    for (size_t i = 0; i < conds.size(); ++i) {
      RunOnce(conds[(i + rep) % conds.size()], a, root);
    }
  }
  // References: the native disk, the passthrough, and the passthrough
  // that treats fsync as the condition does (like for like).
  auto median_of = [&](Kind kind, bool disk) {
    for (const Condition& c : conds) {
      if (c.kind == kind && c.disk() == disk) return Median(c.seconds);
    }
    return 0.0;
  };
  auto ratio = [](double m, double ref) {
    return ref > 0 ? fmt::format("{:.2f}x", m / ref) : std::string("-");
  };
  const double native = median_of(Kind::kNative, true);
  const double floor = median_of(Kind::kPassthrough, true);
  fmt::print("\n{:<26} {:>9} {:>9} {:>14} {:>12} {:>14}\n", "condition",
             "median", "/ native", "/ passthrough", "/ same-fsync",
             "daemon CPU");
  for (const Condition& c : conds) {
    const double m = Median(c.seconds);
    const double same =
        c.kind == Kind::kNative ? 0.0 : median_of(Kind::kPassthrough, c.disk());
    const std::string cpu =
        c.daemon_cpu_us.empty()
            ? std::string("-")
            : fmt::format("{:.1f} us/txn", Median(c.daemon_cpu_us));
    fmt::print("{:<26} {:>7.3f} s {:>9} {:>14} {:>12} {:>14}\n", c.name, m,
               ratio(m, native), ratio(m, floor), ratio(m, same), cpu);
  }
  fmt::print(
      "(/ same-fsync: over the passthrough that passes fsyncs on, or not, as "
      "this condition does; daemon CPU: the FUSE daemon's user + system time "
      "per transaction, median)\n");
  fmt::print(
      "\nFUSE requests per transaction (whole mount, open and close "
      "included):\n");
  for (const Condition& c : conds) PrintRequests(c, a);
  fmt::print("load average at end {}\n", LoadAvg());
  return 0;
}
