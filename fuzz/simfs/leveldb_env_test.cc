#include "fuzz/simfs/leveldb_env.h"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace crashlab {
namespace {

class LeveldbOnSimFs {
 public:
  explicit LeveldbOnSimFs(SimFs* fs, bool create = false)
      : env_(std::make_unique<SimEnv>(fs)) {
    leveldb::Options options;
    options.env = env_.get();
    options.create_if_missing = create;
    options.paranoid_checks = true;
    leveldb::DB* db = nullptr;
    status_ = leveldb::DB::Open(options, "/db", &db);
    db_.reset(db);
  }
  ~LeveldbOnSimFs() {
    db_.reset();
    env_.reset();
  }
  const leveldb::Status& status() const { return status_; }
  leveldb::DB* db() { return db_.get(); }
  SimEnv* env() { return env_.get(); }
  std::string Get(const std::string& key) {
    std::string v;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &v);
    return s.ok() ? v : s.IsNotFound() ? "<none>" : s.ToString();
  }

 private:
  std::unique_ptr<SimEnv> env_;
  std::unique_ptr<leveldb::DB> db_;
  leveldb::Status status_;
};

TEST(LeveldbEnvTest, RealLeveldbRunsOnSimFs) {
  SimFs fs;
  {
    LeveldbOnSimFs l(&fs, /*create=*/true);
    ASSERT_TRUE(l.status().ok()) << l.status().ToString();
    ASSERT_TRUE(l.db()->Put(leveldb::WriteOptions(), "a", "1").ok());
    ASSERT_TRUE(l.db()->Put(leveldb::WriteOptions(), "b", "2").ok());
    l.db()->CompactRange(nullptr, nullptr);  // a table file, a new log
    l.env()->WaitForBackgroundWork();
    ASSERT_TRUE(l.db()->Put(leveldb::WriteOptions(), "c", "3").ok());
  }
  std::vector<std::string> names;
  ASSERT_EQ(fs.List("/db", &names), 0);
  EXPECT_NE(std::find(names.begin(), names.end(), "CURRENT"), names.end());
  EXPECT_NE(std::find_if(names.begin(), names.end(),
                         [](const std::string& n) {
                           return n.find(".ldb") != std::string::npos;
                         }),
            names.end());
  LeveldbOnSimFs again(&fs);
  ASSERT_TRUE(again.status().ok()) << again.status().ToString();
  EXPECT_EQ(again.Get("a"), "1");
  EXPECT_EQ(again.Get("c"), "3");
  // LevelDB admits one DB per directory: the Env's lock table says so.
  leveldb::Options options;
  options.env = again.env();
  leveldb::DB* second = nullptr;
  EXPECT_FALSE(leveldb::DB::Open(options, "/db", &second).ok());
  delete second;
}

// PosixWritableFile::Sync of a MANIFEST fsyncs the directory first, so new
// files it names are durable before it is.
TEST(LeveldbEnvTest, ManifestSyncFsyncsTheDirectoryFirst) {
  SimFs fs;
  LeveldbOnSimFs l(&fs, /*create=*/true);
  ASSERT_TRUE(l.status().ok());
  const Trace& t = fs.trace();
  bool found = false;
  for (size_t i = t.first_op; i + 1 < t.records.size(); ++i) {
    if (t.records[i].op != Op::kFsyncDir) continue;
    // The next sync after the directory's is a file's fdatasync.
    for (size_t j = i + 1; j < t.records.size(); ++j) {
      if (t.records[j].op == Op::kFdatasync) {
        found = fs.image().PathOf(t.records[j].file).find("MANIFEST") !=
                std::string::npos;
        break;
      }
    }
    if (found) break;
  }
  EXPECT_TRUE(found);
}

TEST(LeveldbEnvTest, SyncedWritesSurviveACrashUnsyncedOnesMayNot) {
  SimFs fs;
  { LeveldbOnSimFs l(&fs, /*create=*/true); }
  fs.SettleAll();
  {
    LeveldbOnSimFs l(&fs);
    ASSERT_TRUE(l.status().ok());
    leveldb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(l.db()->Put(sync, "durable", "yes").ok());
    ASSERT_TRUE(l.db()->Put(leveldb::WriteOptions(), "volatile", "yes").ok());
    SpaceConfig c;
    c.models = {Model::kDropUnsynced};
    RngChoices choices(1);
    fs.Crash(choices, c);
  }
  LeveldbOnSimFs l(&fs);
  ASSERT_TRUE(l.status().ok()) << l.status().ToString();
  EXPECT_EQ(l.Get("durable"), "yes");
  EXPECT_EQ(l.Get("volatile"), "<none>");
}

TEST(LeveldbEnvTest, BackgroundWorkRunsInOrderAndCanBeAwaited) {
  SimFs fs;
  SimEnv env(&fs);
  std::vector<int> order;
  struct Arg {
    std::vector<int>* order;
    int n;
  };
  Arg a{&order, 1}, b{&order, 2};
  auto push = [](void* p) {
    auto* arg = static_cast<Arg*>(p);
    arg->order->push_back(arg->n);
  };
  env.Schedule(push, &a);
  env.Schedule(push, &b);
  env.WaitForBackgroundWork();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GT(env.NowMicros(), 0u);
}

// Deferred: Schedule only queues; WaitForBackgroundWork runs the queue on
// the calling thread, in order, with what the work schedules itself.
TEST(LeveldbEnvTest, DeferredBackgroundWorkRunsOnTheWaitingThread) {
  SimFs fs;
  SimEnv env(&fs);
  env.SetDeferBackgroundWork(true);
  struct Arg {
    SimEnv* env;
    std::vector<std::pair<int, std::thread::id>>* ran;
    int n;
    Arg* then;  // scheduled by this one
  };
  std::vector<std::pair<int, std::thread::id>> ran;
  auto run = [](void* p) {
    auto* arg = static_cast<Arg*>(p);
    arg->ran->emplace_back(arg->n, std::this_thread::get_id());
    if (arg->then)
      arg->env->Schedule(
          +[](void* q) {
            auto* a = static_cast<Arg*>(q);
            a->ran->emplace_back(a->n, std::this_thread::get_id());
          },
          arg->then);
  };
  Arg c{&env, &ran, 3, nullptr}, a{&env, &ran, 1, &c},
      b{&env, &ran, 2, nullptr};
  env.Schedule(run, &a);
  env.Schedule(run, &b);
  EXPECT_TRUE(ran.empty());
  env.WaitForBackgroundWork();
  ASSERT_EQ(ran.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ran[i].first, i + 1);
    EXPECT_EQ(ran[i].second, std::this_thread::get_id());
  }
}

// A real DB with deferred background work, and CompactRange (which waits
// for its own compactions) on a lent thread that several Envs share.
TEST(LeveldbEnvTest, DeferredEnvsShareOneThreadForCompactRange) {
  BackgroundThread thread;
  SimFs fs;
  for (int round = 0; round < 3; ++round) {
    SimEnv env(&fs, &thread);
    env.SetDeferBackgroundWork(true);
    leveldb::Options options;
    options.env = &env;
    options.create_if_missing = true;
    options.paranoid_checks = true;
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, "/db", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    env.WaitForBackgroundWork();
    const std::string key = "k" + std::to_string(round);
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), key, "v").ok());
    env.WaitForBackgroundWork();
    env.RunThreaded([&db] { db->CompactRange(nullptr, nullptr); });
    for (int i = 0; i <= round; ++i) {
      std::string v;
      const std::string k = "k" + std::to_string(i);
      EXPECT_TRUE(db->Get(leveldb::ReadOptions(), k, &v).ok()) << k;
    }
    env.WaitForBackgroundWork();
    db.reset();
  }
  std::vector<std::string> names;
  ASSERT_EQ(fs.List("/db", &names), 0);
  EXPECT_NE(std::find_if(names.begin(), names.end(),
                         [](const std::string& n) {
                           return n.find(".ldb") != std::string::npos;
                         }),
            names.end());
}

// Which thread runs, where it may run and under which policy.
struct ThreadSeen {
  std::thread::id id;
  cpu_set_t cpus;
  int policy = -1;
};

void See(void* seen) {
  auto* s = static_cast<ThreadSeen*>(seen);
  s->id = std::this_thread::get_id();
  CPU_ZERO(&s->cpus);
  (void)pthread_getaffinity_np(pthread_self(), sizeof(s->cpus), &s->cpus);
  s->policy = sched_getscheduler(0);
}

// RunThreaded: the call and the work it waits for take turns on the
// caller's CPU, as batch threads; deferral, affinity and policy come back.
TEST(LeveldbEnvTest, RunThreadedTakesTurnsOnTheCallersCpu) {
  BackgroundThread thread;
  SimFs fs;
  SimEnv env(&fs, &thread);
  env.SetDeferBackgroundWork(true);
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  const int policy_before = sched_getscheduler(0);
  ThreadSeen caller, worker;
  env.RunThreaded([&] {
    See(&caller);
    env.Schedule(See, &worker);
    env.WaitForBackgroundWork();  // threaded here: waits for the thread
  });
  EXPECT_NE(worker.id, caller.id);
  EXPECT_EQ(CPU_COUNT(&worker.cpus), 1);
  EXPECT_EQ(CPU_COUNT(&caller.cpus), 1);
  EXPECT_TRUE(CPU_EQUAL(&worker.cpus, &caller.cpus));
  EXPECT_EQ(worker.policy, SCHED_BATCH);
  EXPECT_EQ(caller.policy, SCHED_BATCH);
  cpu_set_t after;
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&after, &before));
  EXPECT_EQ(sched_getscheduler(0), policy_before);
  // Deferred again: Schedule only queues.
  ThreadSeen later;
  env.Schedule(See, &later);
  EXPECT_EQ(later.policy, -1);
  env.WaitForBackgroundWork();
  EXPECT_EQ(later.id, std::this_thread::get_id());
}

}  // namespace
}  // namespace crashlab
