#include "tests/testing/scenario.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/entry/time.h"

namespace kpledger::testing {

absl::StatusOr<testdata::Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream text;
  text << in.rdbuf();
  testdata::Scenario scenario;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &scenario);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", status.ToString()));
  }
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
