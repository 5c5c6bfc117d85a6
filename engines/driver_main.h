// The generic half of a crashlab driver: the JSON-lines loop of
// engines/PROTOCOL.md, shared by every embedded engine written in C++
// (SQLite now; LevelDB and LMDB later).
//
// A driver program implements DriverBackend for its engine and calls
// RunDriverLoop from main(). The loop owns everything about the protocol:
// reading one request per line, parsing and type-checking it, echoing the
// id, refusing commands in the wrong state (apply before open, ...),
// turning a backend's DriverReply into exactly one reply line, and closing
// the engine cleanly on `quit` or end of input. A backend only ever sees
// well-formed, typed requests and never writes to stdout.
//
// Thread-safety: one loop, one thread.
#ifndef CRASHLAB_ENGINES_DRIVER_MAIN_H_
#define CRASHLAB_ENGINES_DRIVER_MAIN_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/data_model.h"

namespace crashlab {

inline constexpr int kDriverProtocolVersion = 1;

// The outcome of one command: extra reply fields, or an error.
struct DriverReply {
  bool ok = true;
  nlohmann::json fields = nlohmann::json::object();  // merged into the reply
  std::string kind;     // error kind (PROTOCOL.md), when !ok
  std::string message;  // the engine's own words, when !ok
  // apply errors only: true when the engine guarantees nothing of the op
  // persisted, false when unknown.
  std::optional<bool> definite;

  static DriverReply Ok(nlohmann::json fields = nlohmann::json::object());
  static DriverReply Error(std::string kind, std::string message);
  static DriverReply ApplyError(std::string kind, std::string message,
                                bool definite);
};

struct OpenRequest {
  std::string dir;
  std::map<std::string, std::string> settings;
  Schema schema;
  bool create = false;
};

struct ApplyRequest {
  nlohmann::json id;  // the op's id, for log lines
  std::string f;
  std::vector<Mutation> mutations;
  std::vector<SchemaChange> schema_changes;  // the ddl workload's
};

// A `txn` request (PROTOCOL.md): Elle's list-append or rw-register mops
// over integer keys, as one transaction.
struct TxnOpRequest {
  enum class Fn : uint8_t { kRead, kAppend, kWrite };
  struct Mop {
    Fn fn = Fn::kRead;
    int64_t key = 0;
    int64_t value = 0;  // append, write
  };
  bool list_append = true;  // "list-append"; false: "rw-register"
  std::vector<Mop> mops;
};

// `dump` with "digest" (PROTOCOL.md): the reply, and the plain dump of the
// same read for a `dump` that may follow (crashlab had not seen the rows).
struct DigestDump {
  DriverReply reply;  // fields {"digest": 32 hex digits, "check": ...}
  std::function<DriverReply()> rows;  // null: a following dump reads again
};

class DriverBackend {
 public:
  virtual ~DriverBackend() = default;
  // {"engine": name, "version": engine version}; the loop adds "protocol".
  virtual nlohmann::json Hello() = 0;
  // Called only when !is_open().
  virtual DriverReply Open(const OpenRequest& req) = 0;
  // Called only when is_open(). One transaction for all mutations.
  virtual DriverReply Apply(const ApplyRequest& req) = 0;
  // Called only when is_open(). Fields {"tables": {...}, "check": "..."}.
  virtual DriverReply Dump() = 0;
  // Called only when is_open(). The default runs Dump() and hashes its
  // rows (core/rows_digest.h); a backend may hash what it reads without
  // building JSON, to the same digest.
  virtual DigestDump DumpDigest();
  // Called only when is_open().
  virtual DriverReply Close() = 0;
  // Called only when is_open(). Fields {"reads": [...]}, one per mop; errors
  // carry `definite` as Apply's. Drivers without transactions with reads
  // keep this default, a protocol error.
  virtual DriverReply Txn(const TxnOpRequest& req);
  virtual bool is_open() const = 0;
};

// Serves requests from `in` until `quit` or end of input; returns the
// process exit code (0). Replies go to `out`, one flushed line each.
int RunDriverLoop(DriverBackend& backend, std::istream& in, std::ostream& out);

// Writes "DRIVER[pid]: MESSAGE" as one line to the driver's log (stderr)
// with a single write(2). Safe from any thread, and never touches the
// iostreams: engines log from their own threads (LevelDB's compaction
// thread does), and std::cerr is tied to std::cout, so a log line written
// through it would flush the reply stream from that thread while the loop
// writes to it, duplicating or tearing replies.
void DriverLog(const char* driver, const std::string& message);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_DRIVER_MAIN_H_
