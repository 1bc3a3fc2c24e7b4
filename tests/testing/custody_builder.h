// Builds signed custody events for tests, benchmarks and the scenario
// dataset: a genesis with three governance keys (threshold 2) and three
// node keys (threshold 2), deterministic keys for every actor, and parcel
// heads filled in as the ledger will expect them.
//
// The builder tracks each parcel's head as if every event it signs with
// `expect_accept` were accepted, so a test builds a valid chain without
// reading the ledger back; an event meant to be refused leaves the heads as
// they were.
#ifndef KPLEDGER_TESTS_TESTING_CUSTODY_BUILDER_H_
#define KPLEDGER_TESTS_TESTING_CUSTODY_BUILDER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/checkpoint/note.h"
#include "ledger/crypto/ed25519.h"
#include "ledger/entry/leaf.h"

namespace kpledger::testing {

inline constexpr char kBuilderOrigin[] = "kpledger.test/az-custody";
// 2026-09-01T00:00:00Z: genesis; the sample certificates are valid from
// 2026-08-01 to 2027-08-01.
inline constexpr int64_t kGenesisSeconds = 1788220800;
inline constexpr int64_t kDay = 86400;

// Tolerances 0.5% mass, 25% value band, 0.1% loss; RU refused (EU
// 833/2014), VE flagged; confirmations due within 60 days; a re-export
// within 7 days of import is flagged.
v1::Policy DefaultPolicy();

// An incoming certificate from `country` with one origin (the exporting
// country) unless `origins` are given, valid 2026-08-01 to 2027-08-01,
// issued to Baku Gems LLC in AZ.
v1::KpCertificate IncomingCertificate(
    const std::string& number, const std::string& country, int64_t mass_mct,
    int64_t value_usd_cents, const std::string& hs_code = "7102.10",
    std::vector<std::pair<std::string, uint32_t>> origins = {});

class CustodyBuilder {
 public:
  // `checkpoint_threshold`: node signatures a checkpoint needs (1 lets a
  // node running alone cosign its own checkpoints).
  explicit CustodyBuilder(const v1::Policy& policy = DefaultPolicy(),
                          uint32_t checkpoint_threshold = 2);

  const v1::Envelope& genesis_envelope() const { return genesis_envelope_; }
  const v1::Genesis& genesis() const { return genesis_; }
  entry::LedgerTime genesis_time() const { return {kGenesisSeconds, 0}; }
  const crypto::PrivateKey& governance_key(int i) const {
    return governance_[i];
  }
  // The private key of node i (0..2); its name is genesis().node_keys(i).
  const crypto::PrivateKey& node_key(int i) const { return nodes_[i]; }
  // Signers for checkpoints with node keys 0..count-1.
  std::vector<checkpoint::NoteSigner> NodeSigners(int count) const;

  // The key of an actor, derived from its id (and `generation`, for keys
  // after a rotation).
  static crypto::PrivateKey ActorKey(const std::string& actor_id,
                                     int generation = 0);

  // Governance events signed by the first `signers` governance keys.
  v1::Envelope Register(const std::string& actor_id, v1::Role role,
                        const std::string& license_id = "", int signers = 2);
  v1::Envelope Governance(v1::CustodyEvent event, int signers = 2);

  // Fills in the origin and the parcel heads (ParcelsTouchedBy) and signs
  // with the current key of each actor in `signers`. If `expect_accept`,
  // the touched parcels' heads become this event.
  v1::Envelope Sign(v1::CustodyEvent event,
                    const std::vector<std::string>& signers,
                    bool expect_accept = true);
  // Signs with explicit keys (a test of who may sign).
  v1::Envelope SignWith(v1::CustodyEvent event,
                        const std::vector<const crypto::PrivateKey*>& keys,
                        bool expect_accept = true);

  // The head the builder expects for a parcel ("" if it knows none).
  std::string Head(const std::string& parcel_id) const;
  // Uses key generation `g` for an actor from now on (after RotateKey).
  void SetKeyGeneration(const std::string& actor_id, int g);

 private:
  v1::CustodyEvent Complete(v1::CustodyEvent event) const;
  void Advance(const v1::CustodyEvent& event, const std::string& event_id);

  std::vector<crypto::PrivateKey> governance_;
  std::vector<crypto::PrivateKey> nodes_;
  v1::Genesis genesis_;
  v1::Envelope genesis_envelope_;
  std::map<std::string, std::string> heads_;
  std::map<std::string, int> generation_;
  std::map<std::string, std::unique_ptr<crypto::PrivateKey>> keys_;
};

// Bodies of the common events, so tests read as the custody story.
v1::CustodyEvent ImportEvent(const std::string& parcel_id,
                             const std::string& custodian,
                             const v1::KpCertificate& cert);
// With one seal, "SEAL-<parcel_id>"; the rules refuse a transfer without.
v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& from, const std::string& to);
// With exactly `seals` (empty, to test that refusal).
v1::CustodyEvent TransferEvent(const std::string& parcel_id,
                               const std::string& from, const std::string& to,
                               const std::vector<std::string>& seals);
v1::CustodyEvent AssessmentEvent(const std::string& parcel_id,
                                 int64_t measured_mass_mct,
                                 int64_t assessed_value_usd_cents,
                                 const std::string& report_number);
v1::CustodyEvent SplitEvent(
    const std::string& parcel_id,
    const std::vector<std::pair<std::string, int64_t>>& children_mass,
    int64_t value_each_usd_cents, const std::string& hs_code = "7102.31");
v1::CustodyEvent MergeEvent(const std::vector<std::string>& parcel_ids,
                            const std::string& new_parcel_id, int64_t mass_mct,
                            int64_t value_usd_cents,
                            const std::string& hs_code = "7102.31");
// An outgoing AZ certificate matching the parcel's figures, which the
// caller passes: exporter licence `exporter_licence`, to `importing_country`.
v1::CustodyEvent ExportEvent(
    const std::string& parcel_id, const std::string& number, int64_t mass_mct,
    int64_t value_usd_cents, const std::string& hs_code,
    const std::vector<std::pair<std::string, uint32_t>>& origins,
    const std::string& exporter_licence, const std::string& importing_country,
    int64_t issued_seconds);
v1::CustodyEvent ConfirmationEvent(const std::string& number,
                                   const std::string& importing_country,
                                   int64_t mass_mct, int64_t received_seconds);

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_CUSTODY_BUILDER_H_
