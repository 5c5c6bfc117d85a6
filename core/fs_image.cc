#include "core/fs_image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <vector>

#include "core/files.h"
#include "core/persistence.h"
#include "core/rng.h"

namespace crashlab {
namespace {

FsImage::Kind KindOfMode(uint32_t mode) {
  if (S_ISDIR(mode)) return FsImage::Kind::kDir;
  if (S_ISLNK(mode)) return FsImage::Kind::kSymlink;
  return FsImage::Kind::kFile;
}

// The blocks of `data`, in order: written as they are, with no copy of the
// whole file (Materialize writes a file per crash state explored).
std::vector<std::string_view> Spans(const FileData& data) {
  std::vector<std::string_view> out;
  data.ForEachBlock([&](std::string_view block) { out.push_back(block); });
  return out;
}

}  // namespace

FsImage::FsImage() { Get(kRootId, Kind::kDir); }

FsImage::Inode& FsImage::Get(FileId id, Kind kind) {
  auto [it, inserted] = inodes_.try_emplace(id);
  if (inserted) it->second.kind = kind;
  return it->second;
}

Result<FsImage> FsImage::FromBase(const Trace& trace,
                                  const std::string& base_dir) {
  FsImage image;
  std::unordered_map<FileId, std::string> paths = {{kRootId, ""}};
  for (size_t i = 0; i < trace.first_op; ++i) {
    const Record& r = trace.records[i];
    if (r.op != Op::kBaseEntry) continue;
    auto parent = paths.find(r.parent);
    if (parent == paths.end()) {
      return Status::BadInput("trace base entry " + r.name +
                              " names an unknown parent directory");
    }
    std::string rel = parent->second.empty() ? r.name
                                             : parent->second + "/" + r.name;
    paths[r.file] = rel;
    Inode& inode = image.Get(r.file, KindOfMode(r.mode));
    inode.kind = KindOfMode(r.mode);
    inode.mode = r.mode & 07777;
    std::string full = JoinPath(base_dir, rel);
    if (inode.kind == Kind::kFile && !S_ISREG(r.mode)) {
      // FIFOs, sockets and devices hold no data a crash can change.
      image.Get(r.parent, Kind::kDir).entries.erase(r.name);
      image.inodes_.erase(r.file);
      continue;
    } else if (inode.kind == Kind::kFile) {
      CRASHLAB_ASSIGN_OR_RETURN(std::string data, ReadFileToString(full));
      inode.data = FileData(data);
    } else if (inode.kind == Kind::kSymlink) {
      char buf[4096];
      ssize_t n = ::readlink(full.c_str(), buf, sizeof(buf));
      if (n < 0) return Status::FromErrno("cannot read link " + full, errno);
      inode.data = FileData(std::string_view(buf, static_cast<size_t>(n)));
    }
    image.Get(r.parent, Kind::kDir).entries[r.name] = r.file;
  }
  return image;
}

bool FsImage::Link(FileId parent, const std::string& name, FileId file) {
  Get(parent, Kind::kDir).entries[name] = file;
  return true;
}

bool FsImage::Unlink(FileId parent, const std::string& name, FileId file) {
  auto& entries = Get(parent, Kind::kDir).entries;
  auto it = entries.find(name);
  if (it == entries.end() || it->second != file) return false;
  entries.erase(it);
  return true;
}

bool FsImage::Rename(const Record& r) {
  if (r.flags & RENAME_EXCHANGE) {
    bool a = Unlink(r.parent, r.name, r.file);
    bool b = Unlink(r.new_parent, r.new_name, r.other);
    Link(r.parent, r.name, r.other);
    Link(r.new_parent, r.new_name, r.file);
    return a && b;
  }
  // The source name goes only if it still names the renamed file; the new
  // name always ends up naming it (replacing whatever it named).
  bool exact = Unlink(r.parent, r.name, r.file);
  Link(r.new_parent, r.new_name, r.file);
  return exact;
}

void FsImage::Fallocate(const Record& r) {
  Inode& inode = Get(r.file, Kind::kFile);
  const uint64_t end = r.offset + r.length;
  const bool keep_size = r.mode & FALLOC_FL_KEEP_SIZE;
  FileData& data = inode.data;
  if (!keep_size && end > data.size()) data.Resize(end);
  if (r.mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
    const uint64_t stop = std::min<uint64_t>(end, data.size());
    if (r.offset < stop) data.Fill(r.offset, stop - r.offset, '\0');
  }
}

bool FsImage::Apply(const Record& r) {
  switch (r.op) {
    case Op::kCreate:
    case Op::kMkdir:
    case Op::kSymlink: {
      const Kind kind = r.op == Op::kMkdir     ? Kind::kDir
                        : r.op == Op::kSymlink ? Kind::kSymlink
                                               : Kind::kFile;
      Inode& inode = Get(r.file, kind);
      inode.kind = kind;
      inode.mode = r.mode & 07777;
      if (kind == Kind::kSymlink) {
        inode.data = FileData(r.data);
      }
      return Link(r.parent, r.name, r.file);
    }
    case Op::kLink:
      return Link(r.parent, r.name, r.file);
    case Op::kUnlink:
    case Op::kRmdir:
      return Unlink(r.parent, r.name, r.file);
    case Op::kRename:
      return Rename(r);
    case Op::kWrite:
      return ApplyTornWrite(r, r.data.size(), {});
    case Op::kTruncate:
      Get(r.file, Kind::kFile).data.Resize(r.offset);
      return true;
    case Op::kFallocate:
      Fallocate(r);
      return true;
    default:
      return true;  // marks, syncs and base records change nothing here
  }
}

bool FsImage::ApplyTornWrite(const Record& r, uint64_t keep,
                             std::string_view tail) {
  FileData& data = Get(r.file, Kind::kFile).data;
  keep = std::min<uint64_t>(keep, r.data.size());
  const uint64_t end = r.offset + keep + tail.size();
  // Write extends the file itself (appended bytes are not zero-filled
  // first); only an empty write past the end needs the explicit Resize.
  if (end == r.offset && end > data.size()) data.Resize(end);
  data.Write(r.offset, std::string_view(r.data).substr(0, keep));
  if (!tail.empty()) data.Write(r.offset + keep, tail);
  return true;
}

bool FsImage::ApplyPartialWrite(const Record& r, const Tear& tear) {
  if (r.op != Op::kWrite) return Apply(r);
  FileData& data = Get(r.file, Kind::kFile).data;
  const uint64_t len = r.data.size();
  // What the whole range holds unless a kept part says otherwise.
  if (tear.fill == Tear::Fill::kZeros) {
    data.Fill(r.offset, len, '\0');
  } else if (tear.fill == Tear::Fill::kGarbage) {
    std::string garbage(len, '\0');
    Rng rng(tear.garbage_seed);
    for (char& c : garbage) c = static_cast<char>(rng.Next());
    data.Write(r.offset, garbage);
  }
  for (const auto& [off, n] : tear.keep) {
    if (off >= len) continue;
    const uint64_t take = std::min(n, len - off);
    data.Write(r.offset + off, std::string_view(r.data).substr(off, take));
  }
  return true;
}

bool FsImage::ApplyUndoable(const Record& r, uint32_t index, DataUndo* undo) {
  static const FileData kEmpty;
  auto it = inodes_.find(r.file);
  const FileData& old = it == inodes_.end() ? kEmpty : it->second.data;
  uint64_t lo = 0, hi = old.size();  // the range the record may overwrite
  if (r.op == Op::kWrite) {
    lo = r.offset;
    hi = r.offset + r.data.size();
  } else if (r.op == Op::kTruncate) {
    lo = r.offset;
  } else if (r.op == Op::kFallocate) {
    lo = r.offset;
    hi = r.offset + r.length;
  }
  lo = std::min<uint64_t>(lo, old.size());
  hi = std::min<uint64_t>(std::max(hi, lo), old.size());
  undo->index = index;
  undo->size = old.size();
  undo->offset = lo;
  undo->saved = old.Read(lo, hi - lo);
  return Apply(r);
}

bool FsImage::ApplyContents(const Record& r) {
  if (r.op != Op::kSymlink) return Apply(r);
  Get(r.file, Kind::kSymlink).data = FileData(r.data);
  return true;
}

void FsImage::Undo(FileId file, const DataUndo& undo) {
  FileData& data = Get(file, Kind::kFile).data;
  data.Resize(undo.size);
  data.Write(undo.offset, undo.saved);
}

void FsImage::AdoptNamespace(const FsImage& ns,
                             const std::function<bool(FileId)>& written) {
  for (auto it = inodes_.begin(); it != inodes_.end();) {
    auto from = ns.inodes_.find(it->first);
    if (from != ns.inodes_.end()) {
      it->second.kind = from->second.kind;
      it->second.mode = from->second.mode;
      it->second.entries = from->second.entries;
    } else if (written(it->first)) {
      it->second.kind = Kind::kFile;
      it->second.mode = 0;
      it->second.entries.clear();
    } else {
      it = inodes_.erase(it);
      continue;
    }
    ++it;
  }
  for (const auto& [id, inode] : ns.inodes_) inodes_.try_emplace(id, inode);
}

template <typename Fn>
void FsImage::Walk(FileId dir, const std::string& prefix, Fn&& fn) const {
  std::set<FileId> seen = {dir};
  std::vector<std::pair<FileId, std::string>> stack = {{dir, prefix}};
  while (!stack.empty()) {
    auto [id, path] = stack.back();
    stack.pop_back();
    auto it = inodes_.find(id);
    if (it == inodes_.end()) continue;
    // Reverse order on the stack gives a sorted, pre-order walk.
    for (auto e = it->second.entries.rbegin(); e != it->second.entries.rend();
         ++e) {
      std::string child = path.empty() ? e->first : path + "/" + e->first;
      auto c = inodes_.find(e->second);
      if (c == inodes_.end()) continue;
      fn(child, e->second, c->second);
      if (c->second.kind == Kind::kDir && seen.insert(e->second).second) {
        stack.emplace_back(e->second, child);
      }
    }
  }
}

Status FsImage::Materialize(const std::string& dir) const {
  Status status;
  Walk(kRootId, "", [&](const std::string& rel, FileId, const Inode& inode) {
    if (!status.ok()) return;
    const std::string full = JoinPath(dir, rel);
    switch (inode.kind) {
      case Kind::kDir:
        if (::mkdir(full.c_str(), inode.mode ? inode.mode : 0755) != 0) {
          status = Status::FromErrno("cannot create " + full, errno);
        }
        break;
      case Kind::kSymlink:
        if (::symlink(inode.data.ToString().c_str(), full.c_str()) != 0) {
          status = Status::FromErrno("cannot create link " + full, errno);
        }
        break;
      case Kind::kFile:
        status = WriteSpansToFile(full, Spans(inode.data));
        if (status.ok() && inode.mode) ::chmod(full.c_str(), inode.mode);
        break;
    }
  });
  return status;
}

Hash128 FsImage::ContentHash() const {
  Hasher h;
  Walk(kRootId, "", [&](const std::string& rel, FileId, const Inode& inode) {
    h.Update(rel);
    h.UpdateU64(static_cast<uint64_t>(inode.kind) << 32 | inode.mode);
    h.UpdateU64(inode.data.size());
    // Block hashes, not bytes: blocks shared with images hashed before
    // are not read again (file_data.h).
    inode.data.ForEachBlockHash([&](const Hash128& block) {
      h.UpdateU64(block.lo);
      h.UpdateU64(block.hi);
    });
  });
  return h.Digest();
}

std::string FsImage::FirstDifference(const FsImage& other) const {
  auto list = [](const FsImage& image) {
    std::map<std::string, const Inode*> out;
    image.Walk(kRootId, "",
               [&](const std::string& rel, FileId, const Inode& inode) {
                 out.emplace(rel, &inode);
               });
    return out;
  };
  const auto a = list(*this), b = list(other);
  auto x = a.begin(), y = b.begin();
  for (; x != a.end() && y != b.end(); ++x, ++y) {
    if (x->first != y->first) break;
    const Inode &i = *x->second, &j = *y->second;
    if (i.kind != j.kind || i.mode != j.mode) {
      return fmt::format("{}: kind {} mode {:o} vs kind {} mode {:o}", x->first,
                         static_cast<int>(i.kind), i.mode,
                         static_cast<int>(j.kind), j.mode);
    }
    if (!(i.data == j.data)) {
      const std::string d = i.data.ToString(), e = j.data.ToString();
      const auto at = std::mismatch(d.begin(), d.end(), e.begin(), e.end());
      return fmt::format("{}: contents differ from byte {} (sizes {} vs {})",
                         x->first, at.first - d.begin(), d.size(), e.size());
    }
  }
  if (x == a.end() && y == b.end()) return "";
  if (y == b.end() || (x != a.end() && x->first < y->first)) {
    return x->first + ": only in the first image";
  }
  return y->first + ": only in the second image";
}

std::map<std::string, std::string> FsImage::Files() const {
  std::map<std::string, std::string> out;
  Walk(kRootId, "", [&](const std::string& rel, FileId, const Inode& inode) {
    if (inode.kind == Kind::kFile) out[rel] = inode.data.ToString();
  });
  return out;
}

std::string FsImage::PathOf(FileId id) const {
  std::string found;
  Walk(kRootId, "", [&](const std::string& rel, FileId f, const Inode&) {
    if (f == id && found.empty()) found = rel;
  });
  return found;
}

bool FsImage::IsDir(FileId id) const {
  auto it = inodes_.find(id);
  return it != inodes_.end() && it->second.kind == Kind::kDir;
}

const FileData* FsImage::Data(FileId id) const {
  auto it = inodes_.find(id);
  if (it == inodes_.end() || it->second.kind == Kind::kDir) return nullptr;
  return &it->second.data;
}

const std::map<std::string, FileId>* FsImage::Entries(FileId id) const {
  auto it = inodes_.find(id);
  if (it == inodes_.end() || it->second.kind != Kind::kDir) return nullptr;
  return &it->second.entries;
}

bool FsImage::KindOf(FileId id, Kind* kind, uint32_t* mode) const {
  auto it = inodes_.find(id);
  if (it == inodes_.end()) return false;
  *kind = it->second.kind;
  if (mode) *mode = it->second.mode;
  return true;
}

FileId FsImage::MaxId() const {
  FileId max = kRootId;
  for (const auto& [id, inode] : inodes_) max = std::max(max, id);
  return max;
}

}  // namespace crashlab
