#include "ledger/store/keys.h"

#include <cassert>

#include "ledger/base/encoding.h"

namespace kpledger::store {

std::string EntryKey(uint64_t index) { return EncodeU64(index); }

std::string MerkleKey(const merkle::NodeId& id) {
  assert(id.level < 64);
  std::string key;
  key.reserve(kMerkleKeySize);
  key.push_back(static_cast<char>(id.level));
  base::PutFixed64BE(&key, id.index);
  return key;
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  base::PutFixed64BE(&out, v);
  return out;
}

uint64_t DecodeU64(absl::string_view bytes) {
  assert(bytes.size() == 8);
  return base::DecodeFixed64BE(bytes.data());
}

}  // namespace kpledger::store
