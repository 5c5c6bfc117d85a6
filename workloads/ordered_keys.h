// OrderedKeys: a set of text keys with the k-th key in string order found
// in O(digits) when the keys are the workload's own, O(log n) otherwise.
//
// The auth workload names rows `<prefix><id>` or `<prefix><id><sep>...`
// (users "user-17", sessions "s-17-9f3a...") with a unique decimal id and a
// separator below '0' ('-'). Such keys sort as their ids' digit strings do,
// a shorter string first ("user-1" < "user-10" < "user-2"), which is the
// preorder of a decimal trie. While every key has that form, the set keeps
// per id the number of keys in its trie subtree (ids whose digits start with
// its digits) in one array indexed by id: the children of id p are
// 10p..10p+9, side by side in memory, so the k-th key is a walk of at most
// one node per digit reading ten counts each, and an insert or erase adds
// to one count per digit. No key is compared and nothing is allocated per
// key (the text after an id is kept only when there is some). A key of any
// other form (or an id too large for the array, or two keys with one id)
// moves the whole set, for good, into an order-statistics tree of strings.
// Either way Kth(k) is the k-th key in std::string order, so which form
// the set is in never changes what a workload draws.
//
// Not thread-safe.
#ifndef CRASHLAB_WORKLOADS_ORDERED_KEYS_H_
#define CRASHLAB_WORKLOADS_ORDERED_KEYS_H_

#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace crashlab {

class OrderedKeys {
 public:
  // `prefix`: what every key starts with (e.g. "user-").
  explicit OrderedKeys(std::string prefix);

  // Adds `key` (nothing if present); removes it (nothing if absent).
  void Insert(const std::string& key);
  void Erase(const std::string& key);
  bool Contains(const std::string& key) const;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear();
  // The k-th key in string order; k < size().
  std::string Kth(uint64_t k) const;
  // Whether the keys are held by id (for tests).
  bool by_id() const { return tree_ == nullptr; }

 private:
  using Tree = __gnu_pbds::tree<std::string, __gnu_pbds::null_type,
                                std::less<std::string>, __gnu_pbds::rb_tree_tag,
                                __gnu_pbds::tree_order_statistics_node_update>;

  // The id of `key` and the text after it (`*rest`, from the separator
  // on), or 0 when `key` is not `<prefix><id>[<sep>...]`.
  uint64_t IdOf(const std::string& key, std::string* rest) const;
  std::string KeyOf(uint64_t id) const;
  // Adds `delta` to the count of `id` and of every prefix of its digits.
  void Add(uint64_t id, int delta);
  // Moves every key into `tree_`.
  void ToTree();

  std::string prefix_;
  uint64_t size_ = 0;
  std::vector<uint32_t> count_;  // by id: keys in its trie subtree
  std::vector<bool> present_;    // by id: the key with this id is in
  absl::flat_hash_map<uint64_t, std::string> rest_;  // text after an id
  std::unique_ptr<Tree> tree_;  // every key, once not all are by id
};

}  // namespace crashlab

#endif  // CRASHLAB_WORKLOADS_ORDERED_KEYS_H_
