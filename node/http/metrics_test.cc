#include "node/http/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

TEST(MetricsTest, CounterWithLabelsRendersHelpTypeAndSeries) {
  MetricsRegistry registry;
  registry
      .GetCounter("kpledger_events_refused_total", "Events the rules refused.",
                  {{"code", "FAILED_PRECONDITION"}})
      ->Increment(3);
  registry
      .GetCounter("kpledger_events_refused_total", "Events the rules refused.",
                  {{"code", "ALREADY_EXISTS"}})
      ->Increment();

  EXPECT_EQ(registry.Render(),
            "# HELP kpledger_events_refused_total Events the rules refused.\n"
            "# TYPE kpledger_events_refused_total counter\n"
            "kpledger_events_refused_total{code=\"ALREADY_EXISTS\"} 1\n"
            "kpledger_events_refused_total{code=\"FAILED_PRECONDITION\"} 3\n");
}

TEST(MetricsTest, GaugeWithoutLabelsRendersShortestDecimal) {
  MetricsRegistry registry;
  Gauge* gauge = registry.GetGauge("kpledger_tree_size", "Entries in the log.");
  gauge->Set(2.5);
  gauge->Add(-1);

  EXPECT_EQ(registry.Render(),
            "# HELP kpledger_tree_size Entries in the log.\n"
            "# TYPE kpledger_tree_size gauge\n"
            "kpledger_tree_size 1.5\n");
}

TEST(MetricsTest, GaugeRendersInfinityAndNaNAsPrometheusSpellsThem) {
  MetricsRegistry registry;
  registry.GetGauge("a", "a", {{"k", "1"}})->Set(1.0 / 0.0);
  registry.GetGauge("a", "a", {{"k", "2"}})->Set(-1.0 / 0.0);
  registry.GetGauge("a", "a", {{"k", "3"}})->Set(0.0 / 0.0);

  EXPECT_THAT(registry.Render(), ::testing::EndsWith("a{k=\"1\"} +Inf\n"
                                                     "a{k=\"2\"} -Inf\n"
                                                     "a{k=\"3\"} NaN\n"));
}

TEST(MetricsTest, DoublingBucketsDoubleFromTheFirst) {
  EXPECT_EQ(DoublingBuckets(0.0005, 4),
            (std::vector<double>{0.0005, 0.001, 0.002, 0.004}));
  EXPECT_EQ(DoublingBuckets(1024, 1), (std::vector<double>{1024}));
  // Far past 2^31 without overflow: batch sizes in bytes.
  EXPECT_EQ(DoublingBuckets(1, 40).back(), 549755813888.0);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeEndingInInfSumAndCount) {
  MetricsRegistry registry;
  Histogram* h =
      registry.GetHistogram("kpledger_batch_seconds", "Time to apply a batch.",
                            {0.25, 0.5, 1}, {{"stage", "apply"}});
  // Binary fractions, so that the sum is exact.
  h->Observe(0.125);
  h->Observe(0.25);  // a bound is inclusive: le="0.25"
  h->Observe(0.75);
  h->Observe(8);

  EXPECT_EQ(registry.Render(),
            "# HELP kpledger_batch_seconds Time to apply a batch.\n"
            "# TYPE kpledger_batch_seconds histogram\n"
            "kpledger_batch_seconds_bucket{stage=\"apply\",le=\"0.25\"} 2\n"
            "kpledger_batch_seconds_bucket{stage=\"apply\",le=\"0.5\"} 2\n"
            "kpledger_batch_seconds_bucket{stage=\"apply\",le=\"1\"} 3\n"
            "kpledger_batch_seconds_bucket{stage=\"apply\",le=\"+Inf\"} 4\n"
            "kpledger_batch_seconds_sum{stage=\"apply\"} 9.125\n"
            "kpledger_batch_seconds_count{stage=\"apply\"} 4\n");
}

TEST(MetricsTest, EmptyHistogramWithoutLabelsRendersZeros) {
  MetricsRegistry registry;
  registry.GetHistogram("h", "h", {1});

  EXPECT_EQ(registry.Render(),
            "# HELP h h\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\n"
            "h_bucket{le=\"+Inf\"} 0\n"
            "h_sum 0\n"
            "h_count 0\n");
}

TEST(MetricsTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  MetricsRegistry registry;
  registry.GetCounter("c_total", "c", {{"path", "a\\b\"c\nd"}})->Increment();

  EXPECT_THAT(registry.Render(),
              ::testing::HasSubstr("c_total{path=\"a\\\\b\\\"c\\nd\"} 1\n"));
}

TEST(MetricsTest, HelpEscapesBackslashAndNewlineButNotQuote) {
  MetricsRegistry registry;
  registry.GetCounter("c_total", "say \"x\\y\"\nnow");

  EXPECT_THAT(registry.Render(),
              ::testing::StartsWith("# HELP c_total say \"x\\\\y\"\\nnow\n"));
}

TEST(MetricsTest, SameNameAndLabelsInAnyOrderReturnTheSameObject) {
  MetricsRegistry registry;
  Counter* a = registry.GetCounter("c_total", "c", {{"x", "1"}, {"y", "2"}});
  Counter* b = registry.GetCounter("c_total", "c", {{"y", "2"}, {"x", "1"}});
  Counter* other = registry.GetCounter("c_total", "c", {{"x", "2"}});

  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(registry.GetHistogram("h", "h", {1, 2}),
            registry.GetHistogram("h", "h", {1, 2}));
}

TEST(MetricsTest, OrderIsByFamilyNameThenLabelsWhateverTheRegistrationOrder) {
  MetricsRegistry forward;
  forward.GetGauge("b", "b", {{"k", "1"}});
  forward.GetGauge("b", "b", {{"k", "2"}});
  forward.GetCounter("a_total", "a");
  MetricsRegistry backward;
  backward.GetCounter("a_total", "a");
  backward.GetGauge("b", "b", {{"k", "2"}});
  backward.GetGauge("b", "b", {{"k", "1"}});

  EXPECT_EQ(forward.Render(), backward.Render());
  EXPECT_EQ(forward.Render(),
            "# HELP a_total a\n# TYPE a_total counter\na_total 0\n"
            "# HELP b b\n# TYPE b gauge\nb{k=\"1\"} 0\nb{k=\"2\"} 0\n");
}

TEST(MetricsTest, ConcurrentUpdatesFromSeveralThreadsSumExactly) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  MetricsRegistry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry] {
      // Each thread fetches its own pointers, as components do.
      Counter* c = registry.GetCounter("c_total", "c", {{"k", "v"}});
      Gauge* g = registry.GetGauge("g", "g");
      Histogram* h = registry.GetHistogram("h", "h", {0.5});
      for (int i = 0; i < kPerThread; ++i) {
        c->Increment();
        g->Add(1);
        h->Observe(i % 2);
      }
    });
  }
  for (std::thread& t : threads) t.join();

  const uint64_t total = uint64_t{kThreads} * kPerThread;
  EXPECT_EQ(registry.GetCounter("c_total", "c", {{"k", "v"}})->Value(), total);
  EXPECT_EQ(registry.GetGauge("g", "g")->Value(), static_cast<double>(total));
  const Histogram::Snapshot snap =
      registry.GetHistogram("h", "h", {0.5})->Read();
  EXPECT_EQ(snap.cumulative_counts, (std::vector<uint64_t>{total / 2, total}));
  EXPECT_EQ(snap.count, total);
  EXPECT_EQ(snap.sum, static_cast<double>(total / 2));
}

// --- Programming errors: registration aborts with a message. ---

TEST(MetricsDeathTest, SameNameAsAnotherTypeAborts) {
  MetricsRegistry registry;
  registry.GetCounter("x_total", "x");
  EXPECT_DEATH(registry.GetGauge("x_total", "x"),
               "metric x_total: registered again with another type");
}

TEST(MetricsDeathTest, SameNameWithOtherHelpAborts) {
  MetricsRegistry registry;
  registry.GetCounter("x_total", "x");
  EXPECT_DEATH(registry.GetCounter("x_total", "y"), "help \"y\" differs");
}

TEST(MetricsDeathTest, HistogramWithOtherBucketsAborts) {
  MetricsRegistry registry;
  registry.GetHistogram("h", "h", {1, 2});
  EXPECT_DEATH(registry.GetHistogram("h", "h", {1, 3}, {{"k", "v"}}),
               "histogram h: registered again with other buckets");
}

TEST(MetricsDeathTest, UnsortedBucketsAbort) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.GetHistogram("h", "h", {2, 1}),
               "bucket bound 1 is not finite and increasing");
}

TEST(MetricsDeathTest, InvalidNamesAbort) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.GetCounter("9lives", "x"), "invalid metric name");
  EXPECT_DEATH(registry.GetCounter("x", "x", {{"a-b", "v"}}),
               "invalid label name \"a-b\"");
  EXPECT_DEATH(registry.GetHistogram("h", "h", {1}, {{"le", "v"}}),
               "label \"le\" is reserved");
}

}  // namespace
}  // namespace kpledger::node
