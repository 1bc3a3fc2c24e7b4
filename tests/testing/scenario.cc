#include "tests/testing/scenario.h"

#include "ledger/base/proto_json.h"
#include "ledger/base/status_macros.h"
#include "ledger/entry/time.h"

namespace kpledger::testing {

absl::StatusOr<testdata::Scenario> LoadScenario(const std::string& path) {
  testdata::Scenario scenario;
  KP_RETURN_IF_ERROR(base::ReadJsonFile(path, &scenario));
  return scenario;
}

std::vector<apply::OrderedBatch> OrderedBatches(
    const testdata::Scenario& scenario) {
  std::vector<apply::OrderedBatch> out;
  for (const testdata::ScenarioBatch& b : scenario.batches()) {
    apply::OrderedBatch batch;
    batch.position = b.position();
    batch.proposed_time = entry::FromTimestamp(b.proposed_time());
    for (const testdata::ScenarioEvent& ev : b.events()) {
      batch.envelopes.push_back(ev.envelope().SerializeAsString());
    }
    out.push_back(std::move(batch));
  }
  return out;
}

}  // namespace kpledger::testing
