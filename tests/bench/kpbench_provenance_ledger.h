// The large ledger of the GetProvenance measurements, built straight into
// a store: kpbench starts a kpnode on it (building a million entries
// through a node over gRPC would take far longer than the measurement),
// provenance_bench times BuildBundle and VerifyBundle on it. Parcel "M-1"
// has 20 ancestor events (two imports, twelve transfers, four assessments,
// a split, a merge) by four actors registered by governance,
// each applied by the applier like any submission; the rest of the log is
// filler spread evenly between them, appended straight to the store
// (sample imports of another origin: a bundle reads only the DAG and its
// actors). Here the filler is signed on the other cores while the store
// appends, so a million entries take about a minute rather than several.
#ifndef KPLEDGER_TESTS_BENCH_KPBENCH_PROVENANCE_LEDGER_H_
#define KPLEDGER_TESTS_BENCH_KPBENCH_PROVENANCE_LEDGER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::bench {

// The parcel whose provenance the phase asks for, and its ancestry.
inline constexpr char kProvenanceParcel[] = "M-1";
inline constexpr int kProvenanceAncestry = 20;

struct ProvenanceLedger {
  uint64_t entries = 0;  // the log's size
  double build_seconds = 0;
};

// Creates the store in `data_dir` (which must not hold one) with the
// builder's genesis and about `entries` entries (at least the 25 of the
// story). The store is closed on return, ready for a kpnode.
absl::StatusOr<ProvenanceLedger> BuildProvenanceLedger(
    testing::CustodyBuilder& builder, const std::string& data_dir,
    uint64_t entries);

}  // namespace kpledger::bench

#endif  // KPLEDGER_TESTS_BENCH_KPBENCH_PROVENANCE_LEDGER_H_
