// Projects a store's log into a ReportBuilder (report_builder.h): reads
// the genesis policy from entry 0, then feeds every later entry in log
// order with the flags the rules recorded for it (the state's
// flags/<event id> records, ledger/rules/state.h).
// Thread-safe: reads the store only; entries appended while it runs are
// not included (it projects the tree size it saw when it started).
#ifndef KPLEDGER_LEDGER_REPORT_PROJECT_H_
#define KPLEDGER_LEDGER_REPORT_PROJECT_H_

#include "absl/status/statusor.h"
#include "ledger/report/report_builder.h"
#include "ledger/store/store.h"

namespace kpledger::report {

// FailedPrecondition for a store without a genesis; DataLoss for an entry
// that does not decode (leaf, envelope, genesis or event), an entry
// missing below the tree size, or a log the projection cannot follow (the
// log holds only accepted events, so that means the store is corrupt);
// the store's own errors otherwise.
absl::StatusOr<ReportBuilder> ProjectStore(const store::Store& store);

// Feeds `builder` the entries the store holds past the ones it was fed
// (from builder->next_index() to the store's size): how a node keeps its
// reports current without touching the apply path. Errors as ProjectStore;
// the builder then holds the entries before the bad one.
absl::Status CatchUp(const store::Store& store, ReportBuilder* builder);

}  // namespace kpledger::report

#endif  // KPLEDGER_LEDGER_REPORT_PROJECT_H_
