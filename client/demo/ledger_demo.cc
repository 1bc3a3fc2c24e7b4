// kpledger ledger-core demo: what the README's main command runs until the
// node exists. It does, for real and on disk: key files, a genesis, actors
// registered by governance, signed custody events decided by the custody
// rules and written by the applier to the RocksDB store (refusals shown
// with their reasons), a checkpoint cosigned by two of three node keys,
// inclusion and consistency proofs checked against it, a provenance bundle
// verified offline, the KP reports, and an audit of the whole store.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "client/demo/demo_events.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/apply/applier.h"
#include "ledger/apply/checkpoint_body.h"
#include "ledger/audit/audit.h"
#include "ledger/base/proto_json.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/crypto/key_file.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/verify.h"
#include "ledger/provenance/account_text.h"
#include "ledger/provenance/bundle.h"
#include "ledger/provenance/verify.h"
#include "ledger/report/format.h"
#include "ledger/report/project.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"

namespace kpledger::demo {
namespace {

namespace fs = std::filesystem;

// Fails the demo with the status, naming the step.
#define DEMO_CHECK_OK(expr, what)                         \
  do {                                                    \
    const absl::Status demo_st_ = (expr);                 \
    if (!demo_st_.ok()) {                                 \
      std::fprintf(stderr, "demo failed: %s: %s\n", what, \
                   demo_st_.ToString().c_str());          \
      std::exit(1);                                       \
    }                                                     \
  } while (0)

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  DEMO_CHECK_OK(v.status(), what);
  return std::move(*v);
}

void Step(const char* title) { std::printf("\n==> %s\n", title); }

// 2026-09-01T00:00:00Z plus `day` days, as a batch's ledger time.
entry::LedgerTime LedgerDay(int day) {
  return entry::LedgerTime{1788220800 + int64_t{86400} * day, 0};
}

class Demo {
 public:
  explicit Demo(std::string dir) : dir_(std::move(dir)) {}

  void Run() {
    MakeKeys();
    WriteGenesis();
    RegisterActors();
    SubmitCustodyChain();
    std::string cp1 = PublishCheckpoint();
    ProveInclusion(cp1);
    AppendBackgroundImports(2000);
    std::string cp2 = PublishCheckpoint();
    ProveConsistency(cp1, cp2);
    ShowRefusals(cp1, cp2);
    ProveProvenance(cp2);
    ShowReports();
    AuditAndReopen();
  }

 private:
  void MakeKeys() {
    Step("Create Ed25519 key files (private keys mode 0600)");
    fs::create_directories(dir_ + "/keys");
    for (const char* name :
         {"governance", "customs-baku", "lab-baku", "vault-baku", "kpa-baku",
          "node-customs", "node-authority", "node-lab"}) {
      const std::string path = absl::StrCat(dir_, "/keys/", name, ".key");
      if (!fs::exists(path)) {
        DEMO_CHECK_OK(crypto::WritePrivateKeyFile(
                          path, name, crypto::PrivateKey::Generate()),
                      "write key file");
      }
      crypto::NamedPrivateKey key =
          OrDie(crypto::ReadPrivateKeyFile(path), "read key file");
      std::printf("  %-15s keyid %s…  %s\n", name,
                  key.key.key_id().substr(0, 16).c_str(), path.c_str());
      keys_.emplace(name, std::move(key.key));
    }
  }

  const crypto::PrivateKey& Key(const std::string& name) {
    return keys_.at(name);
  }

  // A callable for envelope::VerifyEnvelope's KeyResolver (which, being a
  // FunctionRef, must not outlive the call it is made for).
  auto Resolver() {
    return [this](absl::string_view keyid) -> const crypto::PublicKey* {
      for (const auto& [name, key] : keys_) {
        if (key.key_id() == keyid) return &key.public_key();
      }
      return nullptr;
    };
  }

  void WriteGenesis() {
    Step("Write the genesis as entry 0 (signed by governance)");
    store_ = OrDie(store::Store::Open(dir_ + "/store"), "open store");
    if (store_->size() > 0) {
      std::printf("  store already holds %llu entries; starting over\n",
                  static_cast<unsigned long long>(store_->size()));
      store_.reset();
      fs::remove_all(dir_ + "/store");
      store_ = OrDie(store::Store::Open(dir_ + "/store"), "open store");
    }
    v1::Genesis g;
    g.set_origin(kOrigin);
    g.set_country_code("AZ");
    auto* gk = g.add_governance_keys();
    gk->set_name("governance");
    gk->set_public_key(std::string(Key("governance").public_key().bytes()));
    g.set_governance_threshold(1);
    for (const char* node : {"node-customs", "node-authority", "node-lab"}) {
      auto* nk = g.add_node_keys();
      nk->set_name(absl::StrCat(node, ".kpledger.demo"));
      nk->set_public_key(std::string(Key(node).public_key().bytes()));
    }
    g.set_checkpoint_threshold(2);
    g.set_node_keys_by_governance(true);
    v1::Policy* policy = g.mutable_policy();
    policy->set_mass_tolerance_ppm(5000);  // 0.5% of the declared mass
    policy->set_value_band_ppm(250000);    // 25% of the declared $/ct
    policy->set_loss_tolerance_ppm(1000);  // 0.1% lost in a split or merge
    policy->set_confirmation_period_days(60);
    policy->set_quick_reexport_days(7);
    policy->set_transfer_seals_required(true);
    v1::SanctionedOrigin* ru = policy->add_sanctioned_origins();
    ru->set_country("RU");
    ru->set_action(v1::SANCTION_REFUSE);
    ru->mutable_effective_from()->set_seconds(1704067200);  // 2024-01-01
    g.mutable_created_at()->set_seconds(LedgerDay(1).seconds);
    const v1::Envelope env =
        envelope::SignEnvelope(envelope::kGenesisPayloadType,
                               g.SerializeAsString(), {&Key("governance")});
    // The genesis vouches for itself: checked before it becomes entry 0.
    verified_genesis_ =
        OrDie(rules::VerifyGenesisEnvelope(env), "verify genesis");
    genesis_ = verified_genesis_.genesis;
    trusted_ = rules::NodeVerifiers(genesis_);
    applier_ = OrDie(apply::Applier::Open(store_.get()), "open applier");
    DEMO_CHECK_OK(applier_->Bootstrap(env), "write genesis");
    // The trust root an inspector needs, as DSSE's JSON envelope.
    DEMO_CHECK_OK(base::WriteJsonFile(dir_ + "/genesis.json", env),
                  "write genesis.json");
    std::printf("  origin %s, checkpoint threshold 2 of 3 node keys\n",
                kOrigin);
    std::printf("  genesis hash %s\n", store_->genesis_hash().c_str());
  }

  // Signs `ev` once with every signer; the bytes are never re-serialized.
  v1::Envelope SignEvent(const v1::CustodyEvent& ev,
                         std::vector<std::string> signers) {
    std::vector<const crypto::PrivateKey*> keys;
    for (const std::string& s : signers) keys.push_back(&Key(s));
    return envelope::SignEnvelope(envelope::kEventPayloadType,
                                  ev.SerializeAsString(), keys);
  }

  // Hands the envelopes to the applier as the next ordered batch and
  // prints each receipt. Events in `expect_refused` must be refused; every
  // other must be accepted, or the demo fails.
  std::vector<v1::Receipt> Apply(entry::LedgerTime time,
                                 const std::vector<v1::Envelope>& envs,
                                 const std::set<size_t>& expect_refused = {},
                                 bool quiet = false) {
    apply::OrderedBatch batch;
    batch.position = ++position_;
    batch.proposed_time = time;
    for (const v1::Envelope& env : envs) {
      batch.envelopes.push_back(env.SerializeAsString());
    }
    apply::BatchResult result =
        OrDie(applier_->Apply(std::move(batch)), "apply batch");
    for (size_t i = 0; i < envs.size(); ++i) {
      const v1::Receipt& r = result.receipts[i];
      const bool refused = r.outcome() != v1::Receipt::ACCEPTED;
      v1::CustodyEvent ev;
      ev.ParseFromString(envs[i].payload());
      if (!quiet || refused) {
        if (refused) {
          std::printf(
              "  REFUSED %s\n          %s: %s\n", Describe(ev).c_str(),
              absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code()))
                  .c_str(),
              r.reason().c_str());
        } else {
          std::printf("  entry %llu  %s…  %s  (%d signature%s)\n",
                      static_cast<unsigned long long>(r.leaf_index()),
                      r.event_id().substr(0, 12).c_str(), Describe(ev).c_str(),
                      envs[i].signatures_size(),
                      envs[i].signatures_size() == 1 ? "" : "s");
        }
      }
      if (refused != (expect_refused.count(i) > 0)) {
        std::fprintf(stderr, "demo failed: event %zu was %s: %s\n", i,
                     refused ? "refused" : "accepted", r.reason().c_str());
        std::exit(1);
      }
    }
    return result.receipts;
  }

  void RegisterActors() {
    Step("Register the actors (governance events, signed by governance)");
    std::vector<v1::Envelope> events;
    for (const auto& [id, role, licence] :
         std::vector<std::tuple<std::string, v1::Role, std::string>>{
             {"customs-baku", v1::CUSTOMS, ""},
             {"lab-baku", v1::LAB, "AZGL-01"},
             {"vault-baku", v1::VAULT, "AZ-VLT-01"},
             {"kpa-baku", v1::KP_AUTHORITY, ""}}) {
      v1::CustodyEvent ev;
      ev.set_origin(kOrigin);
      v1::RegisterActor* r = ev.mutable_register_actor();
      r->set_actor_id(id);
      r->set_name(absl::StrCat(id, " (", v1::Role_Name(role), ")"));
      r->set_role(role);
      r->set_public_key(std::string(Key(id).public_key().bytes()));
      r->set_license_id(licence);
      events.push_back(SignEvent(ev, {"governance"}));
    }
    Apply(LedgerDay(1), events);
  }

  void SubmitCustodyChain() {
    Step("Sign a chain of custody for parcel AZ-P-0001; the rules decide");
    const std::string parcel = "AZ-P-0001";
    v1::Envelope imp =
        SignEvent(ImportEvent(parcel, "BW-2026-004512", 1250000, 250000000),
                  {"customs-baku"});
    v1::Envelope to_lab =
        SignEvent(TransferEvent(parcel, envelope::EventId(imp.payload()),
                                "customs-baku", "lab-baku"),
                  {"customs-baku", "lab-baku"});
    // Refused by the rules, with their reasons: the lab does not sign for
    // the parcel it receives; the certificate is used a second time.
    v1::Envelope unsigned_receipt =
        SignEvent(TransferEvent(parcel, envelope::EventId(imp.payload()),
                                "customs-baku", "vault-baku"),
                  {"customs-baku"});
    v1::Envelope reused = SignEvent(
        ImportEvent("AZ-P-0002", "BW-2026-004512", 1250000, 250000000),
        {"customs-baku"});
    Apply(LedgerDay(2), {imp, unsigned_receipt, to_lab, reused}, {1, 3});
    v1::Envelope lab =
        SignEvent(LabAssessmentEvent(
                      parcel, envelope::EventId(to_lab.payload()), 1248300),
                  {"lab-baku"});
    v1::Envelope to_vault =
        SignEvent(TransferEvent(parcel, envelope::EventId(lab.payload()),
                                "lab-baku", "vault-baku"),
                  {"lab-baku", "vault-baku"});
    // Signed against the head before the lab assessment: stale.
    v1::Envelope stale =
        SignEvent(TransferEvent(parcel, envelope::EventId(to_lab.payload()),
                                "lab-baku", "customs-baku"),
                  {"lab-baku", "customs-baku"});
    Apply(LedgerDay(5), {lab, to_vault, stale, imp}, {2, 3});
    lab_event_id_ = envelope::EventId(lab.payload());
  }

  std::string PublishCheckpoint() {
    const store::TreeHead head = store_->head();
    std::printf(
        "\n==> Publish a checkpoint at tree size %llu, cosigned by 2 "
        "of 3 nodes\n",
        static_cast<unsigned long long>(head.size));
    const checkpoint::CheckpointBody body =
        OrDie(apply::StoreCheckpointBody(*store_, kOrigin, head.size), "body");
    std::vector<checkpoint::NoteSigner> signers = {
        OrDie(checkpoint::NoteSigner::Create(trusted_[0].name(),
                                             Key("node-customs")),
              "signer"),
        OrDie(checkpoint::NoteSigner::Create(trusted_[1].name(),
                                             Key("node-authority")),
              "signer")};
    std::string note = OrDie(checkpoint::SignCheckpoint(body, signers), "sign");
    std::printf("%s", note.c_str());
    checkpoint::VerifiedCheckpoint v =
        OrDie(checkpoint::VerifyCheckpoint(note, kOrigin, trusted_,
                                           genesis_.checkpoint_threshold()),
              "verify checkpoint");
    std::printf("  verified against the genesis node keys: %zu of %d signed\n",
                v.signers.size(), genesis_.node_keys_size());
    return note;
  }

  checkpoint::CheckpointBody Verified(const std::string& note) {
    return OrDie(checkpoint::VerifyCheckpoint(note, kOrigin, trusted_, 2),
                 "verify checkpoint")
        .body;
  }

  void ProveInclusion(const std::string& note) {
    Step("Prove the lab assessment is in the checkpointed log (RFC 9162)");
    const checkpoint::CheckpointBody cp = Verified(note);
    const uint64_t index = OrDie(store_->FindEvent(lab_event_id_), "find");
    const std::string leaf = OrDie(store_->GetLeaf(index), "leaf");
    std::vector<merkle::Hash> proof =
        OrDie(store_->InclusionProof(index, cp.tree_size), "proof");
    for (const merkle::Hash& h : proof) {
      std::printf("  path %s\n", merkle::HashHex(h).c_str());
    }
    DEMO_CHECK_OK(
        merkle::VerifyInclusion(index, cp.tree_size, merkle::HashLeaf(leaf),
                                proof, cp.root),
        "verify inclusion");
    entry::LeafView view = OrDie(entry::DecodeLeaf(leaf), "decode leaf");
    std::printf(
        "  entry %llu (ledger time %lld) is included in tree %llu: OK\n",
        static_cast<unsigned long long>(index),
        static_cast<long long>(view.time.seconds),
        static_cast<unsigned long long>(cp.tree_size));
  }

  void AppendBackgroundImports(int count) {
    std::printf("\n==> Append %d more imports in batches of 500\n", count);
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < count / 500; ++b) {
      std::vector<v1::Envelope> batch;
      for (int i = 0; i < 500; ++i) {
        const int n = b * 500 + i + 2;
        batch.push_back(
            SignEvent(ImportEvent(absl::StrCat("AZ-P-", 10000 + n),
                                  absl::StrCat("BW-2026-", 100000 + n),
                                  10000 + n, 1500000 + n),
                      {"customs-baku"}));
      }
      Apply(LedgerDay(6 + b), batch, {}, /*quiet=*/true);
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::printf(
        "  signed, verified, checked by the rules and appended %d events in "
        "%.2f s\n",
        count, s);
  }

  void ProveConsistency(const std::string& old_note,
                        const std::string& new_note) {
    Step("Prove the new checkpoint extends the old one (append-only)");
    const checkpoint::CheckpointBody a = Verified(old_note);
    const checkpoint::CheckpointBody b = Verified(new_note);
    std::vector<merkle::Hash> proof = OrDie(
        store_->ConsistencyProof(a.tree_size, b.tree_size), "consistency");
    DEMO_CHECK_OK(merkle::VerifyConsistency(a.tree_size, b.tree_size, proof,
                                            a.root, b.root),
                  "verify consistency");
    std::printf("  tree %llu is a prefix of tree %llu (%zu hashes): OK\n",
                static_cast<unsigned long long>(a.tree_size),
                static_cast<unsigned long long>(b.tree_size), proof.size());
  }

  void ShowRefusals(const std::string& first_note, const std::string& note) {
    Step("Refuse tampered input, with the reason");
    v1::Envelope forged =
        SignEvent(ImportEvent("AZ-P-0666", "BW-2026-000666", 500000, 1000000),
                  {"customs-baku"});
    v1::CustodyEvent ev;
    ev.ParseFromString(forged.payload());
    ev.mutable_import()->mutable_certificate()->set_mass_mct(400000);
    forged.set_payload(ev.SerializeAsString());
    Refused("envelope whose mass was changed after signing",
            envelope::VerifyEnvelope(forged, envelope::kEventPayloadType,
                                     Resolver())
                .status());
    const crypto::PrivateKey unregistered = crypto::PrivateKey::Generate();
    v1::Envelope stranger = envelope::SignEnvelope(
        envelope::kEventPayloadType, ev.SerializeAsString(), {&unregistered});
    Refused("event signed by an unregistered key",
            envelope::VerifyEnvelope(stranger, envelope::kEventPayloadType,
                                     Resolver())
                .status());
    const std::string one_sig = note.substr(0, note.rfind("— "));
    Refused(
        "checkpoint with one node signature",
        checkpoint::VerifyCheckpoint(one_sig, kOrigin, trusted_, 2).status());
    const checkpoint::CheckpointBody cp = Verified(note);
    std::vector<merkle::Hash> proof =
        OrDie(store_->InclusionProof(3, cp.tree_size), "proof");
    Refused("inclusion proof of entry 3 presented for entry 1's bytes",
            merkle::VerifyInclusion(3, cp.tree_size,
                                    merkle::HashLeaf(*store_->GetLeaf(1)),
                                    proof, cp.root));
    const checkpoint::CheckpointBody first = Verified(first_note);
    Refused("proof for the new tree checked against the first checkpoint",
            merkle::VerifyInclusion(3, first.tree_size,
                                    merkle::HashLeaf(*store_->GetLeaf(3)),
                                    proof, first.root));
  }

  void ProveProvenance(const std::string& note) {
    Step("Prove AZ-P-0001's provenance offline from a bundle");
    v1::Checkpoint cp;
    cp.set_note(note);
    const checkpoint::CheckpointBody body = Verified(note);
    cp.set_origin(body.origin);
    cp.set_tree_size(body.tree_size);
    cp.set_root_hash(std::string(body.root.begin(), body.root.end()));
    const v1::ProvenanceBundle bundle =
        OrDie(provenance::BuildBundle(*store_, "AZ-P-0001", cp), "bundle");
    const std::string bundle_path = dir_ + "/AZ-P-0001.bundle.json";
    DEMO_CHECK_OK(base::WriteJsonFile(bundle_path, bundle), "write bundle");
    std::printf(
        "  bundle: %d entries and the genesis, %zu bytes, written to %s\n"
        "  (check it anywhere: kpctl verify --bundle %s --genesis "
        "%s/genesis.json)\n",
        bundle.entries_size(), bundle.ByteSizeLong(), bundle_path.c_str(),
        bundle_path.c_str(), dir_.c_str());
    // The verifier trusts nothing but the genesis: signatures, proofs
    // against the cosigned checkpoint, and the rules re-run over the DAG.
    const v1::ProvenanceAccount account = OrDie(
        provenance::VerifyBundle(bundle, verified_genesis_), "verify bundle");
    std::printf("%s", provenance::FormatAccount(account).c_str());
    v1::ProvenanceBundle tampered = bundle;
    std::string* leaf = tampered.mutable_entries(0)->mutable_leaf();
    (*leaf)[leaf->size() - 70] ^= 1;
    Refused("the bundle with one byte of an entry changed",
            provenance::VerifyBundle(tampered, verified_genesis_).status());
  }

  void ShowReports() {
    Step("KP reports, projected from the log");
    const report::ReportBuilder reports =
        OrDie(report::ProjectStore(*store_), "project reports");
    const entry::LedgerTime start = LedgerDay(0), end = LedgerDay(31);
    std::printf(
        "%s", report::FormatStatistics(reports.Statistics(start, end)).c_str());
    std::printf("\n%s", report::FormatBalance(reports.BalanceAt(end)).c_str());
    const v1::ListAnomaliesResponse anomalies = reports.Anomalies(end);
    std::printf("\n%s", report::FormatAnomalies(anomalies).c_str());
  }

  void Refused(const char* what, const absl::Status& st) {
    if (st.ok()) {
      std::fprintf(stderr, "demo failed: %s was accepted\n", what);
      std::exit(1);
    }
    std::printf("  refused %s:\n    %s\n", what, st.ToString().c_str());
  }

  void AuditAndReopen() {
    Step("Audit the whole store, then reopen it");
    audit::AuditReport report =
        OrDie(audit::AuditStore(*store_), "audit store");
    std::printf(
        "  audit: %llu entries re-read, every leaf, node and event id "
        "recomputed; root %s\n",
        static_cast<unsigned long long>(report.entries),
        merkle::HashHex(report.root).c_str());
    const store::TreeHead before = store_->head();
    applier_.reset();
    store_.reset();
    store_ = OrDie(store::Store::Open(dir_ + "/store"), "reopen store");
    const bool same =
        store_->head().root == before.root && store_->size() == before.size;
    std::printf("  reopened: size %llu, same root: %s\n",
                static_cast<unsigned long long>(store_->size()),
                same ? "yes" : "NO");
    if (!same) std::exit(1);
  }

  std::string dir_;
  std::map<std::string, crypto::PrivateKey> keys_;
  std::vector<checkpoint::NoteVerifier> trusted_;
  v1::Genesis genesis_;
  rules::VerifiedGenesis verified_genesis_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apply::Applier> applier_;
  uint64_t position_ = 0;  // the sequencer position of the last batch
  std::string lab_event_id_;
};

}  // namespace
}  // namespace kpledger::demo

int main(int argc, char** argv) {
  CLI::App app{
      "kpledger ledger-core demo: keys, genesis, actors, signed custody "
      "events decided by the rules, a cosigned checkpoint, proofs, a "
      "provenance bundle verified offline, KP reports and an audit, on a "
      "real store"};
  std::string dir = ".scratch/demo";
  app.add_option("--dir", dir, "folder for key files and the store")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto start = std::chrono::steady_clock::now();
  std::printf("kpledger ledger-core demo in %s\n", dir.c_str());
  kpledger::demo::Demo(dir).Run();
  std::printf(
      "\ndemo finished in %.2f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return 0;
}
