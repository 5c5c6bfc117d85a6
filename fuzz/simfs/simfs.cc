#include "fuzz/simfs/simfs.h"

#include <sys/stat.h>

#include <cassert>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include "core/bytes.h"
#include "fuzz/simfs/record_pool.h"

namespace crashlab {
namespace {

// Splits `path` into its names; EINVAL for "..".
int Components(std::string_view path, std::vector<std::string_view>* out) {
  out->clear();
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view part = path.substr(i, j - i);
    if (part == "..") return EINVAL;
    if (!part.empty() && part != ".") out->push_back(part);
    i = j + 1;
  }
  return 0;
}

const char* FillName(Tear::Fill f) {
  switch (f) {
    case Tear::Fill::kOld:
      return "old bytes";
    case Tear::Fill::kZeros:
      return "zeros";
    case Tear::Fill::kGarbage:
      return "garbage";
  }
  return "?";
}

}  // namespace

namespace {

// Fills the record pool and FileData's free list when the first SimFs is
// made, so that a fuzzer's inputs do not grow them (record_pool.h).
void FillPoolsOnce() {
  static const bool filled = [] {
    FileData::FillFreeList();
    record_pool::Fill();
    return true;
  }();
  (void)filled;
}

}  // namespace

SimFs::SimFs()
    : base_(std::make_shared<const FsImage>()), next_id_(kRootId + 1) {
  FillPoolsOnce();
  StartTrace();
}

SimFs::SimFs(const FsImage& base)
    : SimFs(std::make_shared<const FsImage>(base)) {}

SimFs::SimFs(std::shared_ptr<const FsImage> base)
    : base_(std::move(base)), live_(*base_), next_id_(base_->MaxId() + 1) {
  FillPoolsOnce();
  StartTrace();
}

SimFs::SimFs(const Run& run, CrashState state)
    : next_id_(run.next_id), next_fd_(run.next_fd), crashes_(run.crashes) {
  FillPoolsOnce();
  CrashRun(run.base, run.trace, std::move(state));
}

SimFs::~SimFs() { record_pool::Recycle(&trace_); }

namespace {

// A trace shared by SimFs::Runs and crashes; its buffers go back to the
// record pool when the last owner lets go.
std::shared_ptr<const Trace> Share(Trace&& trace) {
  return std::shared_ptr<const Trace>(new Trace(std::move(trace)),
                                      [](Trace* t) {
                                        record_pool::Recycle(t);
                                        delete t;
                                      });
}

}  // namespace

SimFs::Run SimFs::TakeRun() {
  return {base_, Share(std::move(trace_)), next_id_, next_fd_, crashes_};
}

const Trace& SimFs::last_trace() const {
  static const Trace none;
  return last_trace_ ? *last_trace_ : none;
}

void SimFs::StartTrace() {
  record_pool::Recycle(&trace_);
  trace_ = Trace();
  trace_.records = record_pool::TakeRecords();
  trace_.base_dir = "base";
  Record head;
  head.op = Op::kBase;
  head.data = trace_.base_dir;
  trace_.records.push_back(std::move(head));
  // Pre-order, so every entry's parent is listed before it.
  std::vector<FileId> dirs = {kRootId};
  while (!dirs.empty()) {
    const FileId dir = dirs.back();
    dirs.pop_back();
    const auto* entries = base_->Entries(dir);
    if (!entries) continue;
    for (const auto& [name, id] : *entries) {
      FsImage::Kind kind;
      uint32_t perm = 0;
      if (!base_->KindOf(id, &kind, &perm)) continue;
      Record r;
      r.op = Op::kBaseEntry;
      r.parent = dir;
      r.name = name;
      r.file = id;
      r.mode = (kind == FsImage::Kind::kDir       ? S_IFDIR
                : kind == FsImage::Kind::kSymlink ? S_IFLNK
                                                  : S_IFREG) |
               perm;
      trace_.records.push_back(std::move(r));
      if (kind == FsImage::Kind::kDir) dirs.push_back(id);
    }
  }
  trace_.first_op = trace_.records.size();
}

void SimFs::Append(Record r) {
  r.time_ns = trace_.records.size() * 1000;  // a logical clock: 1 us per op
  r.pid = 1;
  const bool exact = live_.Apply(r);
  assert(exact && "simfs records only what it has checked applies");
  (void)exact;
  trace_.records.push_back(std::move(r));
}

int SimFs::Resolve(std::string_view path, FileId* parent, std::string* name,
                   FileId* id) const {
  // Component by component, without collecting them: engines resolve a
  // path on every open, stat and rename, and a vector each time is an
  // allocation (costly under ASan).
  *parent = 0;
  name->clear();
  *id = kRootId;
  bool missing = false;  // a component before this one was not found
  for (size_t i = 0; i <= path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const std::string_view part = path.substr(i, j - i);
    i = j + 1;
    if (part == "..") return EINVAL;
    if (part.empty() || part == ".") continue;
    if (missing) return ENOENT;
    const auto* entries = live_.Entries(*id);
    if (!entries) return ENOTDIR;
    *parent = *id;
    name->assign(part);
    auto it = entries->find(*name);
    if (it == entries->end()) {
      missing = true;
      *id = 0;
      continue;
    }
    *id = it->second;
  }
  return 0;
}

SimFs::Handle* SimFs::Find(int fd) {
  const size_t i = static_cast<size_t>(fd - kFirstFd);
  if (fd < kFirstFd || i >= fds_.size() || !fds_[i].open) return nullptr;
  return &fds_[i];
}

bool SimFs::IsDir(FileId id) const { return live_.IsDir(id); }

uint64_t SimFs::SizeOf(FileId id) const {
  const FileData* data = live_.Data(id);
  return data ? data->size() : 0;
}

int SimFs::Open(std::string_view path, int flags, int* fd, uint32_t mode) {
  FileId parent, id;
  std::string name;
  if (int err = Resolve(path, &parent, &name, &id)) return err;
  const int access = flags & O_ACCMODE;
  if (id == 0) {
    if (!(flags & O_CREAT)) return ENOENT;
    if (flags & O_DIRECTORY) return EINVAL;
    id = next_id_++;
    Record r;
    r.op = Op::kCreate;
    r.parent = parent;
    r.name = name;
    r.file = id;
    r.mode = S_IFREG | (mode & 07777);
    Append(std::move(r));
  } else {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return EEXIST;
    const bool dir = IsDir(id);
    if (dir && access != O_RDONLY) return EISDIR;
    if (!dir && (flags & O_DIRECTORY)) return ENOTDIR;
    if (!dir && (flags & O_TRUNC) && access != O_RDONLY && SizeOf(id) > 0) {
      Record r;
      r.op = Op::kTruncate;
      r.file = id;
      r.offset = 0;
      Append(std::move(r));
    }
  }
  *fd = next_fd_++;
  const size_t i = static_cast<size_t>(*fd - kFirstFd);
  if (i >= fds_.size()) {
    if (fds_.empty()) fds_.reserve(64);
    fds_.resize(i + 1);
  }
  fds_[i] = Handle{id, IsDir(id), access != O_RDONLY, true};
  return 0;
}

int SimFs::Close(int fd) {
  Handle* h = Find(fd);
  if (!h) return EBADF;
  h->open = false;
  return 0;
}

int SimFs::Pread(int fd, uint64_t offset, size_t n, std::string* out) {
  const Handle* h = Find(fd);
  if (!h) return EBADF;
  if (h->is_dir) return EISDIR;
  out->clear();
  const FileData* data = live_.Data(h->id);
  if (data) *out = data->Read(offset, n);
  return 0;
}

int SimFs::Pread(int fd, uint64_t offset, char* buf, size_t n, size_t* got) {
  const Handle* h = Find(fd);
  if (!h) return EBADF;
  if (h->is_dir) return EISDIR;
  *got = 0;
  const FileData* data = live_.Data(h->id);
  if (data) *got = data->Read(offset, n, buf);
  return 0;
}

int SimFs::Pwrite(int fd, uint64_t offset, std::string_view data) {
  const Handle* h = Find(fd);
  if (!h || !h->writable) return EBADF;
  if (h->is_dir) return EISDIR;
  if (data.empty()) return 0;
  Record r;
  r.op = Op::kWrite;
  r.file = h->id;
  r.offset = offset;
  r.data = record_pool::TakeBuffer(data.size());
  r.data.assign(data);
  Append(std::move(r));
  return 0;
}

int SimFs::Ftruncate(int fd, uint64_t size) {
  const Handle* h = Find(fd);
  if (!h || !h->writable) return h ? EINVAL : EBADF;
  if (h->is_dir) return EISDIR;
  if (SizeOf(h->id) == size) return 0;
  Record r;
  r.op = Op::kTruncate;
  r.file = h->id;
  r.offset = size;
  Append(std::move(r));
  return 0;
}

int SimFs::RecordSync(const Handle& h, bool data_only) {
  Record r;
  r.op = h.is_dir ? Op::kFsyncDir : data_only ? Op::kFdatasync : Op::kFsync;
  r.file = h.id;
  Append(std::move(r));
  return 0;
}

int SimFs::Fsync(int fd) {
  const Handle* h = Find(fd);
  return h ? RecordSync(*h, false) : EBADF;
}

int SimFs::Fdatasync(int fd) {
  const Handle* h = Find(fd);
  return h ? RecordSync(*h, true) : EBADF;
}

int SimFs::Fstat(int fd, Stat* st) {
  const Handle* h = Find(fd);
  if (!h) return EBADF;
  *st = Stat{h->id, h->is_dir, SizeOf(h->id)};
  return 0;
}

int SimFs::StatPath(std::string_view path, Stat* st) {
  FileId parent, id;
  std::string name;
  if (int err = Resolve(path, &parent, &name, &id)) return err;
  if (id == 0) return ENOENT;
  *st = Stat{id, IsDir(id), SizeOf(id)};
  return 0;
}

int SimFs::Truncate(std::string_view path, uint64_t size) {
  int fd;
  if (int err = Open(path, O_WRONLY, &fd)) return err;
  const int err = Ftruncate(fd, size);
  Close(fd);
  return err;
}

int SimFs::Rename(std::string_view from, std::string_view to) {
  FileId parent, id, new_parent, other;
  std::string name, new_name;
  if (int err = Resolve(from, &parent, &name, &id)) return err;
  if (id == 0) return ENOENT;
  if (id == kRootId) return EBUSY;
  if (int err = Resolve(to, &new_parent, &new_name, &other)) return err;
  if (other == kRootId) return EBUSY;
  const bool dir = IsDir(id);
  if (dir) {
    // A directory cannot move below itself.
    std::vector<std::string_view> a, b;
    Components(from, &a);
    Components(to, &b);
    if (b.size() > a.size() && std::equal(a.begin(), a.end(), b.begin())) {
      return EINVAL;
    }
  }
  if (other == id) return 0;  // two names of one file: nothing happens
  if (other != 0) {
    if (dir && !IsDir(other)) return ENOTDIR;
    if (!dir && IsDir(other)) return EISDIR;
    if (IsDir(other) && !live_.Entries(other)->empty()) return ENOTEMPTY;
  }
  Record r;
  r.op = Op::kRename;
  r.parent = parent;
  r.name = name;
  r.new_parent = new_parent;
  r.new_name = new_name;
  r.file = id;
  r.other = other;
  Append(std::move(r));
  return 0;
}

int SimFs::RemoveName(std::string_view path, bool dir) {
  FileId parent, id;
  std::string name;
  if (int err = Resolve(path, &parent, &name, &id)) return err;
  if (id == 0) return ENOENT;
  if (id == kRootId) return EBUSY;
  if (IsDir(id) != dir) return dir ? ENOTDIR : EISDIR;
  if (dir && !live_.Entries(id)->empty()) return ENOTEMPTY;
  Record r;
  r.op = dir ? Op::kRmdir : Op::kUnlink;
  r.parent = parent;
  r.name = name;
  r.file = id;
  Append(std::move(r));
  return 0;
}

int SimFs::Unlink(std::string_view path) { return RemoveName(path, false); }

int SimFs::Rmdir(std::string_view path) { return RemoveName(path, true); }

int SimFs::Mkdir(std::string_view path, uint32_t mode) {
  FileId parent, id;
  std::string name;
  if (int err = Resolve(path, &parent, &name, &id)) return err;
  if (id != 0) return EEXIST;
  Record r;
  r.op = Op::kMkdir;
  r.parent = parent;
  r.name = name;
  r.file = next_id_++;
  r.mode = S_IFDIR | (mode & 07777);
  Append(std::move(r));
  return 0;
}

int SimFs::List(std::string_view path, std::vector<std::string>* names) {
  FileId parent, id;
  std::string name;
  if (int err = Resolve(path, &parent, &name, &id)) return err;
  if (id == 0) return ENOENT;
  const auto* entries = live_.Entries(id);
  if (!entries) return ENOTDIR;
  names->clear();
  names->reserve(entries->size());
  for (const auto& [n, child] : *entries) names->push_back(n);
  return 0;
}

int SimFs::SyncDir(std::string_view path) {
  int fd;
  if (int err = Open(path, O_RDONLY | O_DIRECTORY, &fd)) return err;
  const int err = Fsync(fd);
  Close(fd);
  return err;
}

bool SimFs::Exists(std::string_view path) {
  Stat st;
  return StatPath(path, &st) == 0;
}

void SimFs::Mark(std::string label) {
  Record r;
  r.op = Op::kMark;
  r.data = std::move(label);
  Append(std::move(r));
}

const CrashState& SimFs::Crash(Choices& choices, const SpaceConfig& config) {
  return CrashAt(position(), choices, config);
}

const CrashState& SimFs::CrashAt(size_t position, Choices& choices,
                                 const SpaceConfig& config) {
  assert(position >= trace_.first_op && position <= trace_.records.size());
  CrashState state = DrawState(trace_, position, config, choices);
  CrashRun(base_, Share(std::move(trace_)), std::move(state));
  return *last_crash_;
}

void SimFs::CrashRun(std::shared_ptr<const FsImage> base,
                     std::shared_ptr<const Trace> trace, CrashState state) {
  FsImage recovered;
  {
    ImageBuilder builder(*trace, *base);
    recovered = builder.Build(state);
  }
  // The process died: its descriptors went with it.
  fds_.clear();
  ++crashes_;
  last_crash_ = std::move(state);
  last_trace_ = std::move(trace);
  live_ = recovered;
  base_ = std::make_shared<const FsImage>(std::move(recovered));
  StartTrace();
}

void SimFs::SettleAll() {
  base_ = std::make_shared<const FsImage>(live_);
  StartTrace();
}

nlohmann::json SimFs::LastCrashJson() const {
  return last_crash_ ? CrashStateToJson(*last_crash_) : nlohmann::json();
}

// Names files as the trace had them when each record was issued: the last
// (parent, name) a base entry, create, mkdir or rename gave each id.
class SimFs::Namer {
 public:
  explicit Namer(const Trace& t) : trace_(t) {}
  // Follows the trace up to (not including) record `index`.
  void AdvanceTo(size_t index) {
    for (; next_ < index && next_ < trace_.records.size(); ++next_) {
      const Record& r = trace_.records[next_];
      if (r.op == Op::kBaseEntry || r.op == Op::kCreate || r.op == Op::kMkdir ||
          r.op == Op::kSymlink || r.op == Op::kLink) {
        links_[r.file] = {r.parent, r.name};
      } else if (r.op == Op::kRename) {
        links_[r.file] = {r.new_parent, r.new_name};
      }
    }
  }
  std::string Path(FileId id) const {
    std::string path;
    for (int depth = 0; id != kRootId && depth < 64; ++depth) {
      auto it = links_.find(id);
      if (it == links_.end()) return "(file " + std::to_string(id) + ")";
      path = "/" + it->second.second + path;
      id = it->second.first;
    }
    return path.empty() ? "/" : path;
  }
  std::string Child(FileId parent, const std::string& name) const {
    const std::string dir = Path(parent);
    return (dir == "/" ? "" : dir) + "/" + name;
  }

 private:
  const Trace& trace_;
  size_t next_ = 0;
  std::map<FileId, std::pair<FileId, std::string>> links_;
};

std::string SimFs::DescribeRecord(Namer& namer, size_t index) const {
  namer.AdvanceTo(index);
  const Record& r = last_trace().records[index];
  std::string out = "#" + std::to_string(index) + " " + OpName(r.op) + " ";
  if (IsNamespaceOp(r.op)) {
    out += namer.Child(r.parent, r.name);
    if (r.op == Op::kRename) out += " -> " + namer.Child(r.new_parent, r.new_name);
  } else {
    out += namer.Path(r.file);
  }
  if (r.op == Op::kWrite) {
    out += " [" + std::to_string(r.offset) + ", +" +
           std::to_string(r.data.size()) + ") " + HexHead(r.data, 8);
  } else if (r.op == Op::kTruncate) {
    out += " to " + std::to_string(r.offset);
  }
  return out;
}

std::string SimFs::DescribeLastCrash() const {
  if (!last_crash_) return "no crash yet";
  const CrashState& s = *last_crash_;
  std::string out = "crash #" + std::to_string(crashes_) + " (" + s.Id() +
                    ", model " + ModelName(s.model) + "): records " +
                    std::to_string(last_trace().first_op) + ".." +
                    std::to_string(s.position) +
                    " were issued before the power went, of " +
                    std::to_string(last_trace().records.size()) + "\n";
  out += "  lost (" + std::to_string(s.dropped.size()) + "):";
  if (s.dropped.empty()) out += " nothing";
  Namer namer(last_trace());
  for (uint32_t i : s.dropped) out += "\n    " + DescribeRecord(namer, i);
  Namer torn_namer(last_trace());
  for (const Tear& t : s.torn) {
    out += "\n  torn: " + DescribeRecord(torn_namer, t.index) + ", kept";
    for (const auto& [off, len] : t.keep) {
      out += " [" + std::to_string(off) + ", +" + std::to_string(len) + ")";
    }
    out += std::string(", the rest holds ") + FillName(t.fill);
  }
  return out;
}

}  // namespace crashlab
