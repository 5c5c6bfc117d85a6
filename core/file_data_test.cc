#include "core/file_data.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace crashlab {
namespace {

constexpr uint64_t kB = FileData::kBlockSize;

TEST(FileDataTest, WriteReadAcrossBlocks) {
  FileData d;
  const std::string a(kB + 10, 'a');
  d.Write(5, a);
  EXPECT_EQ(d.size(), kB + 15);
  EXPECT_EQ(d.Read(0, 6), std::string(5, '\0') + "a");
  EXPECT_EQ(d.Read(kB - 1, 3), "aaa");
  EXPECT_EQ(d.Read(kB + 14, 100), "a");  // short at the end
  EXPECT_EQ(d.Read(kB + 15, 1), "");
  EXPECT_TRUE(d == std::string(5, '\0') + a);
}

TEST(FileDataTest, ResizeZeroFillsAndTruncates) {
  FileData d("xyz");
  d.Resize(2 * kB + 1);
  EXPECT_EQ(d.ToString(), "xyz" + std::string(2 * kB - 2, '\0'));
  d.Resize(2);
  EXPECT_EQ(d.ToString(), "xy");
  d.Resize(4);
  EXPECT_EQ(d.ToString(), std::string("xy\0\0", 4)) << "no stale bytes return";
  d.Resize(0);
  EXPECT_TRUE(d.empty());
}

TEST(FileDataTest, CopiesAreIndependent) {
  FileData a(std::string(3 * kB, 'a'));
  FileData b = a;
  b.Write(kB + 1, "B");
  a.Fill(0, 2, 'z');
  EXPECT_EQ(a.Read(kB + 1, 1), "a");
  EXPECT_EQ(b.Read(kB + 1, 1), "B");
  EXPECT_EQ(b.Read(0, 2), "aa");
  EXPECT_FALSE(a == b);
  b.Write(kB + 1, "a");
  b.Fill(0, 2, 'z');
  EXPECT_TRUE(a == b);
}

TEST(FileDataTest, NoBlockLargerThanTheBlockSize) {
  FileData d;
  for (int i = 0; i < 40; ++i) d.Write(d.size(), std::string(4120, 'w'));
  size_t blocks = 0;
  uint64_t total = 0;
  d.ForEachBlock([&](std::string_view b) {
    EXPECT_LE(b.size(), kB);
    ++blocks;
    total += b.size();
  });
  EXPECT_EQ(total, d.size());
  EXPECT_EQ(blocks, (d.size() + kB - 1) / kB);
}

// Dropped blocks are recycled: a new file never sees their old bytes, and
// a copy still holding a block keeps it from being reused under it.
TEST(FileDataTest, RecycledBlocksCarryNoOldBytes) {
  FileData::FillFreeList();  // new blocks come from the free list
  FileData keep;
  {
    FileData old(std::string(3 * kB, 'x'));
    keep = old;
    old.Write(kB, "changed");  // unshares one block of `old`
  }  // `old`'s own block goes to the free list; the shared ones stay
  EXPECT_TRUE(keep == std::string(3 * kB, 'x'));
  for (int i = 0; i < 3; ++i) {
    FileData fresh;
    fresh.Resize(2 * kB + 5);
    EXPECT_TRUE(fresh == std::string(2 * kB + 5, '\0')) << i;
    FileData appended;
    appended.Write(0, "ab");
    appended.Write(kB - 1, "cd");  // a gap, then across a block boundary
    EXPECT_EQ(appended.ToString(), "ab" + std::string(kB - 3, '\0') + "cd");
  }
  EXPECT_TRUE(keep == std::string(3 * kB, 'x'));
}

// Seeded random writes, fills, truncations and copies give the bytes a
// plain string gets from the same operations.
TEST(FileDataTest, MatchesAStringModelOverSeededOperations) {
  Rng rng(20261206);
  for (int round = 0; round < 20; ++round) {
    FileData d;
    std::string model;
    for (int step = 0; step < 60; ++step) {
      const uint64_t off = rng.Next() % (3 * kB);
      const uint64_t n = rng.Next() % (kB + 100);
      switch (rng.Next() % 5) {
        case 0: {
          std::string bytes(n, static_cast<char>('a' + step % 26));
          d.Write(off, bytes);
          if (off + n > model.size()) model.resize(off + n, '\0');
          model.replace(off, n, bytes);
          break;
        }
        case 1:
          d.Fill(off, n, 'f');
          if (off + n > model.size()) model.resize(off + n, '\0');
          model.replace(off, n, std::string(n, 'f'));
          break;
        case 2:
          d.Resize(off);
          model.resize(off, '\0');
          break;
        case 3: {
          FileData copy = d;  // shares blocks; writing the copy must not leak
          copy.Write(off, "copy");
          break;
        }
        case 4: {  // an append, and one that overlaps the end
          const std::string bytes(n, static_cast<char>('A' + step % 26));
          const uint64_t at = d.size() - std::min<uint64_t>(d.size(), n / 2);
          d.Write(at, bytes);
          model.resize(at);
          model += bytes;
          break;
        }
      }
      ASSERT_EQ(d.size(), model.size())
          << "round " << round << " step " << step;
      ASSERT_TRUE(d == model) << "round " << round << " step " << step;
      ASSERT_EQ(d.Read(off, n),
                model.substr(std::min<uint64_t>(off, model.size()), n));
      // The block hashes kept from earlier steps follow every change, and
      // a copy's writes do not reach them.
      size_t at = 0;
      d.ForEachBlockHash([&](const Hash128& h) {
        const XXH128_hash_t want =
            XXH3_128bits(model.data() + at, std::min<size_t>(kB, model.size() - at));
        EXPECT_EQ(h, (Hash128{want.low64, want.high64}))
            << "round " << round << " step " << step << " block " << at / kB;
        at += kB;
      });
      ASSERT_EQ(at, (model.size() + kB - 1) / kB * kB);
    }
  }
}

}  // namespace
}  // namespace crashlab
