#include "harness/live/live_round.h"

#include <fmt/format.h>

#include "core/files.h"
#include "core/fs_image.h"

namespace crashlab {

namespace {

bool IsKillRecord(const Record& r) {
  return r.op == Op::kFault && (r.data.find("\"kill\"") != std::string::npos ||
                                r.data.find("\"crash\"") != std::string::npos ||
                                r.data.find("\"torn") != std::string::npos);
}

}  // namespace

std::string LiveRoundEnv::data() const { return JoinPath(out, ".work/data"); }

std::string LiveRoundEnv::round_dir(int r) const {
  return fmt::format("{}/rounds/{:03d}", out, r);
}

std::string LiveRoundEnv::socket() const {
  return JoinPath(scratch, "ctl.sock");
}

LiveRound::~LiveRound() {
  if (session) session->Kill();
  session.reset();
  control.reset();
  if (mount) (void)mount->Stop();
}

Result<std::unique_ptr<LiveRound>> StartLiveRound(const LiveRoundEnv& env,
                                                  Engine& engine,
                                                  const Schema& schema, int r,
                                                  bool with_faults) {
  auto round = std::make_unique<LiveRound>();
  round->number = r;
  round->dir = env.round_dir(r);
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(round->dir));
  CRASHLAB_RETURN_IF_ERROR(CopyTree(env.data(), JoinPath(round->dir, "base")));
  MountOptions mo;
  mo.faultfs_bin = JoinPath(env.bin_dir, "crashlab-faultfs");
  mo.backing = env.data();
  mo.mount_point = JoinPath(env.out, ".work/mnt");
  mo.trace_path = JoinPath(round->dir, "trace.bin");
  mo.log_path = JoinPath(round->dir, "faultfs.log");
  mo.control_socket = env.socket();
  mo.allow_other = engine.runs_as_other_user();
  mo.backing_fsync = env.backing_fsync;
  if (with_faults) mo.faults_path = env.faults_path;
  mo.seed = env.seed + r;
  (void)RemoveTree(mo.control_socket);
  CRASHLAB_ASSIGN_OR_RETURN(round->mount, FaultfsMount::Start(mo));
  CRASHLAB_ASSIGN_OR_RETURN(round->control,
                            ControlClient::Connect(mo.control_socket));
  auto session = engine.Open(mo.mount_point, schema);
  if (session.ok()) {
    round->session = std::move(session).value();
  } else {
    round->open_status = session.status();
  }
  return round;
}

uint64_t CrashTimeNs(const Trace& trace) {
  for (size_t i = trace.records.size(); i-- > trace.first_op;) {
    if (IsKillRecord(trace.records[i])) return trace.records[i].time_ns;
  }
  return trace.records.empty() ? 0 : trace.records.back().time_ns;
}

Result<RoundCrash> CrashLiveRound(const LiveRoundEnv& env, LiveRound& round,
                                  Rng& rng, bool cut_at_kill) {
  round.session.reset();  // killed already; reaps the driver
  round.control.reset();
  CRASHLAB_RETURN_IF_ERROR(round.mount->Stop());
  round.mount.reset();
  RoundCrash c;
  CRASHLAB_ASSIGN_OR_RETURN(c.trace,
                            ReadTrace(JoinPath(round.dir, "trace.bin")));
  const Trace& trace = c.trace;
  if (!trace.tail.clean) {
    return Status::Infrastructure("round trace damaged: " + trace.tail.problem);
  }
  CRASHLAB_ASSIGN_OR_RETURN(
      FsImage base_image,
      FsImage::FromBase(trace, JoinPath(round.dir, "base")));
  c.position = trace.records.size();
  if (cut_at_kill) {
    for (size_t i = trace.first_op; i < trace.records.size(); ++i) {
      if (IsKillRecord(trace.records[i])) {
        c.position = i + 1;
        break;
      }
    }
  }
  c.state = env.power ? StateAt(trace, Model::kDropUnsynced, c.position)
                      : CrashState{Model::kPrefix, c.position, {}, {}};
  c.state.kind = env.power ? "power" : "process";
  if (env.power) c.tear = TearLastWrite(trace, env.tear, rng, &c.state);
  ImageBuilder builder(trace, base_image);
  const FsImage& image = builder.Build(c.state);
  c.image = image.ContentHash();
  c.crash_ns = CrashTimeNs(trace);
  const std::string states = JoinPath(round.dir, "states");
  CRASHLAB_RETURN_IF_ERROR(MakeDirs(states));
  CRASHLAB_RETURN_IF_ERROR(
      WriteStringToFile(JoinPath(states, c.state.Id() + ".json"),
                        CrashStateToJson(c.state).dump(1)));
  if (env.power || c.position < trace.records.size()) {
    // The data directory becomes what the disk would hold.
    CRASHLAB_RETURN_IF_ERROR(RemoveTree(env.data()));
    CRASHLAB_RETURN_IF_ERROR(MakeDirs(env.data()));
    CRASHLAB_RETURN_IF_ERROR(image.Materialize(env.data()));
  }
  return c;
}

CrashTimer::CrashTimer(const std::string& socket, int64_t after_ms) {
  thread_ = std::thread([this, socket, after_ms] {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(after_ms),
                     [this] { return cancelled_; })) {
      return;
    }
    auto client = ControlClient::Connect(socket);
    if (client.ok()) (void)(*client)->Call({{"cmd", "crash"}});
  });
}

CrashTimer::~CrashTimer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace crashlab
