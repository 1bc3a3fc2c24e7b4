// fake_kpnode: a stand-in for kpnode, for kpctl's tests only (not a node:
// no sequencer, no peers, no TLS, everything under one lock). It serves
// the demo's store (client/demo writes DIR/store, DIR/keys) with the gRPC
// services of DESIGN §6, so kpctl's node commands run against a real
// ledger before kpnode exists. Checkpoints are signed on demand with the
// demo's node keys: node-customs alone (latest), or with node-authority
// (cosigned).
//
//   fake_kpnode --dir DIR --port-file FILE [--tamper-entry N]
//               [--refuse-as-status]
//
// Listens on 127.0.0.1 at a free port and writes it to FILE. With
// --tamper-entry N, StreamEntries flips the last byte of leaf N (a
// signature byte), as a corrupt node would; with --refuse-as-status,
// Submit answers a refusal with a gRPC status instead of a REFUSED receipt.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "kpledger/v1/service.grpc.pb.h"
#include "ledger/apply/applier.h"
#include "ledger/apply/store_state.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/crypto/key_file.h"
#include "ledger/entry/leaf.h"
#include "ledger/entry/time.h"
#include "ledger/envelope/dsse.h"
#include "ledger/provenance/bundle.h"
#include "ledger/report/project.h"
#include "ledger/rules/state.h"
#include "ledger/store/store.h"

namespace kpledger::kpctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

Status ToGrpc(const absl::Status& st) {
  return Status(static_cast<StatusCode>(st.code()), std::string(st.message()));
}

struct Ledger {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<apply::Applier> applier;
  std::vector<crypto::NamedPrivateKey> node_keys;  // customs, authority
  int64_t tamper_entry = -1;
  bool refuse_as_status = false;
  absl::Mutex mu;  // one call at a time: a fake

  absl::StatusOr<v1::LedgerEntry> Entry(uint64_t i) const {
    absl::StatusOr<std::string> leaf = store->GetLeaf(i);
    if (!leaf.ok()) return leaf.status();
    if (static_cast<int64_t>(i) == tamper_entry) leaf->back() ^= 1;
    absl::StatusOr<entry::LeafView> view = entry::DecodeLeaf(*leaf);
    if (!view.ok()) return view.status();
    absl::StatusOr<v1::Envelope> env = envelope::ParseEnvelope(view->envelope);
    if (!env.ok()) return env.status();
    v1::LedgerEntry e;
    e.set_index(i);
    *e.mutable_ledger_time() = entry::ToTimestamp(view->time);
    e.set_event_id(envelope::EventId(env->payload()));
    *e.mutable_envelope() = *env;
    e.set_leaf(*leaf);
    return e;
  }

  absl::StatusOr<v1::Checkpoint> Checkpoint(bool cosigned) const {
    const store::TreeHead head = store->head();
    checkpoint::CheckpointBody body{
        applier->genesis().origin(), head.size, head.root, {}};
    std::vector<checkpoint::NoteSigner> signers;
    for (size_t i = 0; i < (cosigned ? 2u : 1u); ++i) {
      const v1::NamedKey& named = applier->genesis().node_keys(i);
      absl::StatusOr<checkpoint::NoteSigner> s =
          checkpoint::NoteSigner::Create(named.name(), node_keys[i].key);
      if (!s.ok()) return s.status();
      signers.push_back(*std::move(s));
    }
    absl::StatusOr<std::string> note =
        checkpoint::SignCheckpoint(body, signers);
    if (!note.ok()) return note.status();
    v1::Checkpoint cp;
    cp.set_note(*note);
    cp.set_origin(body.origin);
    cp.set_tree_size(head.size);
    cp.set_root_hash(merkle::HashToBytes(head.root));
    for (const auto& s : signers) cp.add_signers(s.name());
    return cp;
  }

  // Every entry whose event satisfies `match`, in log order.
  template <typename Match>
  std::vector<v1::LedgerEntry> Scan(Match match) const {
    std::vector<v1::LedgerEntry> out;
    for (uint64_t i = 1; i < store->size(); ++i) {
      absl::StatusOr<v1::LedgerEntry> e = Entry(i);
      v1::CustodyEvent ev;
      if (e.ok() && ev.ParseFromString(e->envelope().payload()) && match(ev)) {
        out.push_back(*std::move(e));
      }
    }
    return out;
  }
};

class LedgerServiceImpl final : public v1::LedgerService::Service {
 public:
  explicit LedgerServiceImpl(Ledger* l) : l_(l) {}

  Status Submit(ServerContext*, const v1::SubmitRequest* req,
                v1::Receipt* out) override {
    absl::MutexLock lock(&l_->mu);
    apply::OrderedBatch batch;
    batch.position = l_->applier->applied_position() + 1;
    const absl::Time now = absl::Now();
    batch.proposed_time = entry::LedgerTime{absl::ToUnixSeconds(now), 0};
    batch.envelopes.push_back(req->envelope().SerializeAsString());
    absl::StatusOr<apply::BatchResult> r = l_->applier->Apply(std::move(batch));
    if (!r.ok()) return ToGrpc(r.status());
    *out = r->receipts[0];
    if (l_->refuse_as_status && out->outcome() != v1::Receipt::ACCEPTED) {
      return Status(static_cast<StatusCode>(out->code()), out->reason());
    }
    return Status::OK;
  }

  Status GetParcel(ServerContext*, const v1::GetParcelRequest* req,
                   v1::ParcelState* out) override {
    apply::StoreStateSource source(l_->store.get());
    absl::StatusOr<std::optional<v1::ParcelState>> p =
        rules::StateView(&source).Parcel(req->parcel_id());
    if (!p.ok()) return ToGrpc(p.status());
    if (!p->has_value()) {
      return Status(StatusCode::NOT_FOUND,
                    absl::StrCat("no parcel ", req->parcel_id()));
    }
    *out = **p;
    return Status::OK;
  }

  Status ListParcelEvents(ServerContext*,
                          const v1::ListParcelEventsRequest* req,
                          v1::ListParcelEventsResponse* out) override {
    for (v1::LedgerEntry& e : l_->Scan([&](const v1::CustodyEvent& ev) {
           for (const auto& p : ev.parcels()) {
             if (p.parcel_id() == req->parcel_id()) return true;
           }
           return false;
         })) {
      *out->add_entries() = std::move(e);
    }
    if (out->entries().empty()) {
      return Status(StatusCode::NOT_FOUND,
                    absl::StrCat("no parcel ", req->parcel_id()));
    }
    return Status::OK;
  }

  Status ListParcels(ServerContext*, const v1::ListParcelsRequest* req,
                     v1::ListParcelsResponse* out) override {
    absl::Status st = l_->store->ScanState(
        "parcel/", "", [&](absl::string_view, absl::string_view value) {
          v1::ParcelState p;
          if (p.ParseFromArray(value.data(), static_cast<int>(value.size())) &&
              (req->status() == 0 || p.status() == req->status()) &&
              (req->custodian().empty() || p.custodian() == req->custodian())) {
            *out->add_parcels() = p;
          }
          return true;
        });
    return ToGrpc(st);
  }

  Status FindCertificate(ServerContext*, const v1::FindCertificateRequest* req,
                         v1::FindCertificateResponse* out) override {
    const std::string& n = req->certificate_number();
    for (v1::LedgerEntry& e : l_->Scan([&](const v1::CustodyEvent& ev) {
           return (ev.has_import() &&
                   ev.import().certificate().certificate_number() == n) ||
                  (ev.has_export_() &&
                   ev.export_().certificate().certificate_number() == n);
         })) {
      v1::CustodyEvent ev;
      ev.ParseFromString(e.envelope().payload());
      *out->mutable_certificate() = ev.has_import()
                                        ? ev.import().certificate()
                                        : ev.export_().certificate();
      out->set_parcel_id(ev.has_import() ? ev.import().parcel_id()
                                         : ev.export_().parcel_id());
      *out->mutable_entry() = std::move(e);
      return Status::OK;
    }
    return Status(StatusCode::NOT_FOUND, absl::StrCat("no certificate ", n));
  }

  Status GetProvenance(ServerContext*, const v1::GetProvenanceRequest* req,
                       v1::ProvenanceBundle* out) override {
    absl::StatusOr<v1::Checkpoint> cp = l_->Checkpoint(true);
    if (!cp.ok()) return ToGrpc(cp.status());
    absl::StatusOr<v1::ProvenanceBundle> b =
        provenance::BuildBundle(*l_->store, req->parcel_id(), *cp);
    if (!b.ok()) return ToGrpc(b.status());
    *out = *std::move(b);
    return Status::OK;
  }

  Status GetCheckpoint(ServerContext*, const v1::GetCheckpointRequest* req,
                       v1::Checkpoint* out) override {
    absl::StatusOr<v1::Checkpoint> cp = l_->Checkpoint(req->cosigned());
    if (!cp.ok()) return ToGrpc(cp.status());
    *out = *std::move(cp);
    return Status::OK;
  }

  Status StreamEntries(ServerContext*, const v1::StreamEntriesRequest* req,
                       grpc::ServerWriter<v1::LedgerEntry>* writer) override {
    for (uint64_t i = req->from_index(); i < l_->store->size(); ++i) {
      absl::StatusOr<v1::LedgerEntry> e = l_->Entry(i);
      if (!e.ok()) return ToGrpc(e.status());
      if (!writer->Write(*e)) break;
    }
    return Status::OK;  // --follow is not faked: the stream ends
  }

 private:
  Ledger* l_;
};

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  explicit ReportServiceImpl(Ledger* l) : l_(l) {}

  Status GetKpStatistics(ServerContext*, const v1::KpStatisticsRequest* req,
                         v1::KpStatistics* out) override {
    absl::StatusOr<report::ReportBuilder> b = report::ProjectStore(*l_->store);
    if (!b.ok()) return ToGrpc(b.status());
    *out = b->Statistics(entry::FromTimestamp(req->start()),
                         entry::FromTimestamp(req->end()));
    return Status::OK;
  }
  Status GetBalance(ServerContext*, const v1::BalanceRequest* req,
                    v1::Balance* out) override {
    absl::StatusOr<report::ReportBuilder> b = report::ProjectStore(*l_->store);
    if (!b.ok()) return ToGrpc(b.status());
    *out = b->BalanceAt(entry::FromTimestamp(req->as_of()));
    return Status::OK;
  }
  Status ListAnomalies(ServerContext*, const v1::ListAnomaliesRequest* req,
                       v1::ListAnomaliesResponse* out) override {
    absl::StatusOr<report::ReportBuilder> b = report::ProjectStore(*l_->store);
    if (!b.ok()) return ToGrpc(b.status());
    *out = b->Anomalies(entry::FromTimestamp(req->as_of()));
    return Status::OK;
  }

 private:
  Ledger* l_;
};

class NodeServiceImpl final : public v1::NodeService::Service {
 public:
  explicit NodeServiceImpl(Ledger* l) : l_(l) {}

  Status GetStatus(ServerContext*, const v1::GetStatusRequest*,
                   v1::NodeStatus* out) override {
    const store::TreeHead head = l_->store->head();
    out->set_origin(l_->applier->genesis().origin());
    out->set_genesis_hash(l_->applier->genesis_hash());
    out->set_node_name("fake-kpnode");
    out->set_tree_size(head.size);
    out->set_root_hash(merkle::HashToBytes(head.root));
    out->set_sequencer("local");
    out->set_applied_position(absl::StrCat(l_->applier->applied_position()));
    absl::StatusOr<v1::Checkpoint> cp = l_->Checkpoint(true);
    if (cp.ok()) *out->mutable_latest_cosigned() = *std::move(cp);
    return Status::OK;
  }

 private:
  Ledger* l_;
};

absl::Status Open(const std::string& dir, Ledger* l) {
  absl::StatusOr<std::unique_ptr<store::Store>> store =
      store::Store::Open(dir + "/store");
  if (!store.ok()) return store.status();
  l->store = *std::move(store);
  absl::StatusOr<std::unique_ptr<apply::Applier>> applier =
      apply::Applier::Open(l->store.get());
  if (!applier.ok()) return applier.status();
  l->applier = *std::move(applier);
  for (const char* name : {"node-customs", "node-authority"}) {
    absl::StatusOr<crypto::NamedPrivateKey> key =
        crypto::ReadPrivateKeyFile(absl::StrCat(dir, "/keys/", name, ".key"));
    if (!key.ok()) return key.status();
    l->node_keys.push_back(*std::move(key));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace kpledger::kpctl

int main(int argc, char** argv) {
  namespace kp = kpledger::kpctl;
  CLI::App app{"fake_kpnode: serves the demo's store to kpctl's tests"};
  std::string dir, port_file;
  kp::Ledger ledger;
  app.add_option("--dir", dir, "the demo's folder")->required();
  app.add_option("--port-file", port_file, "where to write the port")
      ->required();
  app.add_option("--tamper-entry", ledger.tamper_entry,
                 "flip a byte of this entry's leaf in StreamEntries");
  app.add_flag("--refuse-as-status", ledger.refuse_as_status,
               "answer refusals with a gRPC status, not a receipt");
  CLI11_PARSE(app, argc, argv);
  if (absl::Status st = kp::Open(dir, &ledger); !st.ok()) {
    std::fprintf(stderr, "fake_kpnode: %s\n",
                 std::string(st.message()).c_str());
    return 1;
  }
  kp::LedgerServiceImpl ledger_service(&ledger);
  kp::ReportServiceImpl report_service(&ledger);
  kp::NodeServiceImpl node_service(&ledger);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&ledger_service);
  builder.RegisterService(&report_service);
  builder.RegisterService(&node_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "fake_kpnode: cannot listen\n");
    return 1;
  }
  {
    std::ofstream out(port_file + ".tmp");
    out << port << "\n";
  }
  std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  server->Wait();
  return 0;
}
