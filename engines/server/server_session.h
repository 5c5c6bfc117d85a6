// ServerSession: the Session of an engine that is a server process started
// per session (Redis, PostgreSQL). It owns the server, kills it when
// dropped, stops it on Close, and adds the server's own words to an
// operation whose outcome is unknown because the server died. Subclasses
// say how to apply, dump and stop cleanly.
//
// RecoveryFromDump turns what a recovery read from such a server into a
// Recovery.
//
// Server must offer Kill(), running(), Explain() and process_group().
// Not thread-safe, like every Session.
#ifndef CRASHLAB_ENGINES_SERVER_SERVER_SESSION_H_
#define CRASHLAB_ENGINES_SERVER_SERVER_SESSION_H_

#include <memory>
#include <string>

#include "engines/engine.h"

namespace crashlab {

template <typename Server>
class ServerSession : public Session {
 public:
  // `program` names the server in errors ("redis-server", "postgres").
  ServerSession(std::unique_ptr<Server> server, Schema schema,
                std::string program)
      : server_(std::move(server)),
        schema_(std::move(schema)),
        program_(std::move(program)) {}
  ~ServerSession() override {
    if (server_) server_->Kill();
  }

  ApplyResult Apply(const LogicalOp& op) override {
    if (!server_) return {ApplyResult::Outcome::kInfo, "session is closed"};
    ApplyResult r = ApplyOn(*server_, op);
    if (r.outcome == ApplyResult::Outcome::kInfo && !server_->running()) {
      r.error += "; " + program_ + " is gone: " + server_->Explain();
    }
    return r;
  }
  Result<Rows> Dump() override {
    if (!server_) return Status::Engine("dump: session is closed");
    return DumpOn(*server_);
  }
  Status Close() override {
    if (!server_) return Status::Ok();
    Status st = StopServer(*server_);
    server_.reset();
    return st;
  }
  void Kill() override {
    if (server_) server_->Kill();
    server_.reset();
  }
  int process_group() const override {
    return server_ ? server_->process_group() : -1;
  }

 protected:
  virtual ApplyResult ApplyOn(Server& server, const LogicalOp& op) = 0;
  virtual Result<Rows> DumpOn(Server& server) = 0;
  virtual Status StopServer(Server& server) = 0;

  std::unique_ptr<Server> server_;  // null once closed or killed
  Schema schema_;

 private:
  std::string program_;
};

// The Recovery of a server that started on a crash image, from the rows
// read back from it: ok with the rows, or why not (the server died while
// read: crashed; no answer in time: hung; else the dump failed). Kills the
// server.
template <typename Server>
Recovery RecoveryFromDump(Server& server, const std::string& program,
                          Result<Rows> rows) {
  Recovery r;
  if (rows.ok()) {
    r.rows = std::move(rows).value();
    r.engine_check = "ok";
  } else if (!server.running()) {
    r.stage = Recovery::Stage::kCrashed;
    r.message = program + " died while it was read back: " + server.Explain();
  } else {
    r.stage = rows.status().code() == Code::kTimeout
                  ? Recovery::Stage::kHung
                  : Recovery::Stage::kDumpFailed;
    r.message = rows.status().message();
  }
  server.Kill();
  return r;
}

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SERVER_SERVER_SESSION_H_
