// What a parcel's bundle holds beyond its ancestry DAG, one definition for
// the builder (bundle.h), which collects it from a store, and the verifier
// (verify.h, step 7), which checks a bundle against it.
#ifndef KPLEDGER_LEDGER_PROVENANCE_SCOPE_H_
#define KPLEDGER_LEDGER_PROVENANCE_SCOPE_H_

#include <string>
#include <vector>

#include "kpledger/v1/event.pb.h"

namespace kpledger::provenance {

// The actors `event` names as custodian: an import's, a transfer's two.
// A parcel's custodian is set only by an import or a transfer (a split or
// merge hands its input's custodian on), and the DAG holds every event of
// every parcel its events touch; so these and the signers name every actor
// the rules look up while re-running the DAG.
std::vector<std::string> NamedCustodians(const v1::CustodyEvent& event);

}  // namespace kpledger::provenance

#endif  // KPLEDGER_LEDGER_PROVENANCE_SCOPE_H_
