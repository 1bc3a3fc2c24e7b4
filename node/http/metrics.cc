#include "node/http/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kpledger::node {
namespace {

// Registration errors are programming errors (see metrics.h): stop at
// once, naming the metric, rather than hand out a pointer that fails later.
[[noreturn]] void DieBecause(const std::string& message) {
  std::fprintf(stderr, "metrics registry: %s\n", message.c_str());
  std::abort();
}

bool IsValidName(absl::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' ||
                    (allow_colon && c == ':') ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

// Validates and sorts by name, so that {a,b} and {b,a} are one series and
// series order in a rendering does not depend on call sites.
MetricLabels Canonical(absl::string_view metric, MetricLabels labels,
                       bool is_histogram) {
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i].first;
    if (!IsValidName(label, /*allow_colon=*/false) ||
        absl::StartsWith(label, "__")) {
      DieBecause(absl::StrCat("metric ", metric, ": invalid label name \"",
                              label, "\""));
    }
    if (is_histogram && label == "le") {
      DieBecause(absl::StrCat("histogram ", metric,
                              ": label \"le\" is reserved for buckets"));
    }
    if (i > 0 && labels[i - 1].first == label) {
      DieBecause(absl::StrCat("metric ", metric, ": label \"", label,
                              "\" given twice"));
    }
  }
  return labels;
}

// The exposition format's number syntax: shortest round-trip decimal, and
// +Inf, -Inf, NaN spelled as Prometheus parses them.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "NaN";  // unreachable: 32 bytes always fit
  return std::string(buf, end);
}

// HELP text escapes backslash and newline; label values also escape the
// double quote (format 0.0.4).
std::string Escape(absl::string_view text, bool escape_quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, with `le` appended last for histogram buckets; empty
// when there are no labels at all.
std::string FormatLabels(const MetricLabels& labels,
                         const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, name, "=\"", Escape(value, true), "\"");
  }
  if (le != nullptr) {
    if (out.size() > 1) out += ",";
    absl::StrAppend(&out, "le=\"", *le, "\"");
  }
  out += "}";
  return out;
}

void RenderHistogram(const std::string& name, const MetricLabels& labels,
                     const Histogram& histogram, std::string* out) {
  const Histogram::Snapshot snap = histogram.Read();
  const std::vector<double>& bounds = histogram.upper_bounds();
  for (size_t i = 0; i < snap.cumulative_counts.size(); ++i) {
    const std::string le = i < bounds.size() ? FormatDouble(bounds[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket", FormatLabels(labels, &le), " ",
                    snap.cumulative_counts[i], "\n");
  }
  absl::StrAppend(out, name, "_sum", FormatLabels(labels), " ",
                  FormatDouble(snap.sum), "\n");
  absl::StrAppend(out, name, "_count", FormatLabels(labels), " ", snap.count,
                  "\n");
}

}  // namespace

std::vector<double> DoublingBuckets(double first, int n) {
  std::vector<double> bounds;
  for (int i = 0; i < n; ++i) bounds.push_back(first * (int64_t{1} << i));
  return bounds;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  // First bound >= value; past the end means only +Inf (also for NaN).
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
      upper_bounds_.begin();
  absl::MutexLock lock(&mu_);
  ++bucket_counts_[bucket];
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snap;
  snap.cumulative_counts.reserve(upper_bounds_.size() + 1);
  absl::MutexLock lock(&mu_);
  for (const uint64_t n : bucket_counts_) {
    snap.count += n;
    snap.cumulative_counts.push_back(snap.count);
  }
  snap.sum = sum_;
  return snap;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(
    absl::string_view name, absl::string_view help, Type type,
    const std::vector<double>& upper_bounds) {
  if (!IsValidName(name, /*allow_colon=*/true)) {
    DieBecause(absl::StrCat("invalid metric name \"", name, "\""));
  }
  auto [it, inserted] = families_.try_emplace(std::string(name));
  Family& family = it->second;
  if (inserted) {
    family.type = type;
    family.help = std::string(help);
    family.upper_bounds = upper_bounds;
    return family;
  }
  if (family.type != type) {
    DieBecause(
        absl::StrCat("metric ", name, ": registered again with another type"));
  }
  if (family.help != help) {
    DieBecause(absl::StrCat("metric ", name, ": help \"", help,
                            "\" differs from \"", family.help, "\""));
  }
  if (family.upper_bounds != upper_bounds) {
    DieBecause(absl::StrCat("histogram ", name,
                            ": registered again with other buckets"));
  }
  return family;
}

Counter* MetricsRegistry::GetCounter(absl::string_view name,
                                     absl::string_view help,
                                     MetricLabels labels) {
  labels = Canonical(name, std::move(labels), /*is_histogram=*/false);
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, help, Type::kCounter, {}).counters[labels];
  if (slot == nullptr) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(absl::string_view name, absl::string_view help,
                                 MetricLabels labels) {
  labels = Canonical(name, std::move(labels), /*is_histogram=*/false);
  absl::MutexLock lock(&mu_);
  auto& slot = FamilyFor(name, help, Type::kGauge, {}).gauges[labels];
  if (slot == nullptr) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(absl::string_view name,
                                         absl::string_view help,
                                         std::vector<double> upper_bounds,
                                         MetricLabels labels) {
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) ||
        (i > 0 && upper_bounds[i - 1] >= upper_bounds[i])) {
      DieBecause(absl::StrCat("histogram ", name, ": bucket bound ", i,
                              " is not finite and increasing"));
    }
  }
  labels = Canonical(name, std::move(labels), /*is_histogram=*/true);
  absl::MutexLock lock(&mu_);
  auto& slot =
      FamilyFor(name, help, Type::kHistogram, upper_bounds).histograms[labels];
  if (slot == nullptr) slot = std::make_unique<Histogram>(upper_bounds);
  return slot.get();
}

std::string MetricsRegistry::Render() const {
  // Indexed by Type.
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, family] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", Escape(family.help, false),
                    "\n# TYPE ", name, " ",
                    kTypeNames[static_cast<int>(family.type)], "\n");
    for (const auto& [labels, counter] : family.counters) {
      absl::StrAppend(&out, name, FormatLabels(labels), " ", counter->Value(),
                      "\n");
    }
    for (const auto& [labels, gauge] : family.gauges) {
      absl::StrAppend(&out, name, FormatLabels(labels), " ",
                      FormatDouble(gauge->Value()), "\n");
    }
    for (const auto& [labels, histogram] : family.histograms) {
      RenderHistogram(name, labels, *histogram, &out);
    }
  }
  return out;
}

}  // namespace kpledger::node
