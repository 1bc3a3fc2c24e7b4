#include "ledger/entry/leaf.h"

#include <cassert>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/encoding.h"

namespace kpledger::entry {

std::string EncodeLeaf(uint64_t index, LedgerTime time,
                       absl::string_view envelope) {
  assert(time.nanos < 1000000000u);
  std::string out;
  out.reserve(kLeafHeaderSize + envelope.size());
  out.push_back(static_cast<char>(kLeafVersion));
  base::PutFixed64BE(&out, index);
  base::PutFixed64BE(&out, static_cast<uint64_t>(time.seconds));
  base::PutFixed32BE(&out, time.nanos);
  base::PutFixed32BE(&out, static_cast<uint32_t>(envelope.size()));
  out.append(envelope.data(), envelope.size());
  return out;
}

absl::StatusOr<LeafView> DecodeLeaf(absl::string_view leaf) {
  if (leaf.size() < kLeafHeaderSize) {
    return absl::DataLossError(absl::StrCat("leaf has ", leaf.size(),
                                            " bytes, shorter than its ",
                                            kLeafHeaderSize, "-byte header"));
  }
  const char* p = leaf.data();
  if (static_cast<uint8_t>(p[0]) != kLeafVersion) {
    return absl::DataLossError(absl::StrCat("leaf has version ",
                                            static_cast<uint8_t>(p[0]),
                                            ", want ", kLeafVersion));
  }
  LeafView view;
  view.index = base::DecodeFixed64BE(p + 1);
  view.time.seconds = static_cast<int64_t>(base::DecodeFixed64BE(p + 9));
  view.time.nanos = base::DecodeFixed32BE(p + 17);
  if (view.time.nanos >= 1000000000u) {
    return absl::DataLossError(absl::StrCat("leaf ", view.index, " has nanos ",
                                            view.time.nanos, ", want < 1e9"));
  }
  const uint32_t length = base::DecodeFixed32BE(p + 21);
  if (leaf.size() - kLeafHeaderSize != length) {
    return absl::DataLossError(absl::StrCat(
        "leaf ", view.index, " says its envelope has ", length, " bytes, but ",
        leaf.size() - kLeafHeaderSize, " follow the header"));
  }
  view.envelope = leaf.substr(kLeafHeaderSize);
  return view;
}

}  // namespace kpledger::entry
