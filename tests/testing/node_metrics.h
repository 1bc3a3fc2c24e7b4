// A node's /metrics page (Prometheus text), read over HTTP and parsed, for
// the tests and benchmarks that look at what a node counts.
#ifndef KPLEDGER_TESTS_TESTING_NODE_METRICS_H_
#define KPLEDGER_TESTS_TESTING_NODE_METRICS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace kpledger::testing {

// Series (the name with its labels, as printed) -> value.
using MetricsScrape = std::map<std::string, double>;

// The text of http://`http_address`/metrics ("host:port").
absl::StatusOr<std::string> MetricsPage(const std::string& http_address);

// MetricsPage, parsed.
absl::StatusOr<MetricsScrape> ScrapeMetrics(const std::string& http_address);

// A series' value, 0 if the scrape has none.
double Value(const MetricsScrape& scrape, const std::string& series);

// How much a series grew from `before` to `after`.
double Delta(const MetricsScrape& before, const MetricsScrape& after,
             const std::string& series);

// A histogram without labels between two scrapes.
struct HistogramDelta {
  double count = 0;
  double sum = 0;
  double median_bucket = 0;  // upper bound of the bucket holding the median
  double p90_bucket = 0;
  double p99_bucket = 0;
  double mean() const { return count > 0 ? sum / count : 0; }
};
HistogramDelta HistogramBetween(const MetricsScrape& before,
                                const MetricsScrape& after,
                                const std::string& name);

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_TESTING_NODE_METRICS_H_
