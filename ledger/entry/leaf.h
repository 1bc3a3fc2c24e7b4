// The Merkle leaf of a log entry: a small fixed binary layout, so every node
// derives identical bytes and a proof covers the time every rule used.
//
//   leaf     := version index seconds nanos length envelope
//   version  := 0x01                       (1 byte)
//   index    := uint64, big-endian         (the entry's leaf index)
//   seconds  := int64, big-endian          (the batch's ledger time,
//   nanos    := uint32, big-endian          as a protobuf Timestamp; nanos
//                                           < 1,000,000,000)
//   length   := uint32, big-endian         (envelope length in bytes)
//   envelope := byte[length]               (the serialized DSSE Envelope,
//                                           verbatim as carried in the
//                                           ordered batch)
//
// Nothing may follow the envelope. Page: docs/formats/entry.md.
// Thread-safe: pure functions.
#ifndef KPLEDGER_LEDGER_ENTRY_LEAF_H_
#define KPLEDGER_LEDGER_ENTRY_LEAF_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kpledger::entry {

inline constexpr uint8_t kLeafVersion = 0x01;
inline constexpr size_t kLeafHeaderSize = 1 + 8 + 8 + 4 + 4;
static_assert(kLeafHeaderSize == 25, "docs/formats/entry.md says 25");

// A batch's ledger time: seconds and nanoseconds since the Unix epoch, as in
// google.protobuf.Timestamp.
struct LedgerTime {
  int64_t seconds = 0;
  uint32_t nanos = 0;

  bool operator==(const LedgerTime& o) const {
    return seconds == o.seconds && nanos == o.nanos;
  }
  bool operator<(const LedgerTime& o) const {
    return seconds < o.seconds || (seconds == o.seconds && nanos < o.nanos);
  }
};

// A decoded leaf; `envelope` points into the bytes it was decoded from.
struct LeafView {
  uint64_t index = 0;
  LedgerTime time;
  absl::string_view envelope;
};

// REQUIRES: time.nanos < 1e9.
std::string EncodeLeaf(uint64_t index, LedgerTime time,
                       absl::string_view envelope);

// DataLoss names what is wrong: a short header, an unknown version, nanos
// out of range, or a length that disagrees with the bytes present.
absl::StatusOr<LeafView> DecodeLeaf(absl::string_view leaf);

}  // namespace kpledger::entry

#endif  // KPLEDGER_LEDGER_ENTRY_LEAF_H_
