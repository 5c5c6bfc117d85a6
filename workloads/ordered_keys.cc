#include "workloads/ordered_keys.h"

#include <algorithm>
#include <utility>

namespace crashlab {

namespace {

// Ids up to this many per key held (and at least 2^20) stay in the array:
// its memory stays proportional to the keys.
constexpr uint64_t kIdsPerKey = 64;
constexpr uint64_t kMinIdLimit = uint64_t{1} << 20;

}  // namespace

OrderedKeys::OrderedKeys(std::string prefix) : prefix_(std::move(prefix)) {}

uint64_t OrderedKeys::IdOf(const std::string& key, std::string* rest) const {
  if (key.size() <= prefix_.size() ||
      key.compare(0, prefix_.size(), prefix_) != 0) {
    return 0;
  }
  size_t i = prefix_.size();
  if (key[i] == '0') return 0;  // a leading zero (or id 0): not an id
  uint64_t id = 0;
  for (; i < key.size() && key[i] >= '0' && key[i] <= '9'; ++i) {
    if (i - prefix_.size() == 18) return 0;  // would not fit 64 bits
    id = id * 10 + static_cast<uint64_t>(key[i] - '0');
  }
  if (i == prefix_.size()) return 0;  // no digits
  // What follows the id must sort below every digit, so that the key sorts
  // as its id's digits do whatever follows.
  if (i < key.size() && key[i] >= '0') return 0;
  rest->assign(key, i);
  return id;
}

std::string OrderedKeys::KeyOf(uint64_t id) const {
  std::string key = prefix_ + std::to_string(id);
  const auto it = rest_.find(id);
  if (it != rest_.end()) key += it->second;
  return key;
}

void OrderedKeys::Add(uint64_t id, int delta) {
  for (uint64_t p = id; p > 0; p /= 10) count_[p] += delta;
}

void OrderedKeys::ToTree() {
  auto tree = std::make_unique<Tree>();
  for (uint64_t id = 1; id < present_.size(); ++id) {
    if (present_[id]) tree->insert(KeyOf(id));
  }
  tree_ = std::move(tree);
  count_ = {};
  present_ = {};
  rest_ = {};
}

void OrderedKeys::Insert(const std::string& key) {
  if (!tree_) {
    std::string rest;
    const uint64_t id = IdOf(key, &rest);
    if (id != 0 && id < present_.size() && present_[id]) {
      if (KeyOf(id) == key) return;  // already in
    } else if (id != 0 &&
               id <= std::max(kMinIdLimit, kIdsPerKey * (size_ + 1))) {
      if (id >= present_.size()) {
        present_.resize(id + 1);
        count_.resize(id + 1);
      }
      present_[id] = true;
      if (!rest.empty()) rest_[id] = std::move(rest);
      Add(id, 1);
      ++size_;
      return;
    }
    ToTree();  // not an id, too large an id, or a second key with this id
  }
  if (tree_->insert(key).second) ++size_;
}

void OrderedKeys::Erase(const std::string& key) {
  if (tree_) {
    if (tree_->erase(key)) --size_;
    return;
  }
  std::string rest;
  const uint64_t id = IdOf(key, &rest);
  if (id == 0 || id >= present_.size() || !present_[id]) return;
  const auto it = rest_.find(id);
  if (rest != (it == rest_.end() ? std::string() : it->second)) return;
  if (it != rest_.end()) rest_.erase(it);
  present_[id] = false;
  Add(id, -1);
  --size_;
}

bool OrderedKeys::Contains(const std::string& key) const {
  if (tree_) return tree_->find(key) != tree_->end();
  std::string rest;
  const uint64_t id = IdOf(key, &rest);
  return id != 0 && id < present_.size() && present_[id] && KeyOf(id) == key;
}

void OrderedKeys::clear() {
  size_ = 0;
  count_ = {};
  present_ = {};
  rest_ = {};
  tree_.reset();
}

std::string OrderedKeys::Kth(uint64_t k) const {
  if (tree_) return *tree_->find_by_order(k);
  // Preorder of the decimal trie: an id, then its children 10p..10p+9.
  // The root's children are 1..9.
  uint64_t first = 1, last = 9;
  for (;;) {
    for (uint64_t c = first; c <= last; ++c) {
      const uint64_t n = c < count_.size() ? count_[c] : 0;
      if (k >= n) {
        k -= n;
        continue;
      }
      if (present_[c]) {
        if (k == 0) return KeyOf(c);
        --k;
      }
      first = c * 10;
      last = first + 9;
      break;
    }
  }
}

}  // namespace crashlab
