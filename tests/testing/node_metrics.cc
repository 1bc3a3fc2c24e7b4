#include "tests/testing/node_metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "httplib.h"

namespace kpledger::testing {

absl::StatusOr<std::string> MetricsPage(const std::string& http_address) {
  const size_t colon = http_address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(http_address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError("bad HTTP address " + http_address);
  }
  httplib::Client client(http_address.substr(0, colon), port);
  client.set_read_timeout(10, 0);
  httplib::Result res = client.Get("/metrics");
  if (!res || res->status != 200) {
    return absl::UnavailableError("cannot read /metrics from " + http_address);
  }
  return std::move(res->body);
}

absl::StatusOr<MetricsScrape> ScrapeMetrics(const std::string& http_address) {
  absl::StatusOr<std::string> page = MetricsPage(http_address);
  if (!page.ok()) return page.status();
  MetricsScrape out;
  for (absl::string_view line : absl::StrSplit(*page, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &value)) continue;
    out[std::string(line.substr(0, space))] = value;
  }
  return out;
}

double Value(const MetricsScrape& scrape, const std::string& series) {
  auto it = scrape.find(series);
  return it == scrape.end() ? 0.0 : it->second;
}

double Delta(const MetricsScrape& before, const MetricsScrape& after,
             const std::string& series) {
  return Value(after, series) - Value(before, series);
}

HistogramDelta HistogramBetween(const MetricsScrape& before,
                                const MetricsScrape& after,
                                const std::string& name) {
  HistogramDelta h;
  h.count = Delta(before, after, name + "_count");
  h.sum = Delta(before, after, name + "_sum");
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative)
  const std::string prefix = name + "_bucket{le=\"";
  for (const auto& [series, value] : after) {
    if (series.rfind(prefix, 0) != 0) continue;
    const std::string le =
        series.substr(prefix.size(), series.size() - prefix.size() - 2);
    double bound = 0;
    if (le == "+Inf") {
      bound = INFINITY;
    } else if (!absl::SimpleAtod(le, &bound)) {
      continue;
    }
    buckets.emplace_back(bound, value - Value(before, series));
  }
  std::sort(buckets.begin(), buckets.end());
  auto quantile = [&](double q) {
    for (const auto& [bound, cumulative] : buckets) {
      if (cumulative >= q * h.count) return bound;
    }
    return 0.0;
  };
  h.median_bucket = quantile(0.5);
  h.p90_bucket = quantile(0.9);
  h.p99_bucket = quantile(0.99);
  return h;
}

}  // namespace kpledger::testing
