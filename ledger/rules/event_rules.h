// Internal to ledger/rules: the checks of one event, shared by the files
// that implement them (validate.cc: what every event must pass;
// custody_rules.cc: parcels and certificates; governance_rules.cc: actors
// and policy). Use validate.h.
#ifndef KPLEDGER_LEDGER_RULES_EVENT_RULES_H_
#define KPLEDGER_LEDGER_RULES_EVENT_RULES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kpledger/v1/event.pb.h"
#include "kpledger/v1/state.pb.h"
#include "ledger/rules/validate.h"

namespace kpledger::rules {

class EventRules {
 public:
  EventRules(const EventContext& ctx, const SignedEvent& event,
             StateChanges* changes);

  absl::StatusOr<std::vector<v1::Flag>> Run();

 private:
  // validate.cc: every event.
  // Resolves the signers; refusals name "<type>.signatures".
  absl::Status CheckSigners();
  absl::Status CheckSignersUnnamed();
  absl::Status CheckHeads();
  absl::Status Dispatch();

  // custody_rules.cc.
  absl::Status Import(const v1::Import& b);
  absl::Status LabAssessment(const v1::LabAssessment& b);
  absl::Status CustodyTransfer(const v1::CustodyTransfer& b);
  absl::Status Split(const v1::Split& b);
  absl::Status Merge(const v1::Merge& b);
  absl::Status Export(const v1::Export& b);
  absl::Status ImportConfirmation(const v1::ImportConfirmation& b);
  absl::Status Inspection(const v1::Inspection& b);
  absl::Status Hold(const v1::Hold& b);
  absl::Status Release(const v1::Release& b);

  // governance_rules.cc.
  absl::Status CheckGovernanceSigners();
  absl::Status RegisterActor(const v1::RegisterActor& b);
  absl::Status RotateKey(const v1::RotateKey& b);
  absl::Status RevokeActor(const v1::RevokeActor& b);
  absl::Status UpdatePolicy(const v1::UpdatePolicy& b);
  // NotFound (on actor_id) unless the actor was registered.
  absl::StatusOr<v1::ActorRecord> RegisteredActor(
      absl::string_view actor_id) const;
  // A key an actor may take: 32 bytes, not a governance key, never used.
  absl::Status CheckFreshKey(absl::string_view field,
                             absl::string_view key) const;
  // Records which actor `key` belongs to.
  void PutKey(absl::string_view actor_id, absl::string_view key);
  // Whether the genesis lets governance change the node keys (node_set.h).
  bool NodeKeysByGovernance() const;
  // The node keys so far (node_set.h), and the change this event makes.
  absl::StatusOr<v1::NodeSetRecord> NodeSet() const;
  void PutNodeChange(v1::NodeSetRecord set);
  // FailedPrecondition (on actor_id) if removing the node key named
  // `name` would leave fewer keys in force than the checkpoint threshold.
  absl::Status CheckNodeRemoval(const v1::NodeSetRecord& set,
                                absl::string_view name) const;

  // Refusals: "<event type>.<field>: <why>".
  absl::Status Refuse(absl::StatusCode code, absl::string_view field,
                      absl::string_view why) const;
  absl::Status Invalid(absl::string_view field, absl::string_view why) const {
    return Refuse(absl::StatusCode::kInvalidArgument, field, why);
  }
  absl::Status Precondition(absl::string_view field,
                            absl::string_view why) const {
    return Refuse(absl::StatusCode::kFailedPrecondition, field, why);
  }
  // Prefixes a status from a shared check with the event type.
  absl::Status Within(const absl::Status& status) const;

  // The signing actor with `role`, or nullptr.
  const v1::ActorRecord* SignerWithRole(v1::Role role) const;
  bool SignedBy(absl::string_view actor_id) const;
  // PermissionDenied unless an actor with `role` signed; `what` says why
  // the role is needed.
  absl::Status RequireRole(v1::Role role, absl::string_view what) const;
  // PermissionDenied unless `actor_id` signed.
  absl::Status RequireSignedBy(absl::string_view actor_id,
                               absl::string_view as) const;
  // A touched parcel as it is before the event (CheckHeads read it).
  v1::ParcelState& Touched(const std::string& parcel_id);
  // FailedPrecondition unless the parcel is ACTIVE (a held parcel cannot
  // move, split, merge or be exported; a closed one nothing). `field`: where
  // the event names the parcel.
  absl::Status RequireActive(const v1::ParcelState& p, absl::string_view action,
                             absl::string_view field = "parcel_id") const;
  absl::Status RequireNotClosed(const v1::ParcelState& p,
                                absl::string_view action) const;
  // A registered, unrevoked actor that may hold parcels (customs, vault,
  // lab, trader); `field` names where the id came from.
  absl::StatusOr<v1::ActorRecord> Custodian(absl::string_view actor_id,
                                            absl::string_view field) const;
  // Writes a parcel's new state with this event as its head, and the
  // event's flags added to the parcel's.
  void PutParcel(v1::ParcelState parcel);
  void AddFlag(v1::Flag flag);

  const EventContext& ctx_;
  const SignedEvent& ev_;
  StateChanges* changes_;
  StateView view_;
  std::string type_;  // the body's field name, e.g. "custody_transfer"
  v1::PolicyRecord policy_;
  std::vector<std::string> governance_signers_;           // key names
  std::map<std::string, v1::ActorRecord> actor_signers_;  // by actor id
  std::map<std::string, v1::ParcelState> touched_;        // existing parcels
  std::vector<v1::Flag> flags_;                           // sorted, unique
};

}  // namespace kpledger::rules

#endif  // KPLEDGER_LEDGER_RULES_EVENT_RULES_H_
