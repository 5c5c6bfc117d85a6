#include "engines/skytable/skytable_txn.h"

#include <optional>

#include "core/history.h"

namespace crashlab {

namespace {

using Outcome = ApplyResult::Outcome;
using skyhash::CellType;
using skyhash::Param;
using skyhash::Response;

constexpr char kRegisters[] = "txn.registers";
constexpr char kLists[] = "txn.lists";

bool IsError(const Response& r, uint16_t code) {
  return r.kind == Response::Kind::kError && r.error == code;
}

// One mop's statements failed: why, and whether anything of it may apply.
struct MopError {
  std::string why;
  bool maybe_applied = false;
  bool torn = false;  // a torn read (why starts with kTornReadError)
};

Result<int64_t> SignedCell(const skyhash::Cell& c) {
  if (skyhash::IsSigned(c.type)) return c.i;
  if (skyhash::IsUnsigned(c.type)) return static_cast<int64_t>(c.u);
  return Status::Engine("expected an integer, got " + c.DebugString());
}

class SkytableTxnClient : public TxnClient {
 public:
  explicit SkytableTxnClient(StatementSender send) : send_(std::move(send)) {}

  TxnResult Transact(const TxnRequest& request) override {
    TxnResult out;
    for (size_t k = 0; k < request.mops.size(); ++k) {
      std::optional<std::vector<int64_t>> read;
      std::optional<MopError> error =
          Run(request.mops[k],
              request.workload == TxnWorkload::kListAppend, &read);
      if (error && error->torn) {
        out.outcome = Outcome::kInfo;
        out.error = error->why + " (mop " + std::to_string(k + 1) + ")";
        out.reads.clear();
        return out;
      }
      if (error) {
        const bool nothing = k == 0 && !error->maybe_applied;
        out.outcome = nothing ? Outcome::kFail : Outcome::kInfo;
        out.error = "mop " + std::to_string(k + 1) + ": " + error->why +
                    (nothing ? "" : " (Skytable has no transactions: earlier "
                                    "statements stay applied)");
        out.reads.clear();
        return out;
      }
      out.reads.push_back(std::move(read));
    }
    return out;
  }

 private:
  // A statement's reply, or the transport failure as an error that may
  // have applied (the statement may have reached skyd).
  std::optional<MopError> Send(const blueql::Statement& s, Response* reply) {
    auto r = send_(s);
    if (!r.ok()) return MopError{"`" + s.query + "`: " + r.status().message(), true};
    *reply = std::move(*r);
    return std::nullopt;
  }
  static MopError Refused(const blueql::Statement& s, const Response& r) {
    return {"`" + s.query + "` refused: " + r.DebugString(), false};
  }

  std::optional<MopError> Run(const TxnMop& m, bool list,
                              std::optional<std::vector<int64_t>>* read) {
    switch (m.fn) {
      case TxnMop::Fn::kWrite:
        return Write(m.key, m.value);
      case TxnMop::Fn::kAppend:
        return Append(m.key, m.value);
      case TxnMop::Fn::kRead:
        return Read(m.key, list, read);
    }
    return MopError{"unknown mop", false};
  }

  std::optional<MopError> Write(int64_t key, int64_t value) {
    const Param k = Param::Uint(static_cast<uint64_t>(key)), v = Param::Sint(value);
    const blueql::Statement update{
        std::string("update ") + kRegisters + " set v1 = ?, v2 = ?, v3 = ? where k = ?",
        {v, v, v, k}};
    const blueql::Statement insert{
        std::string("insert into ") + kRegisters + "(?, ?, ?, ?)", {k, v, v, v}};
    Response r;
    if (auto e = Send(update, &r)) return e;
    if (r.kind == Response::Kind::kEmpty) return std::nullopt;
    if (!IsError(r, skyhash::kErrRowNotFound)) return Refused(update, r);
    if (auto e = Send(insert, &r)) return e;
    if (r.kind == Response::Kind::kEmpty) return std::nullopt;
    if (!IsError(r, skyhash::kErrDuplicate)) return Refused(insert, r);
    // Another client created the row between our two statements.
    if (auto e = Send(update, &r)) return e;
    if (r.kind == Response::Kind::kEmpty) return std::nullopt;
    return Refused(update, r);
  }

  std::optional<MopError> Append(int64_t key, int64_t value) {
    const Param k = Param::Uint(static_cast<uint64_t>(key));
    const blueql::Statement update{
        std::string("update ") + kLists + " set l += ? where k = ?",
        {Param::Sint(value), k}};
    const blueql::Statement create{
        std::string("insert into ") + kLists + "(?, [])", {k}};
    Response r;
    if (auto e = Send(update, &r)) return e;
    if (r.kind == Response::Kind::kEmpty) return std::nullopt;
    if (!IsError(r, skyhash::kErrRowNotFound)) return Refused(update, r);
    if (auto e = Send(create, &r)) return e;
    if (r.kind != Response::Kind::kEmpty && !IsError(r, skyhash::kErrDuplicate)) {
      return Refused(create, r);
    }
    if (auto e = Send(update, &r)) return e;
    if (r.kind == Response::Kind::kEmpty) return std::nullopt;
    return Refused(update, r);
  }

  std::optional<MopError> Read(int64_t key, bool list,
                               std::optional<std::vector<int64_t>>* read) {
    const Param k = Param::Uint(static_cast<uint64_t>(key));
    const blueql::Statement select =
        list ? blueql::Statement{std::string("select l from ") + kLists +
                                     " where k = ?",
                                 {k}}
             : blueql::Statement{std::string("select v1, v2, v3 from ") +
                                     kRegisters + " where k = ?",
                                 {k}};
    Response r;
    if (auto e = Send(select, &r)) return MopError{e->why, false};
    if (IsError(r, skyhash::kErrRowNotFound)) return std::nullopt;  // nil
    if (r.kind != Response::Kind::kRow) return Refused(select, r);
    std::vector<int64_t> values;
    if (list) {
      if (r.row.size() != 1 || r.row[0].type != CellType::kList) {
        return Refused(select, r);
      }
      for (const skyhash::Cell& c : r.row[0].list) {
        auto v = SignedCell(c);
        if (!v.ok()) return MopError{v.status().message(), false};
        values.push_back(*v);
      }
    } else {
      if (r.row.size() != 3) return Refused(select, r);
      if (r.row[0].type == CellType::kNull) return std::nullopt;
      for (const skyhash::Cell& c : r.row) {
        auto v = SignedCell(c);
        if (!v.ok()) return MopError{v.status().message(), false};
        values.push_back(*v);
      }
      // All three from one write: one value. Otherwise a torn read: the
      // transaction's reads cannot be trusted, so it ends `info`, saying so
      // (registers_json.h counts these).
      if (values[0] != values[1] || values[1] != values[2]) {
        return MopError{std::string(kTornReadError) +
                            ": register " + std::to_string(key) + " read as " +
                            std::to_string(values[0]) + ", " +
                            std::to_string(values[1]) + ", " +
                            std::to_string(values[2]),
                        true, true};
      }
      values.resize(1);
    }
    *read = std::move(values);
    return std::nullopt;
  }

  StatementSender send_;
};

}  // namespace

Status CreateSkytableTxnStorage(const StatementSender& send) {
  const std::string ddl[] = {
      "create space if not exists txn",
      std::string("create model if not exists ") + kRegisters +
          "(k: uint64, null v1: sint64, null v2: sint64, null v3: sint64)",
      std::string("create model if not exists ") + kLists +
          "(k: uint64, l: list { type: sint64 })",
  };
  for (const std::string& q : ddl) {
    CRASHLAB_ASSIGN_OR_RETURN(Response r, send({q, {}}));
    if (r.kind == Response::Kind::kError) {
      return Status::Engine("`" + q + "`: " + r.DebugString());
    }
  }
  return Status::Ok();
}

std::unique_ptr<TxnClient> MakeSkytableTxnClient(StatementSender send) {
  return std::make_unique<SkytableTxnClient>(std::move(send));
}

}  // namespace crashlab
