// A small registry of Prometheus metrics (counters, gauges, histograms) and
// its rendering in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Ownership: the registry owns every metric and never removes one, so the
// pointers it hands out stay valid for the registry's lifetime.
// Thread safety: every method of every class here may be called from
// several threads. Counter and Gauge updates are one lock-free atomic
// operation each: components fetch their pointers once, at construction,
// and update them on the hot path without touching the registry.
// Histogram::Observe takes a short per-histogram mutex so that a rendering
// sees its buckets, sum and count from one instant (+Inf bucket == _count).
// Programming errors (an invalid metric or label name, one name registered
// as two types, with two help texts or two bucket layouts) abort the
// process with a message at registration: they show at startup, not as a
// null pointer on the hot path.
#ifndef KPLEDGER_NODE_HTTP_METRICS_H_
#define KPLEDGER_NODE_HTTP_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace kpledger::node {

// The Content-Type of a rendering, as Prometheus servers expect it.
inline constexpr char kPrometheusTextContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Label name/value pairs identifying one series of a metric family, e.g.
// {{"code", "FAILED_PRECONDITION"}}. Order does not matter: the registry
// sorts them by name.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets. An observation v falls in every
// bucket whose upper bound is >= v (Prometheus' cumulative `le` buckets)
// and always in the implicit +Inf bucket.
class Histogram {
 public:
  // REQUIRES: upper_bounds finite and strictly increasing (checked by the
  // registry, which is the only creator).
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);

  // What a rendering prints: cumulative counts, one per upper bound and a
  // last one for +Inf (== count).
  struct Snapshot {
    std::vector<uint64_t> cumulative_counts;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  const std::vector<double> upper_bounds_;
  mutable absl::Mutex mu_;
  // Per-bucket (not cumulative) counts; the last entry is for +Inf.
  std::vector<uint64_t> bucket_counts_ ABSL_GUARDED_BY(mu_);
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
};

// Histogram bounds first, 2*first, 4*first, ... (n of them): latencies and
// sizes spread over orders of magnitude.
std::vector<double> DoublingBuckets(double first, int n);

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each returns the series `name`{labels}, creating it (and its family) on
  // first use; calls with the same name and labels return the same object.
  // `help` is the family's # HELP text. Names follow Prometheus' rules
  // ([a-zA-Z_:][a-zA-Z0-9_:]* for metrics, [a-zA-Z_][a-zA-Z0-9_]* for
  // labels); counters' names should end in _total.
  // Aborts on a programming error (see the top of this file).
  Counter* GetCounter(absl::string_view name, absl::string_view help,
                      MetricLabels labels = {});
  Gauge* GetGauge(absl::string_view name, absl::string_view help,
                  MetricLabels labels = {});
  // `upper_bounds`: finite, strictly increasing; +Inf is implicit. Every
  // series of a family must be given the same bounds.
  Histogram* GetHistogram(absl::string_view name, absl::string_view help,
                          std::vector<double> upper_bounds,
                          MetricLabels labels = {});

  // Every family in text exposition format 0.0.4: families sorted by name,
  // series within a family by their sorted labels, so the same values
  // always render to the same bytes.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> upper_bounds;  // histograms only
    // Keyed by labels sorted by name; only the map of `type` is used.
    std::map<MetricLabels, std::unique_ptr<Counter>> counters;
    std::map<MetricLabels, std::unique_ptr<Gauge>> gauges;
    std::map<MetricLabels, std::unique_ptr<Histogram>> histograms;
  };

  // The family `name`, created if new; aborts if it exists with another
  // type, help text or bucket layout.
  Family& FamilyFor(absl::string_view name, absl::string_view help, Type type,
                    const std::vector<double>& upper_bounds)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_HTTP_METRICS_H_
