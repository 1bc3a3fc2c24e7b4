// A real ledger for provenance tests: a store in a fresh directory under
// TEST_TMPDIR, written by the applier, with a custody story told in it:
//
//   day 1  actors registered; a policy update
//   day 2  imports A-1 (Botswana, 12.500 ct) and B-1 (South Africa,
//          20.000 ct) into customs-1; unrelated import U-1 into vault-1
//   day 3  A-1 and B-1 to lab-1; U-1 to trader-2
//   day 4  lab-1 assesses A-1 at 12.480 ct
//   day 5  lab-1 splits A-1 into A-1a (6.000 ct) and A-1b (6.480 ct)
//   day 6  lab-1 merges A-1a and B-1 into M-1 (26.000 ct, mixed origin);
//          A-1b goes to vault-1
//   day 7  customs-1 gets a new key; M-1 to trader-1
//   day 8  M-1 exported to AE on AZ-2026-0001 (kpa, and customs-1 with
//          its new key)
//   day 10 AE confirms receipt (kpa)
//   day 11 lab-1 is revoked
//
// and verbs to cosign checkpoints, build and verify bundles, and tamper
// with them, as a careless or malicious builder (or colluding nodes) could.
#ifndef KPLEDGER_TESTS_UNIT_PROVENANCE_PROVENANCE_FIXTURE_H_
#define KPLEDGER_TESTS_UNIT_PROVENANCE_PROVENANCE_FIXTURE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/apply/applier.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::provenance {

class ProvenanceTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Applies the envelopes as one batch at `day` days after genesis; each
  // must be accepted, and its index is kept under its name.
  void Submit(int64_t day,
              const std::vector<std::pair<std::string, v1::Envelope>>& named);
  uint64_t Index(const std::string& name) const { return index_.at(name); }
  uint64_t Size() const { return store_->size(); }

  // A checkpoint of the store at `tree_size` signed by the first `signers`
  // node keys; with `extensions` as its extension lines if given, in place
  // of the store's policy line.
  v1::Checkpoint Cosign(
      uint64_t tree_size, int signers = 2,
      std::optional<std::vector<std::string>> extensions = std::nullopt) const;
  // The bundle of `parcel_id` against a cosigned checkpoint of the whole
  // log.
  v1::ProvenanceBundle Bundle(const std::string& parcel_id) const;
  absl::StatusOr<v1::ProvenanceAccount> Verify(
      const v1::ProvenanceBundle& bundle) const;

  // The indexes of the bundle's entries, in bundle order.
  static std::vector<uint64_t> Indexes(const v1::ProvenanceBundle& bundle);
  // The bundle entry of leaf `index`.
  static v1::BundleEntry* EntryOf(v1::ProvenanceBundle* bundle, uint64_t index);
  static void Drop(v1::ProvenanceBundle* bundle, uint64_t index);
  // Rewrites the envelope carried by entry `index`'s leaf.
  static void EditEnvelope(v1::ProvenanceBundle* bundle, uint64_t index,
                           const std::function<void(v1::Envelope*)>& edit);
  // What colluding nodes could publish: a copy of the log with entry
  // `index`'s envelope edited, a checkpoint of it signed by the node keys,
  // and the bundle's proofs against that checkpoint.
  v1::ProvenanceBundle Forge(
      v1::ProvenanceBundle bundle, uint64_t index,
      const std::function<void(v1::Envelope*)>& edit) const;

  testing::CustodyBuilder b_;
  rules::VerifiedGenesis trust_root_;
  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  std::map<std::string, uint64_t> index_;
  uint64_t position_ = 0;
};

}  // namespace kpledger::provenance

#endif  // KPLEDGER_TESTS_UNIT_PROVENANCE_PROVENANCE_FIXTURE_H_
