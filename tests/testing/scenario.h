// The scenario dataset (tests/testdata/scenario.json) for tests and
// benchmarks: loading it and feeding it to an applier.
#ifndef KPLEDGER_TESTS_TESTING_SCENARIO_H_
#define KPLEDGER_TESTS_TESTING_SCENARIO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/apply/applier.h"
#include "tests/testdata/scenario.pb.h"

namespace kpledger::testing {

inline constexpr char kScenarioPath[] = "tests/testdata/scenario.json";

absl::StatusOr<testdata::Scenario> LoadScenario(
    const std::string& path = kScenarioPath);

// The scenario's batches as a sequencer would hand them to the applier.
std::vector<apply::OrderedBatch> OrderedBatches(
    const testdata::Scenario& scenario);

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_SCENARIO_H_
