// kpbench: a real kpnode under load over loopback gRPC (issue 4, Speed;
// docs/benchmarks.md, "kpbench: the node over gRPC").
//
// In one run:
//  1. The machine's Ed25519 verify rate, on one core and on all cores
//     (tests/bench/verify_rate.h), measured before the node starts: the
//     yardstick the ingest rate is given against.
//  2. Sustained ingest. A kpnode on a fresh scratch ledger (genesis with
//     checkpoint threshold 1); the actors (customs-1, vault-1) registered
//     by governance events over gRPC; then --events single-signature Import
//     events (each a new parcel with its own KP certificate, signed by
//     customs-1), all signed BEFORE the timed part, are submitted by
//     --clients concurrent calls (closed loop: each answer starts the next
//     call) on --channels connections. Reported: accepted events per second
//     of wall time (first call to last receipt), the ratio to the all-core
//     verify rate (target >= 0.60), and p50/p99 submit-to-receipt latency.
//     Every event must be ACCEPTED: a refusal fails the run.
//  3. Half rate. Open loop: calls start on a fixed schedule at half the
//     measured sustained rate for --seconds, whatever the answers do;
//     latency counts from each call's scheduled start (no coordinated
//     omission). With --stream, envelopes go out on the streams instead,
//     each stream writing what is due at most once a millisecond. Target:
//     p99 < 50 ms.
//  4. GetProvenance. A ledger of --provenance-entries entries in which
//     parcel M-1 has 20 ancestor events is built straight into a store
//     (kpbench_provenance_ledger.h), a kpnode is started on it, and
//     GetProvenance(M-1) is timed over --provenance-calls sequential calls
//     (after a few untimed ones; the bundle is verified offline once).
//     Target: p99 < 10 ms.
// For the load phases it also reads the node's /metrics (events per batch,
// apply time per batch) and the CPU time of the node's threads and of the
// bench itself, so a run says where the time went.
//
// The client is one thread on gRPC's async API with a generic stub: the
// requests are serialized before the timed part, and the thread that takes
// an answer starts the next call. On a 2-core machine every cycle the
// client spends is taken from the node; this keeps it small.
//
// Exit code: 0 when every phase ran (targets met or not: speed is
// reported, not asserted), 1 on a refusal or any other error.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "ledger/provenance/verify.h"
#include "ledger/rules/genesis.h"
#include "tests/bench/cpu_time.h"
#include "tests/bench/kpbench_provenance_ledger.h"
#include "tests/bench/stream_submitter.h"
#include "tests/bench/verify_rate.h"
#include "tests/integration/node_process.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/node_metrics.h"

namespace kpledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kSubmitMethod[] = "/kpledger.v1.LedgerService/Submit";
constexpr double kTargetRatio = 0.60;
constexpr double kTargetHalfRateP99Ms = 50;
constexpr double kTargetProvenanceP99Ms = 10;
// Other processes' CPU above which a load phase's figures are flagged.
constexpr double kBusyMachineCores = 0.15;

struct Config {
  std::string kpnode;
  uint64_t events = 100000;
  uint64_t warmup = 5000;
  int clients = 64;
  int channels = 1;
  double seconds = 5;
  uint64_t provenance_entries = 1000000;
  int provenance_calls = 200;
  double verify_seconds = 1;
  std::string dir;
  bool keep = false;
  bool json = false;
  bool skip_ingest = false;
  std::string latency_csv;
  std::vector<std::string> node_args;
  // Sustained ingest over LedgerService.SubmitStream instead of one Submit
  // call per event: `channels` streams, `stream_batch` envelopes a message.
  bool stream = false;
  int stream_batch = 64;
};

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void Progress(const std::string& line) {
  std::fprintf(stderr, "kpbench: %s\n", line.c_str());
  std::fflush(stderr);
}

// ---------------------------------------------------------------- events

grpc::ByteBuffer SubmitBytes(const v1::Envelope& envelope) {
  v1::SubmitRequest request;
  *request.mutable_envelope() = envelope;
  grpc::Slice slice(request.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

// Imports numbered first..first+count-1: parcel P-<n>, certificate
// BW-2026-<n>, signed by customs-1, held by vault-1. Signed on every core,
// one CustodyBuilder per thread (the builders are deterministic, and a new
// parcel's event depends on nothing a builder tracks).
std::vector<grpc::ByteBuffer> SignImports(uint64_t first, uint64_t count) {
  std::vector<grpc::ByteBuffer> out(count);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&out, first, count, t, threads] {
      testing::CustodyBuilder b(testing::DefaultPolicy(), 1);
      for (uint64_t i = t; i < count; i += threads) {
        const uint64_t n = first + i;
        const std::string id = absl::StrCat(n);
        out[i] = SubmitBytes(
            b.Sign(testing::ImportEvent(
                       "P-" + id, "vault-1",
                       testing::IncomingCertificate(
                           "BW-2026-" + id, "BW",
                           10000 + static_cast<int64_t>(n % 977), 1850000)),
                   {"customs-1"}));
      }
    });
  }
  for (std::thread& w : workers) w.join();
  return out;
}

// --------------------------------------------------------------- latency

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Percentiles Summarize(std::vector<double> ms) {
  Percentiles p;
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * ms.size()));
    return ms[std::min(ms.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  p.p50 = at(0.50);
  p.p99 = at(0.99);
  p.max = ms.back();
  double sum = 0;
  for (double v : ms) sum += v;
  p.mean = sum / ms.size();
  return p;
}

// ---------------------------------------------------------------- client

struct Outcome {
  uint64_t accepted = 0;
  uint64_t refused = 0;
  std::map<std::string, uint64_t> refusals;  // "CODE: message" -> count
  std::vector<double> latency_ms;            // one per call
  std::vector<double> start_ms;              // its start, from the first's
  double seconds = 0;                        // first start to last answer
  double max_pacer_lag_ms = 0;               // open loop: worst lateness
};

// Submit calls on a few channels, completed on one CompletionQueue by the
// thread that runs a phase.
class SubmitClient {
 public:
  // `node` is the kpnode process answering: killed if it stalls.
  SubmitClient(const std::string& address, int channels, pid_t node)
      : node_(node) {
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      // A connection of its own per channel, not a shared subchannel.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("kpbench.channel", i);
      // Less work per call on the client, whose CPU is the node's too: no
      // retry filter (it copies every call's metadata) and the minimal
      // filter stack. Deadlines are the watchdog's business (Wait).
      args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
      args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
      stubs_.push_back(
          std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
              address, grpc::InsecureChannelCredentials(), args)));
    }
  }
  ~SubmitClient() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<Call*>(tag);
  }

  // Keeps `in_flight` calls going until requests[0..n) are answered.
  Outcome ClosedLoop(const std::vector<grpc::ByteBuffer>& requests,
                     int in_flight) {
    Outcome out;
    out.latency_ms.resize(requests.size());
    out.start_ms.resize(requests.size());
    phase_start_ = Clock::now();
    size_t next = 0;
    const auto start = Clock::now();
    while (next < requests.size() && next < static_cast<size_t>(in_flight)) {
      Issue(requests[next], next, Clock::now());
      ++next;
    }
    for (size_t done = 0; done < requests.size(); ++done) {
      Call* call = Wait();
      Record(call, &out);
      delete call;
      if (next < requests.size()) {
        Issue(requests[next], next, Clock::now());
        ++next;
      }
    }
    out.seconds = Seconds(Clock::now() - start);
    return out;
  }

  // Starts call i at start + i / rate, answered or not (open loop).
  Outcome OpenLoop(const std::vector<grpc::ByteBuffer>& requests, double rate) {
    Outcome out;
    out.latency_ms.resize(requests.size());
    out.start_ms.resize(requests.size());
    phase_start_ = Clock::now();
    const auto start = Clock::now();
    auto due = [&](size_t i) {
      return start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(i / rate));
    };
    std::atomic<double> lag_ms{0};
    std::thread pacer([&] {
      double worst = 0;
      for (size_t i = 0; i < requests.size();) {
        const auto now = Clock::now();
        if (now < due(i)) {
          std::this_thread::sleep_until(due(i));
          continue;
        }
        worst = std::max(
            worst,
            std::chrono::duration<double, std::milli>(now - due(i)).count());
        for (; i < requests.size() && due(i) <= now; ++i) {
          Issue(requests[i], i, due(i));
        }
      }
      lag_ms = worst;
    });
    for (size_t done = 0; done < requests.size(); ++done) {
      Call* call = Wait();
      Record(call, &out);
      delete call;
    }
    pacer.join();
    out.seconds = Seconds(Clock::now() - start);
    out.max_pacer_lag_ms = lag_ms;
    return out;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer response;
    grpc::Status status;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    size_t slot = 0;
    Clock::time_point start;
  };

  void Issue(const grpc::ByteBuffer& request, size_t slot,
             Clock::time_point start) {
    Call* call = new Call;
    call->slot = slot;
    call->start = start;
    grpc::GenericStub& stub = *stubs_[slot % stubs_.size()];
    call->reader =
        stub.PrepareUnaryCall(&call->context, kSubmitMethod, request, &cq_);
    call->reader->StartCall();
    call->reader->Finish(&call->response, &call->status, call);
  }

  // The next answer. Calls carry no deadline (a timer per call costs
  // client CPU); instead the bench gives up, loudly, when no answer at all
  // came for kStallSeconds.
  Call* Wait() {
    void* tag = nullptr;
    bool ok = false;
    const auto status = cq_.AsyncNext(
        &tag, &ok,
        std::chrono::system_clock::now() + std::chrono::seconds(kStallSeconds));
    if (status != grpc::CompletionQueue::GOT_EVENT) {
      std::fprintf(stderr,
                   "kpbench: FAILED: no Submit answered for %d s: the node "
                   "is stuck or gone\n",
                   kStallSeconds);
      kill(node_, SIGKILL);
      std::_Exit(1);
    }
    return static_cast<Call*>(tag);
  }

  static constexpr int kStallSeconds = 60;

  void Record(Call* call, Outcome* out) const {
    out->start_ms[call->slot] =
        std::chrono::duration<double, std::milli>(call->start - phase_start_)
            .count();
    out->latency_ms[call->slot] =
        std::chrono::duration<double, std::milli>(Clock::now() - call->start)
            .count();
    if (call->status.ok()) {
      v1::Receipt receipt;
      grpc::Slice slice;
      if (call->response.TrySingleSlice(&slice).ok()) {
        receipt.ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
      } else {
        std::vector<grpc::Slice> slices;
        std::string bytes;
        if (call->response.Dump(&slices).ok()) {
          for (const grpc::Slice& s : slices) {
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
          }
        }
        receipt.ParseFromString(bytes);
      }
      if (receipt.outcome() == v1::Receipt::ACCEPTED) {
        ++out->accepted;
        return;
      }
      ++out->refused;
      ++out->refusals[absl::StrCat("OK status, receipt ",
                                   v1::Receipt::Outcome_Name(receipt.outcome()),
                                   ": ", receipt.reason())];
      return;
    }
    ++out->refused;
    ++out->refusals[absl::StrCat("status ",
                                 static_cast<int>(call->status.error_code()),
                                 ": ", call->status.error_message())];
  }

  const pid_t node_;
  Clock::time_point phase_start_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  grpc::CompletionQueue cq_;
};

absl::Status CheckAllAccepted(const std::string& phase, const Outcome& out) {
  if (out.refused == 0) return absl::OkStatus();
  std::string why;
  for (const auto& [reason, n] : out.refusals) {
    absl::StrAppend(&why, "\n  ", n, " x ", reason);
  }
  return absl::InternalError(absl::StrCat(phase, ": ", out.refused,
                                          " events were not accepted (",
                                          out.accepted, " were):", why));
}

// --------------------------------------------------------------- metrics

using testing::Delta;
using testing::HistogramBetween;
using testing::HistogramDelta;
using testing::MetricsScrape;
using testing::ScrapeMetrics;

// ------------------------------------------------------------------- CPU

struct CpuSample {
  Clock::time_point at = Clock::now();
  double machine = MachineBusySeconds();
  double process = 0;  // all threads, also exited ones
  std::string name;    // the process's name: its unnamed threads have it
  std::map<int, std::pair<std::string, double>> threads;  // tid -> name, s
};

CpuSample SampleCpu(pid_t pid) {
  CpuSample s;
  std::string comm;
  uint64_t ticks = 0;
  const std::string base = absl::StrCat("/proc/", pid);
  if (ReadStat(base + "/stat", &comm, &ticks)) {
    s.process = TicksToSeconds(ticks);
    s.name = comm;
  }
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(base + "/task", ec)) {
    int tid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &tid)) continue;
    if (ReadStat(entry.path().string() + "/stat", &comm, &ticks)) {
      s.threads[tid] = {comm, TicksToSeconds(ticks)};
    }
  }
  return s;
}

// Where the CPU went during a phase: cores used by the node (total and its
// busiest threads by name, "short-lived" for threads that came and went,
// i.e. the applier's signature-check helpers) and by the bench.
struct CpuSplit {
  double node_cores = 0;
  double bench_cores = 0;
  double other_cores = 0;  // every other process: the machine was not idle
  std::vector<std::pair<std::string, double>> node_threads;  // name, cores
};

CpuSplit SplitCpu(const CpuSample& before, const CpuSample& after,
                  double bench_seconds) {
  CpuSplit split;
  const double wall = Seconds(after.at - before.at);
  split.node_cores = (after.process - before.process) / wall;
  split.bench_cores = bench_seconds / wall;
  split.other_cores = std::max(0.0, (after.machine - before.machine) / wall -
                                        split.node_cores - split.bench_cores);
  std::map<std::string, double> by_name;
  double live = 0;
  for (const auto& [tid, t] : after.threads) {
    auto it = before.threads.find(tid);
    const double used =
        t.second - (it == before.threads.end() ? 0 : it->second.second);
    if (used <= 0) continue;
    // One line per unnamed busy thread (named as the process); named
    // ones (gRPC's pollers, RocksDB's) grouped by name.
    const std::string key =
        t.first == after.name ? absl::StrCat(t.first, "/", tid) : t.first;
    by_name[key] += used;
    live += used;
  }
  const double gone = (after.process - before.process) - live;
  if (gone > 0) by_name["short-lived"] += gone;
  for (const auto& [name, s] : by_name) {
    split.node_threads.emplace_back(name, s / wall);
  }
  std::sort(split.node_threads.begin(), split.node_threads.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  return split;
}

// ---------------------------------------------------------------- report

struct LoadFigures {
  double events_per_s = 0;
  uint64_t events = 0;
  Percentiles latency;
  HistogramDelta batch_events, apply_seconds, submit_seconds;
  CpuSplit cpu;
  double offered_per_s = 0;  // half rate only
  double pacer_lag_ms = 0;
};

struct ProvenanceFigures {
  bool ran = false;
  uint64_t entries = 0;
  double build_seconds = 0;
  int calls = 0;
  int bundle_entries = 0;
  size_t bundle_bytes = 0;
  int ancestry = 0;       // events of the parcel's DAG
  int registrations = 0;  // the registrations its signers rely on
  Percentiles latency;
};

std::string Verdict(bool pass) { return pass ? "PASS" : "MISS"; }

std::string CpuLine(const CpuSplit& cpu, double events_per_s) {
  std::string line =
      absl::StrFormat("cpu: node %.2f cores (%.0f us per event)",
                      cpu.node_cores, 1e6 * cpu.node_cores / events_per_s);
  std::string threads;
  for (size_t i = 0; i < cpu.node_threads.size() && i < 6; ++i) {
    absl::StrAppend(&threads, i == 0 ? "" : ", ",
                    absl::StrFormat("%s %.2f", cpu.node_threads[i].first,
                                    cpu.node_threads[i].second));
  }
  absl::StrAppend(
      &line, " [", threads, "]",
      absl::StrFormat("; kpbench %.2f cores (%.0f us per event); "
                      "other processes %.2f cores",
                      cpu.bench_cores, 1e6 * cpu.bench_cores / events_per_s,
                      cpu.other_cores));
  return line;
}

std::string BatchLine(const LoadFigures& f) {
  return absl::StrFormat(
      "batches: %.0f, mean %.0f events (median bucket <= %.0f, p90 <= %.0f); "
      "apply mean %.2f ms per batch (p99 bucket <= %.0f ms); node-side "
      "submit-to-receipt mean %.2f ms (p99 bucket <= %.0f ms)",
      f.batch_events.count, f.batch_events.mean(), f.batch_events.median_bucket,
      f.batch_events.p90_bucket, 1000 * f.apply_seconds.mean(),
      1000 * f.apply_seconds.p99_bucket, 1000 * f.submit_seconds.mean(),
      1000 * f.submit_seconds.p99_bucket);
}

std::string JsonLoad(const LoadFigures& f) {
  std::string threads;
  for (size_t i = 0; i < f.cpu.node_threads.size(); ++i) {
    absl::StrAppend(&threads, i == 0 ? "" : ", ",
                    absl::StrFormat("\"%s\": %.3f", f.cpu.node_threads[i].first,
                                    f.cpu.node_threads[i].second));
  }
  return absl::StrFormat(
      "{\"events\": %d, \"events_per_s\": %.1f, \"offered_per_s\": %.1f, "
      "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, "
      "\"mean_ms\": %.3f, \"batches\": %.0f, \"mean_batch_events\": %.1f, "
      "\"mean_apply_ms\": %.3f, \"node_cores\": %.3f, \"bench_cores\": %.3f, "
      "\"other_cores\": %.3f, \"node_threads\": {%s}}",
      f.events, f.events_per_s, f.offered_per_s, f.latency.p50, f.latency.p99,
      f.latency.max, f.latency.mean, f.batch_events.count,
      f.batch_events.mean(), 1000 * f.apply_seconds.mean(), f.cpu.node_cores,
      f.cpu.bench_cores, f.cpu.other_cores, threads);
}

// ------------------------------------------------------- stream ingest

// Runs submit(s, stub, mine) on one thread per stream s, each stream on its
// own connection; `mine` lists the envelopes stream s carries (every
// streams-th, from s).
void OnEachStream(
    const std::string& address, size_t envelopes, int streams,
    const std::function<void(int, v1::LedgerService::Stub*,
                             const std::vector<size_t>&)>& submit) {
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&, s] {
      std::unique_ptr<v1::LedgerService::Stub> stub = OwnConnection(address, s);
      std::vector<size_t> mine;
      for (size_t i = s; i < envelopes; i += streams) mine.push_back(i);
      submit(s, stub.get(), mine);
    });
  }
  for (std::thread& t : threads) t.join();
}

// Adds one stream's answers to `out`: answer k is envelope mine[k].
void Tally(const StreamAnswers& answers, const std::vector<size_t>& mine,
           Outcome* out, std::mutex* out_mu) {
  std::lock_guard<std::mutex> lock(*out_mu);
  for (size_t k = 0; k < mine.size(); ++k) {
    const v1::Receipt& r = answers.receipts[k];
    if (r.outcome() == v1::Receipt::OUTCOME_UNSPECIFIED) continue;
    out->latency_ms[mine[k]] = std::chrono::duration<double, std::milli>(
                                   answers.answered[k] - answers.sent[k])
                                   .count();
    if (r.outcome() == v1::Receipt::ACCEPTED) {
      ++out->accepted;
    } else {
      ++out->refused;
      ++out->refusals[absl::StrCat("receipt ", r.code(), ": ", r.reason())];
    }
  }
  if (!answers.status.ok()) {
    ++out->refusals[absl::StrCat("stream ", answers.status.error_code(), ": ",
                                 answers.status.error_message())];
  }
}

// Sustained ingest over SubmitStream: one stream per channel, each keeping
// at most in_flight / streams envelopes unanswered and sending up to
// `per_message` envelopes in one message; latency is per envelope, from the
// write of its message to its answer.
Outcome StreamClosedLoop(const std::string& address,
                         const std::vector<v1::Envelope>& envelopes,
                         int in_flight, int streams, int per_message) {
  Outcome out;
  out.latency_ms.resize(envelopes.size());
  out.start_ms.resize(envelopes.size());
  std::mutex out_mu;
  const auto phase_start = Clock::now();
  OnEachStream(
      address, envelopes.size(), streams,
      [&](int, v1::LedgerService::Stub* stub, const std::vector<size_t>& mine) {
        std::vector<const v1::Envelope*> sending;
        for (size_t i : mine) sending.push_back(&envelopes[i]);
        const StreamAnswers answers = SubmitWindowed(
            *stub, sending, std::max(1, in_flight / streams), per_message);
        for (size_t k = 0; k < mine.size(); ++k) {
          out.start_ms[mine[k]] = std::chrono::duration<double, std::milli>(
                                      answers.sent[k] - phase_start)
                                      .count();
        }
        Tally(answers, mine, &out, &out_mu);
      });
  out.seconds = Seconds(Clock::now() - phase_start);
  return out;
}

// Open loop over SubmitStream at `rate` envelopes/s in all: envelope i is
// due at i / rate and goes, on stream i % streams, in the first message
// written at or after that time, with whatever else is due then; a stream
// writes at most one message a millisecond, as a bulk submitter would (one
// thread serves every stream: SubmitPaced). An envelope's latency counts
// from when it was due.
Outcome StreamOpenLoop(const std::string& address,
                       const std::vector<v1::Envelope>& envelopes, double rate,
                       int streams) {
  Outcome out;
  out.latency_ms.resize(envelopes.size());
  out.start_ms.resize(envelopes.size());
  std::vector<std::unique_ptr<v1::LedgerService::Stub>> stubs;
  std::vector<v1::LedgerService::Stub*> paced;
  std::vector<std::vector<size_t>> mine(streams);
  std::vector<std::vector<const v1::Envelope*>> sending(streams);
  for (int s = 0; s < streams; ++s) {
    stubs.push_back(OwnConnection(address, s));
    paced.push_back(stubs.back().get());
    for (size_t i = s; i < envelopes.size(); i += streams) {
      mine[s].push_back(i);
      sending[s].push_back(&envelopes[i]);
    }
  }
  // The schedule starts once every stream is open: a bulk submitter keeps
  // its connection, and the time to set one up (a new channel's TCP and
  // HTTP/2 handshakes, 20-30 ms here) is not the node's latency.
  Clock::time_point phase_start;
  const std::vector<StreamAnswers> answers = SubmitPaced(
      paced, sending, [&] { phase_start = Clock::now(); },
      [&](size_t s, size_t k) {
        return phase_start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(
                                     static_cast<double>(mine[s][k]) / rate));
      },
      &out.max_pacer_lag_ms);
  out.seconds = Seconds(Clock::now() - phase_start);
  std::mutex out_mu;
  for (int s = 0; s < streams; ++s) {
    for (size_t k = 0; k < mine[s].size(); ++k) {
      out.start_ms[mine[s][k]] = std::chrono::duration<double, std::milli>(
                                     answers[s].sent[k] - phase_start)
                                     .count();
    }
    Tally(answers[s], mine[s], &out, &out_mu);
  }
  return out;
}

std::vector<v1::Envelope> Envelopes(const std::vector<grpc::ByteBuffer>& in) {
  std::vector<v1::Envelope> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (in[i].Dump(&slices).ok()) {
      for (const grpc::Slice& sl : slices) {
        bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
      }
    }
    v1::SubmitRequest req;
    req.ParseFromString(bytes);
    out[i] = req.envelope();
  }
  return out;
}

// --------------------------------------------------------------- phases

// Runs one load phase against the node, with its metrics and CPU.
template <typename RunFn>
absl::StatusOr<LoadFigures> Measure(const testing::NodeProcess& node,
                                    const std::string& phase,
                                    const std::string& csv, RunFn run) {
  absl::StatusOr<MetricsScrape> before = ScrapeMetrics(node.http_address());
  if (!before.ok()) return before.status();
  const CpuSample cpu_before = SampleCpu(node.pid());
  const double self_before = ProcessCpuSeconds();
  const Outcome out = run();
  if (!csv.empty()) {
    std::ofstream file(csv, std::ios::app);
    for (size_t i = 0; i < out.latency_ms.size(); ++i) {
      file << phase << "," << out.start_ms[i] << "," << out.latency_ms[i]
           << "\n";
    }
  }
  const double self_used = ProcessCpuSeconds() - self_before;
  const CpuSample cpu_after = SampleCpu(node.pid());
  absl::StatusOr<MetricsScrape> after = ScrapeMetrics(node.http_address());
  if (!after.ok()) return after.status();
  if (absl::Status s = CheckAllAccepted(phase, out); !s.ok()) return s;
  const double accepted_by_node =
      Delta(*before, *after, "kpledger_events_accepted_total");
  if (accepted_by_node != static_cast<double>(out.accepted)) {
    return absl::InternalError(absl::StrCat(
        phase, ": ", out.accepted, " receipts, but the node counted ",
        accepted_by_node, " accepted events"));
  }
  LoadFigures f;
  f.events = out.accepted;
  f.events_per_s = out.accepted / out.seconds;
  f.latency = Summarize(out.latency_ms);
  f.batch_events = HistogramBetween(*before, *after, "kpledger_batch_events");
  f.apply_seconds = HistogramBetween(*before, *after, "kpledger_apply_seconds");
  f.submit_seconds =
      HistogramBetween(*before, *after, "kpledger_submit_seconds");
  f.cpu = SplitCpu(cpu_before, cpu_after, self_used);
  f.pacer_lag_ms = out.max_pacer_lag_ms;
  return f;
}

absl::StatusOr<std::pair<LoadFigures, LoadFigures>> IngestPhases(
    const Config& config) {
  const std::string dir = config.dir + "/ingest";
  testing::CustodyBuilder b(testing::DefaultPolicy(), 1);
  testing::WriteLedgerFiles(b, dir);

  Progress(absl::StrCat("signing ", config.warmup + config.events,
                        " import events"));
  auto sign_start = Clock::now();
  std::vector<grpc::ByteBuffer> registrations = {
      SubmitBytes(b.Register("customs-1", v1::CUSTOMS)),
      SubmitBytes(b.Register("vault-1", v1::VAULT))};
  std::vector<grpc::ByteBuffer> warmup = SignImports(0, config.warmup);
  std::vector<grpc::ByteBuffer> timed =
      SignImports(config.warmup, config.events);
  Progress(
      absl::StrFormat("signed in %.1f s", Seconds(Clock::now() - sign_start)));

  absl::StatusOr<std::unique_ptr<testing::NodeProcess>> node =
      testing::NodeProcess::Start(dir, config.node_args);
  if (!node.ok()) return node.status();
  Progress(absl::StrCat("kpnode ", (*node)->pid(), " serving on ",
                        (*node)->grpc_address(), " (log: ", dir,
                        "/kpnode.log)"));
  SubmitClient client((*node)->grpc_address(), config.channels, (*node)->pid());

  // The actors, one at a time (the import needs them registered).
  for (const grpc::ByteBuffer& r : registrations) {
    const Outcome out = client.ClosedLoop({r}, 1);
    if (absl::Status s = CheckAllAccepted("registration", out); !s.ok()) {
      return s;
    }
  }
  if (!warmup.empty()) {
    const Outcome out = client.ClosedLoop(warmup, config.clients);
    if (absl::Status s = CheckAllAccepted("warm-up", out); !s.ok()) return s;
    Progress(absl::StrFormat("warm-up: %d events at %.0f/s", out.accepted,
                             out.accepted / out.seconds));
  }

  Progress(absl::StrCat("sustained ingest: ", config.events, " events, ",
                        config.clients, " in flight on ", config.channels,
                        config.channels == 1 ? " channel" : " channels"));
  std::vector<v1::Envelope> timed_envelopes;
  if (config.stream) timed_envelopes = Envelopes(timed);
  absl::StatusOr<LoadFigures> full =
      Measure(**node, "ingest", config.latency_csv, [&] {
        if (config.stream) {
          return StreamClosedLoop((*node)->grpc_address(), timed_envelopes,
                                  config.clients, config.channels,
                                  config.stream_batch);
        }
        return client.ClosedLoop(timed, config.clients);
      });
  if (!full.ok()) return full.status();
  timed.clear();

  const double rate = full->events_per_s / 2;
  const uint64_t half_events =
      std::max<uint64_t>(1, static_cast<uint64_t>(rate * config.seconds));
  Progress(
      absl::StrFormat("half rate: signing %d events for %.0f/s over %.1f s",
                      half_events, rate, config.seconds));
  std::vector<grpc::ByteBuffer> paced =
      SignImports(config.warmup + config.events, half_events);
  // The same way in as the ingest phase: a bulk submitter paced on its
  // streams, or unary calls.
  std::vector<v1::Envelope> paced_envelopes;
  if (config.stream) paced_envelopes = Envelopes(paced);
  absl::StatusOr<LoadFigures> half =
      Measure(**node, "half rate", config.latency_csv, [&] {
        if (config.stream) {
          return StreamOpenLoop((*node)->grpc_address(), paced_envelopes, rate,
                                config.channels);
        }
        return client.OpenLoop(paced, rate);
      });
  if (!half.ok()) return half.status();
  half->offered_per_s = rate;

  const int code = (*node)->Stop();
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("kpnode exited with code ", code, ": ", (*node)->Log()));
  }
  return std::make_pair(*full, *half);
}

absl::StatusOr<ProvenanceFigures> ProvenancePhase(const Config& config) {
  ProvenanceFigures f;
  const std::string dir = config.dir + "/provenance";
  testing::CustodyBuilder b(testing::DefaultPolicy(), 1);
  testing::WriteLedgerFiles(b, dir);
  Progress(absl::StrCat("building a ledger of ", config.provenance_entries,
                        " entries for GetProvenance"));
  absl::StatusOr<ProvenanceLedger> built =
      BuildProvenanceLedger(b, dir + "/data", config.provenance_entries);
  if (!built.ok()) return built.status();
  f.entries = built->entries;
  f.build_seconds = built->build_seconds;
  Progress(absl::StrFormat("built %d entries in %.1f s", f.entries,
                           f.build_seconds));

  absl::StatusOr<std::unique_ptr<testing::NodeProcess>> node =
      testing::NodeProcess::Start(dir, config.node_args);
  if (!node.ok()) return node.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::unique_ptr<v1::LedgerService::Stub> stub =
      v1::LedgerService::NewStub(grpc::CreateCustomChannel(
          (*node)->grpc_address(), grpc::InsecureChannelCredentials(), args));
  v1::GetProvenanceRequest request;
  request.set_parcel_id(kProvenanceParcel);
  auto call = [&](v1::ProvenanceBundle* bundle) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return stub->GetProvenance(&context, request, bundle);
  };

  // Untimed: the first calls sign the checkpoint and warm the caches; the
  // bundle is checked offline once, as an inspector would.
  v1::ProvenanceBundle bundle;
  for (int i = 0; i < 5; ++i) {
    if (grpc::Status s = call(&bundle); !s.ok()) {
      return absl::InternalError(absl::StrCat(
          "GetProvenance(", kProvenanceParcel, "): ", s.error_message()));
    }
  }
  absl::StatusOr<rules::VerifiedGenesis> trust =
      rules::VerifyGenesisEnvelope(b.genesis_envelope());
  if (!trust.ok()) return trust.status();
  absl::StatusOr<v1::ProvenanceAccount> account =
      provenance::VerifyBundle(bundle, *trust);
  if (!account.ok()) {
    return absl::InternalError(absl::StrCat(
        "the node's bundle does not verify: ", account.status().ToString()));
  }
  f.bundle_entries = bundle.entries_size();
  f.bundle_bytes = bundle.ByteSizeLong();
  for (const v1::AccountEvent& e : account->events()) {
    if (e.event_type() == "register_actor") {
      ++f.registrations;
    } else {
      ++f.ancestry;
    }
  }
  if (f.ancestry != kProvenanceAncestry) {
    return absl::InternalError(
        absl::StrCat("the bundle of ", kProvenanceParcel, " holds ", f.ancestry,
                     " events of its ancestry, not ", kProvenanceAncestry));
  }

  std::vector<double> ms;
  for (int i = 0; i < config.provenance_calls; ++i) {
    const auto t0 = Clock::now();
    grpc::Status s = call(&bundle);
    ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!s.ok()) {
      return absl::InternalError(
          absl::StrCat("GetProvenance: ", s.error_message()));
    }
  }
  f.calls = config.provenance_calls;
  f.latency = Summarize(ms);
  f.ran = true;
  const int code = (*node)->Stop();
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("kpnode exited with code ", code, ": ", (*node)->Log()));
  }
  return f;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "kpbench: FAILED: %s\n", status.ToString().c_str());
  return 1;
}

int Run(const Config& config) {
  testing::g_kpnode_path = config.kpnode;
  const int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::error_code ec;
  std::filesystem::remove_all(config.dir, ec);
  std::filesystem::create_directories(config.dir, ec);
  if (ec) return Fail(absl::UnavailableError("cannot create " + config.dir));

  if (!config.latency_csv.empty()) {
    std::ofstream csv(config.latency_csv, std::ios::trunc);
    csv << "phase,start_ms,latency_ms\n";
    if (!csv.good()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("cannot write --latency-csv ", config.latency_csv)));
    }
  }
  Progress("measuring the Ed25519 verify rate");
  const double verify_1 = VerifyRate(1, config.verify_seconds);
  const double verify_before = VerifyRate(cores, config.verify_seconds);
  double verify_after = verify_before;

  const bool ingest = !config.skip_ingest;
  LoadFigures full, half;
  if (ingest) {
    absl::StatusOr<std::pair<LoadFigures, LoadFigures>> load =
        IngestPhases(config);
    if (!load.ok()) return Fail(load.status());
    full = load->first;
    half = load->second;
    // Once more with the node stopped: shared machines drift within a run.
    verify_after = VerifyRate(cores, config.verify_seconds);
  }
  const double verify_all = (verify_before + verify_after) / 2;
  ProvenanceFigures prov;
  if (config.provenance_entries > 0) {
    absl::StatusOr<ProvenanceFigures> p = ProvenancePhase(config);
    if (!p.ok()) return Fail(p.status());
    prov = *p;
  }
  if (!config.keep) std::filesystem::remove_all(config.dir, ec);

  const double ratio = full.events_per_s / verify_all;
  const bool ingest_pass = ratio >= kTargetRatio;
  const bool half_pass = half.latency.p99 < kTargetHalfRateP99Ms;
  const bool prov_pass = prov.latency.p99 < kTargetProvenanceP99Ms;

  if (config.json) {
    absl::PrintF(
        "{\"cores\": %d, \"verify_1core_per_s\": %.1f, "
        "\"verify_per_s\": %.1f, \"verify_before_per_s\": %.1f, "
        "\"verify_after_per_s\": %.1f, \"clients\": %d, \"channels\": %d",
        cores, verify_1, verify_all, verify_before, verify_after,
        config.clients, config.channels);
    if (ingest) {
      absl::PrintF(
          ",\n \"ingest\": %s,\n \"ratio\": %.4f, \"ingest_pass\": %s,"
          "\n \"half_rate\": %s,\n \"half_rate_pass\": %s",
          JsonLoad(full), ratio, ingest_pass ? "true" : "false", JsonLoad(half),
          half_pass ? "true" : "false");
    }
    if (prov.ran) {
      absl::PrintF(
          ",\n \"provenance\": {\"entries\": %d, \"ancestry_events\": %d, "
          "\"bundle_entries\": %d, \"bundle_bytes\": %d, \"calls\": %d, "
          "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, "
          "\"build_seconds\": %.1f, \"pass\": %s}",
          prov.entries, prov.ancestry, prov.bundle_entries, prov.bundle_bytes,
          prov.calls, prov.latency.p50, prov.latency.p99, prov.latency.max,
          prov.build_seconds, prov_pass ? "true" : "false");
    }
    absl::PrintF("}\n");
    return 0;
  }

  absl::PrintF(
      "kpbench: kpnode over loopback gRPC, %d cores, %d clients in flight on "
      "%d channel%s\n",
      cores, config.clients, config.channels, config.channels == 1 ? "" : "s");
  absl::PrintF(
      "ed25519 verify: %.0f/s on %d cores (%.0f/s before the load phases, "
      "%.0f/s after; %.0f/s on 1 core)\n",
      verify_all, cores, verify_before, verify_after, verify_1);
  for (const auto& [phase, f] :
       {std::pair<const char*, const LoadFigures*>{"ingest", &full},
        {"half rate", &half}}) {
    if (ingest && f->cpu.other_cores > kBusyMachineCores) {
      absl::PrintF(
          "warning: other processes used %.2f cores during %s: the machine "
          "was not idle and the figures are low; run again on an idle "
          "machine\n",
          f->cpu.other_cores, phase);
    }
  }
  if (ingest) {
    absl::PrintF(
        "ingest: %.0f events/s (%.2f of the %d-core verify rate %.0f/s), "
        "p50 %.1f ms, p99 %.1f ms: %s (target >= %.2f)\n",
        full.events_per_s, ratio, cores, verify_all, full.latency.p50,
        full.latency.p99, Verdict(ingest_pass), kTargetRatio);
    absl::PrintF("  %d events; %s\n", full.events, BatchLine(full));
    absl::PrintF("  %s\n", CpuLine(full.cpu, full.events_per_s));
    absl::PrintF(
        "half rate: %.0f events/s offered (open loop), %.0f/s answered, "
        "p50 %.1f ms, p99 %.1f ms, max %.1f ms: %s (target p99 < %.0f ms)\n",
        half.offered_per_s, half.events_per_s, half.latency.p50,
        half.latency.p99, half.latency.max, Verdict(half_pass),
        kTargetHalfRateP99Ms);
    absl::PrintF("  %d events, pacer at most %.1f ms late; %s\n", half.events,
                 half.pacer_lag_ms, BatchLine(half));
    absl::PrintF("  %s\n", CpuLine(half.cpu, half.events_per_s));
  } else {
    absl::PrintF("ingest: skipped (--skip-ingest)\n");
  }
  if (prov.ran) {
    absl::PrintF(
        "provenance: GetProvenance(%s) in a %d-entry log, p50 %.2f ms, "
        "p99 %.2f ms, max %.2f ms over %d calls: %s (target p99 < %.0f ms)\n",
        kProvenanceParcel, prov.entries, prov.latency.p50, prov.latency.p99,
        prov.latency.max, prov.calls, Verdict(prov_pass),
        kTargetProvenanceP99Ms);
    absl::PrintF(
        "  bundle: %d entries (%d ancestor events, %d registrations), %d "
        "bytes, verified offline; log built in %.1f s\n",
        prov.bundle_entries, prov.ancestry, prov.registrations,
        prov.bundle_bytes, prov.build_seconds);
  } else {
    absl::PrintF("provenance: skipped (--provenance-entries 0)\n");
  }
  return 0;
}

}  // namespace
}  // namespace kpledger::bench

int main(int argc, char** argv) {
  CLI::App app{
      "kpbench: a real kpnode under load over loopback gRPC: sustained "
      "ingest (as a ratio to the machine's Ed25519 verify rate), latency at "
      "half that rate, GetProvenance in a large log"};
  kpledger::bench::Config config;
  const char* tmp = std::getenv("TEST_TMPDIR");
  config.dir = absl::StrCat(tmp ? tmp : "/tmp", "/kpbench-", getpid());
  app.add_option("--kpnode", config.kpnode,
                 "the kpnode binary (bazel run passes it; the last one given "
                 "wins)")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->check(CLI::ExistingFile);
  app.add_option("--events", config.events,
                 "events of the timed sustained-ingest phase")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{50000000}));
  app.add_option("--warmup", config.warmup,
                 "events submitted before it, untimed")
      ->capture_default_str();
  app.add_option("--clients", config.clients,
                 "Submit calls in flight during sustained ingest")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--channels", config.channels,
                 "gRPC channels (connections) the calls are spread over")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag("--stream", config.stream,
               "sustained ingest over SubmitStream (one stream per channel) "
               "instead of one Submit call per event");
  app.add_option("--stream-batch", config.stream_batch,
                 "with --stream: envelopes per stream message")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--seconds", config.seconds, "length of the half-rate phase")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--provenance-entries", config.provenance_entries,
                 "entries of the GetProvenance phase's log; 0: skip it")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{100000000}));
  app.add_option("--provenance-calls", config.provenance_calls,
                 "timed GetProvenance calls")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--verify-seconds", config.verify_seconds,
                 "length of each verify-rate measurement")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 60.0));
  app.add_option("--dir", config.dir, "scratch directory (wiped first)")
      ->capture_default_str();
  app.add_flag("--keep", config.keep,
               "keep the scratch directory (ledgers, kpnode logs)");
  app.add_flag("--json", config.json, "print the figures as JSON");
  app.add_flag("--skip-ingest", config.skip_ingest,
               "run only the GetProvenance phase");
  app.add_option("--latency-csv", config.latency_csv,
                 "write every Submit's start and latency to this CSV file "
                 "(phase,start_ms,latency_ms)");
  app.add_option(
         "--node-arg", config.node_args,
         "an extra kpnode argument (repeat: --node-arg=--batch-delay-ms "
         "--node-arg=5)")
      ->allow_extra_args(false);
  CLI11_PARSE(app, argc, argv);
  // Debian builds Abseil without NDEBUG, so absl::Mutex (gRPC's mutex too)
  // runs its deadlock detector on every lock: a few percent of the
  // client's CPU, taken from the node on a 2-core machine. The bench's
  // locking is gRPC's and trivial; switch it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return kpledger::bench::Run(config);
}
