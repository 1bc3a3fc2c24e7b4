#include "ledger/report/project.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/apply/store_state.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/rules/genesis.h"
#include "ledger/rules/signed_event.h"
#include "ledger/rules/state.h"

namespace kpledger::report {
namespace {

absl::Status Corrupt(uint64_t index, const absl::Status& why) {
  return absl::DataLossError(
      absl::StrCat("report: entry ", index, ": ", why.message()));
}

absl::StatusOr<v1::Policy> GenesisPolicy(const store::Store& store) {
  KP_ASSIGN_OR_RETURN(std::string leaf, store.GetLeaf(0));
  absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(leaf);
  if (!view.ok()) return Corrupt(0, view.status());
  absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view->envelope);
  if (!env.ok()) return Corrupt(0, env.status());
  absl::StatusOr<rules::VerifiedGenesis> genesis =
      rules::VerifyGenesisEnvelope(*env);
  if (!genesis.ok()) return Corrupt(0, genesis.status());
  return genesis->genesis.policy();
}

}  // namespace

absl::StatusOr<ReportBuilder> ProjectStore(const store::Store& store) {
  if (store.size() == 0) {
    return absl::FailedPreconditionError(
        "report: the store holds no ledger (no genesis)");
  }
  KP_ASSIGN_OR_RETURN(v1::Policy policy, GenesisPolicy(store));
  ReportBuilder builder(std::move(policy));
  KP_RETURN_IF_ERROR(CatchUp(store, &builder));
  return builder;
}

absl::Status CatchUp(const store::Store& store, ReportBuilder* builder) {
  const uint64_t size = store.size();
  const apply::StoreStateSource source(&store);
  const rules::StateView state(&source);
  // Entry 0 is the genesis, which the builder was made from.
  for (uint64_t index = std::max<uint64_t>(builder->next_index(), 1);
       index < size; ++index) {
    absl::StatusOr<std::string> leaf = store.GetLeaf(index);
    if (!leaf.ok()) return Corrupt(index, leaf.status());
    absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(*leaf);
    if (!view.ok()) return Corrupt(index, view.status());
    if (view->index != index) {
      return Corrupt(index, absl::DataLossError(
                                absl::StrCat("leaf says index ", view->index)));
    }
    absl::StatusOr<rules::SignedEvent> ev =
        rules::DecodeEvent(std::string(view->envelope));
    if (!ev.ok()) return Corrupt(index, ev.status());
    KP_ASSIGN_OR_RETURN(std::vector<v1::Flag> flags, state.Flags(ev->event_id));
    absl::Status added =
        builder->Add(index, view->time, *ev->event, ev->event_id, flags);
    if (!added.ok()) return absl::DataLossError(added.message());
  }
  return absl::OkStatus();
}

}  // namespace kpledger::report
