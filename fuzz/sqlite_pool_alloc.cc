#include "fuzz/sqlite_pool_alloc.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace crashlab {
namespace {

// Each block starts with a header; the caller's memory follows it, 16-byte
// aligned like malloc's.
struct Header {
  int64_t size;   // what the block holds for the caller (xSize)
  int64_t klass;  // size class, or -1 for a block straight from malloc
};
static_assert(sizeof(Header) == 16);

constexpr int kClasses = 13;  // blocks of 32 B .. 128 KiB, header included
constexpr int64_t kSmallest = 32;

// One pool per thread, so no allocation takes a lock (a block freed on
// another thread than the one that made it joins that thread's lists). A
// thread's pool gives its blocks back to malloc when the thread ends; SQLite
// may still allocate and free afterwards (at exit, after main), and then
// goes straight to malloc.
struct Pool {
  std::vector<void*> free[kClasses];
  ~Pool();
};

thread_local bool t_pool_gone = false;

Pool* ThisThreadsPool() {
  if (t_pool_gone) return nullptr;
  thread_local Pool pool;
  return &pool;
}

Pool::~Pool() {
  t_pool_gone = true;
  for (auto& list : free) {
    for (void* block : list) std::free(block);
  }
}

int ClassOf(int64_t block) {
  int64_t size = kSmallest;
  for (int c = 0; c < kClasses; ++c, size *= 2) {
    if (block <= size) return c;
  }
  return -1;
}

int64_t ClassSize(int c) { return kSmallest << c; }

int Roundup(int n) {
  const int c = ClassOf(n + int64_t{sizeof(Header)});
  if (c < 0) return (n + 15) & ~15;
  return static_cast<int>(ClassSize(c) - sizeof(Header));
}

void* Malloc(int n) {
  const int size = Roundup(n);
  const int c = ClassOf(size + int64_t{sizeof(Header)});
  void* block = nullptr;
  Pool* pool = c >= 0 ? ThisThreadsPool() : nullptr;
  if (pool && !pool->free[c].empty()) {
    block = pool->free[c].back();
    pool->free[c].pop_back();
  }
  if (!block) {
    block = std::malloc(c >= 0 ? ClassSize(c) : size + sizeof(Header));
    if (!block) return nullptr;
  }
  auto* h = static_cast<Header*>(block);
  h->size = size;
  h->klass = c;
  return h + 1;
}

Header* HeaderOf(void* p) { return static_cast<Header*>(p) - 1; }

void Free(void* p) {
  if (!p) return;
  Header* h = HeaderOf(p);
  if (h->klass < 0) {
    std::free(h);
    return;
  }
  Pool* pool = ThisThreadsPool();
  if (pool) {
    pool->free[h->klass].push_back(h);
  } else {
    std::free(h);
  }
}

int Size(void* p) { return p ? static_cast<int>(HeaderOf(p)->size) : 0; }

void* Realloc(void* p, int n) {
  if (!p) return Malloc(n);
  const int have = Size(p);
  if (n <= have) return p;
  void* bigger = Malloc(n);
  if (!bigger) return nullptr;
  std::memcpy(bigger, p, have);
  Free(p);
  return bigger;
}

int Init(void*) { return SQLITE_OK; }
void Shutdown(void*) {}

}  // namespace

Status InstallSqlitePoolAllocator() {
  static const int rc = [] {
    static const sqlite3_mem_methods methods = {
        Malloc, Free, Realloc, Size, Roundup, Init, Shutdown, nullptr};
    const int set = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
    // Without statistics (sqlite3_memory_used), SQLite takes no mutex of
    // its own around each allocation; nothing here reads them.
    if (set == SQLITE_OK) return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return set;
  }();
  if (rc != SQLITE_OK) {
    return Status::Infrastructure(
        std::string("SQLite refused the pool allocator (it must be set "
                    "before SQLite's first use): ") +
        sqlite3_errstr(rc));
  }
  return Status::Ok();
}

}  // namespace crashlab
