// RequestStats: how many FUSE requests of each kind a daemon served.
//
// The recording benchmark compares faultfs with a bare passthrough by the
// requests each transaction costs, so both count the same way: every
// low-level operation is wrapped by Counted<>, which counts the request,
// then runs the operation. Counting is one relaxed atomic add per request.
//
//     ops.write = Counted<MyContext, Request::kWrite, &MyWrite>::Op;
//
// where MyContext (the session's userdata) has a `RequestStats requests`
// member. Requests libfuse answers itself (INIT, INTERRUPT, unimplemented
// operations) are not counted.
//
// Thread-safety: Add and the readers may run concurrently from any thread.
#ifndef CRASHLAB_FAULTFS_REQUEST_STATS_H_
#define CRASHLAB_FAULTFS_REQUEST_STATS_H_

#include <fuse_lowlevel.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace crashlab::faultfs {

enum class Request : uint8_t {
  kLookup,
  kForget,
  kGetattr,
  kSetattr,
  kReadlink,
  kMknod,
  kMkdir,
  kSymlink,
  kLink,
  kUnlink,
  kRmdir,
  kRename,
  kStatfs,
  kOpendir,
  kReaddir,
  kReleasedir,
  kFsyncdir,
  kCreate,
  kOpen,
  kRead,
  kWrite,
  kFlush,
  kRelease,
  kFsync,
  kFallocate,
  kLseek,
  kSetxattr,
  kGetxattr,
  kListxattr,
  kRemovexattr,
};
constexpr size_t kRequestKinds = static_cast<size_t>(Request::kRemovexattr) + 1;

// "lookup", "write", ... (the FUSE operation's name).
const char* RequestName(Request r);

class RequestStats {
 public:
  void Add(Request r) {
    counts_[static_cast<size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count(Request r) const {
    return counts_[static_cast<size_t>(r)].load(std::memory_order_relaxed);
  }
  uint64_t total() const;
  // {"total": N, "write": n, ...}: the total and every kind seen.
  nlohmann::json ToJson() const;

 private:
  std::array<std::atomic<uint64_t>, kRequestKinds> counts_{};
};

// {"user_s": U, "sys_s": S}: the CPU time this process has used so far
// (getrusage), which a loaded machine disturbs less than wall time.
nlohmann::json ProcessCpuJson();

// Counted<Ctx, kKind, &Fn>::Op has Fn's signature; it adds one kKind
// request to the RequestStats `requests` of the session's userdata (a Ctx),
// then calls Fn.
template <typename Ctx, Request kKind, auto kFn>
struct Counted;

template <typename Ctx, Request kKind, typename... Args,
          void (*kFn)(fuse_req_t, Args...)>
struct Counted<Ctx, kKind, kFn> {
  static void Op(fuse_req_t req, Args... args) {
    static_cast<Ctx*>(fuse_req_userdata(req))->requests.Add(kKind);
    kFn(req, args...);
  }
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_REQUEST_STATS_H_
