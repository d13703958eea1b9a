// A set of store ids (rowids, dense from 1) in a bit each: what a batched import remembers of the
// rows it already met (UpsertDeviceBatches clears a queue's stored periods once).
#ifndef RAMETTE_AGGREGATOR_STORE_ID_SET_H_
#define RAMETTE_AGGREGATOR_STORE_ID_SET_H_

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace ramette::aggregator::store {

class IdSet {
 public:
  // Adds `id`: true when it was not in the set yet. Ids from 0 to 2^26 take a bit each (8 MiB at
  // most), others a hash set entry.
  bool Insert(int64_t id) {
    if (id < 0 || id >= kMaxBitId) return others_.insert(id).second;
    const size_t i = static_cast<size_t>(id);
    if (i >= bits_.size()) bits_.resize(std::max(i + 1, bits_.size() * 2));
    if (bits_[i]) return false;
    bits_[i] = true;
    return true;
  }

 private:
  static constexpr int64_t kMaxBitId = int64_t{1} << 26;
  std::vector<bool> bits_;
  std::unordered_set<int64_t> others_;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_ID_SET_H_
