// Every RPC of a real kpnode process over loopback gRPC, and every kind of
// bad input of issue 4, each answered with the right status and a message
// naming the problem while the ledger (log, root and reports) stays as it
// was.
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/merkle/hasher.h"
#include "ledger/merkle/verify.h"
#include "ledger/provenance/verify.h"
#include "ledger/rules/genesis.h"
#include "tests/integration/ledger_client.h"
#include "tests/integration/node_process.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;

merkle::Hash ToHash(const std::string& bytes) {
  merkle::Hash h{};
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

std::vector<merkle::Hash> ToHashes(
    const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> out;
  for (const std::string& b : bytes) out.push_back(ToHash(b));
  return out;
}

class NodeRpcTest : public ::testing::Test {
 protected:
  NodeRpcTest() : b_(DefaultPolicy(), /*checkpoint_threshold=*/1) {}

  void SetUp() override {
    dir_ = FreshLedgerDir(b_);
    absl::StatusOr<std::unique_ptr<NodeProcess>> node =
        NodeProcess::Start(dir_);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    ledger_ = node_->Ledger();
    for (const auto& [id, role, licence] :
         std::vector<std::tuple<std::string, v1::Role, std::string>>{
             {"customs-1", v1::CUSTOMS, ""},
             {"lab-1", v1::LAB, ""},
             {"lab-2", v1::LAB, ""},
             {"vault-1", v1::VAULT, ""},
             {"kpa", v1::KP_AUTHORITY, ""}}) {
      Accept(b_.Register(id, role, licence));
    }
  }

  v1::Receipt Accept(const v1::Envelope& env) {
    SubmitResult r = Submit(*ledger_, env);
    EXPECT_TRUE(r.status.ok()) << r.status.error_message();
    EXPECT_EQ(r.receipt.outcome(), v1::Receipt::ACCEPTED);
    return r.receipt;
  }

  v1::Envelope Import(const std::string& parcel, int64_t mass = 10000) {
    return b_.Sign(
        ImportEvent(parcel, "vault-1",
                    IncomingCertificate("BW-" + parcel, "BW", mass, 1000000)),
        {"customs-1"});
  }

  v1::NodeStatus Status() {
    grpc::ClientContext ctx;
    v1::NodeStatus status;
    EXPECT_TRUE(node_->Node()->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  // GetParcel, FindCertificate or GetEvent of `key`; the status only.
  grpc::Status LookUp(const std::string& method, const std::string& key) {
    grpc::ClientContext ctx;
    if (method == "GetParcel") {
      v1::GetParcelRequest req;
      req.set_parcel_id(key);
      v1::ParcelState p;
      return ledger_->GetParcel(&ctx, req, &p);
    }
    if (method == "FindCertificate") {
      v1::FindCertificateRequest req;
      req.set_certificate_number(key);
      v1::FindCertificateResponse r;
      return ledger_->FindCertificate(&ctx, req, &r);
    }
    v1::GetEventRequest req;
    req.set_event_id(key);
    v1::LedgerEntry e;
    return ledger_->GetEvent(&ctx, req, &e);
  }

  CustodyBuilder b_;
  std::string dir_;
  std::unique_ptr<NodeProcess> node_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
};

TEST_F(NodeRpcTest, SubmitAnswersWithTheDurableReceipt) {
  const v1::Envelope imp = Import("P1");
  const v1::Receipt r = Accept(imp);
  EXPECT_EQ(r.leaf_index(), 6u);  // genesis and five registrations before it
  EXPECT_EQ(r.event_id().size(), 64u);
  EXPECT_GT(r.ledger_time().seconds(), 0);

  grpc::ClientContext ctx;
  v1::GetEventRequest req;
  req.set_event_id(r.event_id());
  v1::LedgerEntry entry;
  ASSERT_TRUE(ledger_->GetEvent(&ctx, req, &entry).ok());
  EXPECT_EQ(entry.index(), 6u);
  EXPECT_EQ(entry.envelope().SerializeAsString(), imp.SerializeAsString());
  EXPECT_EQ(entry.event_id(), r.event_id());
}

// Bulk submission on one stream: every envelope answered once, by its
// sequence number; refusals are receipts, and the stream ends OK.
TEST_F(NodeRpcTest, SubmitStreamAnswersEveryEnvelope) {
  const v1::Envelope first = Import("S-0");
  const v1::Receipt before = Accept(first);
  grpc::ClientContext ctx;
  auto stream = ledger_->SubmitStream(&ctx);
  v1::SubmitStreamRequest req;
  for (int i = 1; i <= 100; ++i) {
    *req.add_envelopes() = Import(absl::StrCat("S-", i));
    if (i % 25 == 0) {
      ASSERT_TRUE(stream->Write(req));
      req.Clear();
    }
  }
  // 100: a replay; 101: over the size limit; 102: a forged signature;
  // 103: not an event envelope (refused at the door).
  *req.add_envelopes() = first;
  v1::Envelope big = Import("S-BIG");
  big.set_payload(big.payload() + std::string(100 * 1024, 'x'));
  *req.add_envelopes() = big;
  v1::Envelope forged = Import("S-FORGED");
  std::string sig = forged.signatures(0).sig();
  sig[0] ^= 1;
  forged.mutable_signatures(0)->set_sig(sig);
  *req.add_envelopes() = forged;
  *req.add_envelopes() = b_.genesis_envelope();
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();

  std::map<uint64_t, v1::Receipt> answers;
  v1::SubmitStreamResponse resp;
  while (stream->Read(&resp)) {
    for (const auto& a : resp.answers()) {
      EXPECT_TRUE(answers.emplace(a.sequence(), a.receipt()).second)
          << "answered twice: " << a.sequence();
    }
  }
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(answers.size(), 104u);
  std::set<uint64_t> indexes;
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(answers[i].outcome(), v1::Receipt::ACCEPTED)
        << answers[i].reason();
    indexes.insert(answers[i].leaf_index());
  }
  EXPECT_EQ(indexes.size(), 100u);
  EXPECT_EQ(answers[100].code(),
            static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(answers[100].leaf_index(), before.leaf_index());
  EXPECT_EQ(answers[101].code(),
            static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(answers[102].code(),
            static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(answers[103].code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(answers[103].reason(),
              HasSubstr("submit: envelope payload type is"));
  EXPECT_EQ(Status().tree_size(), before.leaf_index() + 101);
}

// Clients that go away while their receipts are on the way: each stream is
// finished anyway, so the node still stops promptly on SIGTERM (gRPC's
// shutdown waits for every stream to be finished).
TEST_F(NodeRpcTest, SubmitStreamsCancelledMidwayAreFinished) {
  int n = 0;
  for (int wait_ms : {0, 1, 2, 4, 8, 16, 32}) {
    grpc::ClientContext ctx;
    auto stream = ledger_->SubmitStream(&ctx);
    v1::SubmitStreamRequest req;
    for (int i = 0; i < 200; ++i) {
      *req.add_envelopes() = Import(absl::StrCat("C-", n++));
    }
    ASSERT_TRUE(stream->Write(req));
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    ctx.TryCancel();
    stream->Finish();
  }
  Accept(Import("after"));  // still serving
  auto stopped =
      std::async(std::launch::async, [this] { return node_->Stop(); });
  if (stopped.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    node_->Kill();
    FAIL() << "kpnode did not stop within 20 s of SIGTERM";
  }
  EXPECT_EQ(stopped.get(), 0);
}

TEST_F(NodeRpcTest, ListActorsSaysWhoMaySignWhat) {
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-2");
  revoke.mutable_revoke_actor()->set_reason("accreditation withdrawn");
  const v1::Receipt revoked = Accept(b_.Governance(revoke));
  auto list = [this](v1::Role role) {
    grpc::ClientContext ctx;
    v1::ListActorsRequest req;
    req.set_role(role);
    v1::ListActorsResponse r;
    EXPECT_TRUE(ledger_->ListActors(&ctx, req, &r).ok());
    return r;
  };
  const v1::ListActorsResponse all = list(v1::ROLE_UNSPECIFIED);
  std::vector<std::string> ids;
  for (const auto& a : all.actors()) ids.push_back(a.actor_id());
  EXPECT_THAT(ids,
              ElementsAre("customs-1", "kpa", "lab-1", "lab-2", "vault-1"));

  const v1::ListActorsResponse labs = list(v1::LAB);
  ASSERT_EQ(labs.actors_size(), 2);
  const v1::ListActorsResponse::Actor& lab1 = labs.actors(0);
  EXPECT_EQ(lab1.actor_id(), "lab-1");
  EXPECT_EQ(lab1.role(), v1::LAB);
  EXPECT_EQ(lab1.key_id(), CustodyBuilder::ActorKey("lab-1").key_id());
  EXPECT_FALSE(lab1.revoked());
  EXPECT_EQ(lab1.governance_entries_size(), 1);
  const v1::ListActorsResponse::Actor& lab2 = labs.actors(1);
  EXPECT_TRUE(lab2.revoked());
  EXPECT_EQ(lab2.revoke_reason(), "accreditation withdrawn");
  ASSERT_EQ(lab2.governance_entries_size(), 2);
  EXPECT_EQ(lab2.governance_entries(1), revoked.leaf_index());

  grpc::ClientContext ctx;
  v1::ListActorsRequest bad;
  bad.set_role(static_cast<v1::Role>(99));
  v1::ListActorsResponse r;
  const grpc::Status st = ledger_->ListActors(&ctx, bad, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("role 99 is not"));
}

TEST_F(NodeRpcTest, PolicyInForceFollowsUpdatePolicy) {
  auto policy = [this] {
    grpc::ClientContext ctx;
    v1::GetPolicyResponse r;
    EXPECT_TRUE(ledger_->GetPolicy(&ctx, v1::GetPolicyRequest(), &r).ok());
    return r;
  };
  v1::GetPolicyResponse genesis = policy();
  EXPECT_EQ(genesis.policy().SerializeAsString(),
            testing::DefaultPolicy().SerializeAsString());
  EXPECT_TRUE(genesis.update_entries().empty());

  v1::CustodyEvent update;
  *update.mutable_update_policy()->mutable_policy() = testing::DefaultPolicy();
  update.mutable_update_policy()->mutable_policy()->set_transfer_seals_required(
      false);
  const v1::Receipt updated = Accept(b_.Governance(update));
  const v1::GetPolicyResponse now = policy();
  EXPECT_FALSE(now.policy().transfer_seals_required());
  EXPECT_EQ(now.policy().quick_reexport_days(), 7u);
  ASSERT_EQ(now.update_entries_size(), 1);
  EXPECT_EQ(now.update_entries(0), updated.leaf_index());
}

TEST_F(NodeRpcTest, ParcelQueries) {
  const v1::Receipt imported = Accept(Import("P1"));
  Accept(Import("P2", 20000));
  Accept(
      b_.Sign(TransferEvent("P1", "vault-1", "lab-1"), {"vault-1", "lab-1"}));
  const v1::Receipt assessed = Accept(
      b_.Sign(AssessmentEvent("P1", 10010, 1000000, "LAB-1"), {"lab-1"}));

  {
    grpc::ClientContext ctx;
    v1::GetParcelRequest req;
    req.set_parcel_id("P1");
    v1::ParcelState p;
    ASSERT_TRUE(ledger_->GetParcel(&ctx, req, &p).ok());
    EXPECT_EQ(p.custodian(), "lab-1");
    EXPECT_EQ(p.status(), v1::ACTIVE);
    EXPECT_EQ(p.mass_mct(), 10010);
    EXPECT_EQ(p.head(), assessed.event_id());
  }
  {
    grpc::ClientContext ctx;
    v1::ListParcelEventsRequest req;
    req.set_parcel_id("P1");
    v1::ListParcelEventsResponse chain;
    ASSERT_TRUE(ledger_->ListParcelEvents(&ctx, req, &chain).ok());
    ASSERT_EQ(chain.entries_size(), 3);
    EXPECT_EQ(chain.entries(0).event_id(), imported.event_id());
    EXPECT_EQ(chain.entries(2).event_id(), assessed.event_id());
    EXPECT_LT(chain.entries(0).index(), chain.entries(1).index());
    // Who signed: the transfer's two keys and the lab's, by actor.
    std::map<std::string, std::string> signers;
    for (const v1::LedgerEntry& e : chain.entries()) {
      for (const v1::Signature& s : e.envelope().signatures()) {
        ASSERT_TRUE(chain.signer_actors().contains(s.keyid())) << s.keyid();
        signers[chain.signer_actors().at(s.keyid())] = s.keyid();
      }
    }
    EXPECT_THAT(signers,
                ElementsAre(Key("customs-1"), Key("lab-1"), Key("vault-1")));
  }
  {
    // Pages of one, in id order; and a filter by custodian.
    std::vector<std::string> ids;
    std::string token;
    do {
      grpc::ClientContext ctx;
      v1::ListParcelsRequest req;
      req.set_page_size(1);
      req.set_page_token(token);
      v1::ListParcelsResponse page;
      ASSERT_TRUE(ledger_->ListParcels(&ctx, req, &page).ok());
      for (const auto& p : page.parcels()) ids.push_back(p.parcel_id());
      token = page.next_page_token();
    } while (!token.empty());
    EXPECT_EQ(ids, (std::vector<std::string>{"P1", "P2"}));
    grpc::ClientContext ctx;
    v1::ListParcelsRequest req;
    req.set_custodian("vault-1");
    v1::ListParcelsResponse page;
    ASSERT_TRUE(ledger_->ListParcels(&ctx, req, &page).ok());
    ASSERT_EQ(page.parcels_size(), 1);
    EXPECT_EQ(page.parcels(0).parcel_id(), "P2");
  }
  {
    grpc::ClientContext ctx;
    v1::FindCertificateRequest req;
    req.set_certificate_number("BW-P2");
    v1::FindCertificateResponse found;
    ASSERT_TRUE(ledger_->FindCertificate(&ctx, req, &found).ok());
    EXPECT_EQ(found.parcel_id(), "P2");
    EXPECT_EQ(found.certificate().mass_mct(), 20000);
    EXPECT_EQ(found.entry().index(), imported.leaf_index() + 1);
  }
  for (const char* method : {"GetParcel", "FindCertificate"}) {
    EXPECT_EQ(LookUp(method, "NOPE").error_code(), grpc::StatusCode::NOT_FOUND)
        << method;
  }
  EXPECT_EQ(LookUp("GetEvent", std::string(64, 'a')).error_code(),
            grpc::StatusCode::NOT_FOUND);
  const grpc::Status bad = LookUp("GetEvent", "not-hex");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("64 lowercase hex"));

  // Ids far too long for what they name are refused as such, and the
  // answer quotes only their start (it travels back in a header).
  for (const char* method : {"GetParcel", "FindCertificate", "GetEvent"}) {
    const grpc::Status status = LookUp(method, std::string(100000, 'Q'));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("(truncated)")) << method;
    EXPECT_LT(status.error_message().size(), 300u) << method;
  }
}

TEST_F(NodeRpcTest, CheckpointsProofsAndProvenanceVerifyOffline) {
  const v1::Receipt imported = Accept(Import("P1"));
  absl::StatusOr<rules::VerifiedGenesis> genesis =
      rules::VerifyGenesisEnvelope(b_.genesis_envelope());
  ASSERT_TRUE(genesis.ok());

  auto checkpoint = [&] {
    grpc::ClientContext ctx;
    v1::GetCheckpointRequest req;
    req.set_cosigned(true);
    v1::Checkpoint cp;
    EXPECT_TRUE(ledger_->GetCheckpoint(&ctx, req, &cp).ok());
    return cp;
  };
  // Checkpoints are signed every second while the log grows.
  v1::Checkpoint first = checkpoint();
  for (int i = 0; i < 50 && first.tree_size() <= imported.leaf_index(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    first = checkpoint();
  }
  absl::StatusOr<checkpoint::VerifiedCheckpoint> verified =
      checkpoint::VerifyCheckpoint(first.note(), b_.genesis().origin(),
                                   rules::NodeVerifiers(b_.genesis()), 1);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->body.tree_size, first.tree_size());

  // The import's inclusion in that checkpoint.
  grpc::ClientContext ectx;
  v1::GetEventRequest ereq;
  ereq.set_event_id(imported.event_id());
  v1::LedgerEntry entry;
  ASSERT_TRUE(ledger_->GetEvent(&ectx, ereq, &entry).ok());
  grpc::ClientContext ictx;
  v1::GetInclusionProofRequest ireq;
  ireq.set_leaf_index(entry.index());
  ireq.set_tree_size(first.tree_size());
  v1::InclusionProof inclusion;
  ASSERT_TRUE(ledger_->GetInclusionProof(&ictx, ireq, &inclusion).ok());
  EXPECT_TRUE(merkle::VerifyInclusion(entry.index(), first.tree_size(),
                                      merkle::HashLeaf(entry.leaf()),
                                      ToHashes(inclusion.hashes()),
                                      verified->body.root)
                  .ok());

  // The log grows; the new checkpoint is consistent with the first.
  Accept(
      b_.Sign(TransferEvent("P1", "vault-1", "lab-1"), {"vault-1", "lab-1"}));
  grpc::ClientContext pctx;
  v1::GetProvenanceRequest preq;
  preq.set_parcel_id("P1");
  v1::ProvenanceBundle bundle;
  ASSERT_TRUE(ledger_->GetProvenance(&pctx, preq, &bundle).ok());
  absl::StatusOr<v1::ProvenanceAccount> account =
      provenance::VerifyBundle(bundle, *genesis);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->parcel_id(), "P1");

  const v1::Checkpoint second = checkpoint();
  ASSERT_GT(second.tree_size(), first.tree_size());
  grpc::ClientContext cctx;
  v1::GetConsistencyProofRequest creq;
  creq.set_old_size(first.tree_size());
  creq.set_new_size(second.tree_size());
  v1::ConsistencyProof consistency;
  ASSERT_TRUE(ledger_->GetConsistencyProof(&cctx, creq, &consistency).ok());
  EXPECT_TRUE(merkle::VerifyConsistency(first.tree_size(), second.tree_size(),
                                        ToHashes(consistency.hashes()),
                                        ToHash(first.root_hash()),
                                        ToHash(second.root_hash()))
                  .ok());

  // Proofs past the log are refused.
  grpc::ClientContext octx;
  ireq.set_tree_size(second.tree_size() + 100);
  EXPECT_EQ(ledger_->GetInclusionProof(&octx, ireq, &inclusion).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  grpc::ClientContext nctx;
  preq.set_parcel_id("NOPE");
  EXPECT_EQ(ledger_->GetProvenance(&nctx, preq, &bundle).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NodeRpcTest, StreamEntriesReplaysAndFollows) {
  Accept(Import("P1"));
  const uint64_t size = Status().tree_size();
  {
    grpc::ClientContext ctx;
    v1::StreamEntriesRequest req;
    auto reader = ledger_->StreamEntries(&ctx, req);
    v1::LedgerEntry e;
    uint64_t n = 0;
    while (reader->Read(&e)) EXPECT_EQ(e.index(), n++);
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(n, size);
  }
  // A follower from the end gets the next entry when it is appended.
  grpc::ClientContext ctx;
  v1::StreamEntriesRequest req;
  req.set_from_index(size);
  req.set_follow(true);
  auto reader = ledger_->StreamEntries(&ctx, req);
  std::thread submit([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Accept(Import("P2"));
  });
  v1::LedgerEntry e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.index(), size);
  submit.join();
  ctx.TryCancel();
  reader->Finish();

  grpc::ClientContext past;
  req.set_from_index(size + 100);
  req.set_follow(false);
  auto refused = ledger_->StreamEntries(&past, req);
  EXPECT_FALSE(refused->Read(&e));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(NodeRpcTest, ReportsStatusHealthAndMetrics) {
  Accept(Import("P1", 10000));
  Accept(Import("P2", 25000));
  auto reports = node_->Reports();
  {
    grpc::ClientContext ctx;
    v1::KpStatisticsRequest req;
    req.mutable_start()->set_seconds(kGenesisSeconds);
    req.mutable_end()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 3600);
    v1::KpStatistics stats;
    ASSERT_TRUE(reports->GetKpStatistics(&ctx, req, &stats).ok());
    EXPECT_EQ(stats.import_total().certificate_count(), 2u);
    EXPECT_EQ(stats.import_total().mass_mct(), 35000);
    EXPECT_EQ(stats.export_total().certificate_count(), 0u);
  }
  {
    grpc::ClientContext ctx;
    v1::Balance balance;
    ASSERT_TRUE(reports->GetBalance(&ctx, {}, &balance).ok());
    EXPECT_EQ(balance.imported_mass_mct(), 35000);
    EXPECT_EQ(balance.in_custody_mass_mct(), 35000);
    EXPECT_EQ(balance.in_custody_parcel_count(), 2u);
  }
  {
    grpc::ClientContext ctx;
    v1::KpStatisticsRequest req;  // no period
    v1::KpStatistics stats;
    EXPECT_EQ(reports->GetKpStatistics(&ctx, req, &stats).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  const v1::NodeStatus status = Status();
  EXPECT_EQ(status.origin(), b_.genesis().origin());
  EXPECT_EQ(status.node_name(), b_.genesis().node_keys(0).name());
  EXPECT_EQ(status.sequencer(), "local");
  EXPECT_EQ(status.tree_size(), 8u);
  EXPECT_EQ(status.genesis_hash().size(), 64u);
  EXPECT_TRUE(status.has_latest_cosigned());

  // Standard gRPC health checking: HealthCheckRequest{service: ""} is
  // zero bytes; HealthCheckResponse{status: SERVING} is 08 01.
  const RawResult health =
      RawUnaryCall(node_->Channel(), "/grpc.health.v1.Health/Check", "");
  ASSERT_TRUE(health.status.ok()) << health.status.error_message();
  EXPECT_EQ(health.response, std::string("\x08\x01", 2));

  const std::string http = node_->http_address();
  httplib::Client client(http.substr(0, http.rfind(':')),
                         std::stoi(http.substr(http.rfind(':') + 1)));
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("kpledger_events_accepted_total 7"));
  EXPECT_THAT(metrics->body, HasSubstr("kpledger_tree_size 8"));
  EXPECT_THAT(metrics->body, HasSubstr("kpledger_submit_seconds_count 7"));
  EXPECT_THAT(metrics->body, HasSubstr("kpledger_batch_events_bucket"));
}

// Server reflection (what grpcurl and grpc_cli use), called as they do:
// ServerReflectionRequest{list_services: ""} is the bytes 0x3a 0x00.
TEST_F(NodeRpcTest, ServerReflectionListsTheServices) {
  grpc::GenericStub generic(node_->Channel());
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  auto next = [&cq] {
    void* tag;
    bool ok = false;
    return cq.Next(&tag, &ok) && ok;
  };
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      &cq);
  call->StartCall(nullptr);
  ASSERT_TRUE(next());
  grpc::Slice list(std::string("\x3a\x00", 2));
  call->Write(grpc::ByteBuffer(&list, 1), nullptr);
  ASSERT_TRUE(next());
  call->WritesDone(nullptr);
  ASSERT_TRUE(next());
  grpc::ByteBuffer response;
  call->Read(&response, nullptr);
  ASSERT_TRUE(next());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& sl : slices) {
    bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  }
  for (const char* service :
       {"kpledger.v1.LedgerService", "kpledger.v1.ReportService",
        "kpledger.v1.NodeService", "grpc.health.v1.Health"}) {
    EXPECT_THAT(bytes, HasSubstr(service));
  }
  grpc::Status status;
  call->Finish(&status, nullptr);
  next();
}

// Each bad input of issue 4, over the wire.
TEST_F(NodeRpcTest, BadInputIsRefusedAndChangesNothing) {
  const v1::Envelope imp = Import("P1");
  const v1::Receipt imported = Accept(imp);
  v1::CustodyEvent revoke;
  revoke.mutable_revoke_actor()->set_actor_id("lab-2");
  revoke.mutable_revoke_actor()->set_reason("accreditation withdrawn");
  Accept(b_.Governance(revoke));

  auto reports = node_->Reports();
  auto balance = [&] {
    grpc::ClientContext ctx;
    v1::Balance b;
    EXPECT_TRUE(reports->GetBalance(&ctx, {}, &b).ok());
    b.clear_as_of();
    return b.SerializeAsString();
  };
  const v1::NodeStatus before = Status();
  const std::string balance_before = balance();

  auto raw_submit = [&](const std::string& bytes) {
    return RawUnaryCall(node_->Channel(), "/kpledger.v1.LedgerService/Submit",
                        bytes)
        .status;
  };
  {
    const grpc::Status s = raw_submit("\xff\xff\xff\xff garbage \x01\x02");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(),
                HasSubstr("not a kpledger.v1.SubmitRequest"));
  }
  {
    v1::SubmitRequest req;
    *req.mutable_envelope() = Import("P9");
    const std::string whole = req.SerializeAsString();
    const grpc::Status s = raw_submit(whole.substr(0, whole.size() / 2));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("truncated"));
  }

  struct Case {
    std::string what;
    v1::Envelope envelope;
    grpc::StatusCode code;
    std::string message;
  };
  std::vector<Case> cases;
  {
    v1::Envelope big = Import("P-BIG");
    big.set_payload(big.payload() + std::string(100 * 1024, 'x'));
    cases.push_back({"over the size limit", big,
                     grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "over this node's limit"});
  }
  {
    v1::Envelope forged = Import("P2");
    std::string sig = forged.signatures(0).sig();
    sig[0] ^= 1;
    forged.mutable_signatures(0)->set_sig(sig);
    cases.push_back({"forged signature", forged,
                     grpc::StatusCode::UNAUTHENTICATED, "signature"});
  }
  {
    v1::Envelope unsigned_env =
        b_.Sign(ImportEvent("P3", "vault-1",
                            IncomingCertificate("BW-P3", "BW", 10000, 1000000)),
                {"customs-1"}, /*expect_accept=*/false);
    unsigned_env.clear_signatures();
    // Refused at the door ("submit: "), before it is ordered.
    cases.push_back({"missing signature", unsigned_env,
                     grpc::StatusCode::UNAUTHENTICATED,
                     "submit: envelope has no signatures"});
  }
  cases.push_back({"not an event envelope", b_.genesis_envelope(),
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "submit: envelope payload type is "
                   "\"application/vnd.kpledger.genesis.v1+proto\""});
  {
    v1::Envelope short_sig = Import("P7");
    short_sig.mutable_signatures(0)->set_sig("abc");
    cases.push_back({"short signature", short_sig,
                     grpc::StatusCode::INVALID_ARGUMENT,
                     "submit: signature 0 has 3 bytes, want 64"});
  }
  {
    const crypto::PrivateKey stranger = CustodyBuilder::ActorKey("stranger");
    cases.push_back(
        {"unregistered key",
         b_.SignWith(
             ImportEvent("P4", "vault-1",
                         IncomingCertificate("BW-P4", "BW", 10000, 1000000)),
             {&stranger}, false),
         grpc::StatusCode::UNAUTHENTICATED, "no registered actor"});
  }
  cases.push_back(
      {"revoked signer",
       b_.Sign(ImportEvent("P5", "vault-1",
                           IncomingCertificate("BW-P5", "BW", 10000, 1000000)),
               {"lab-2"}, false),
       grpc::StatusCode::PERMISSION_DENIED, "lab-2 is revoked"});
  cases.push_back(
      {"wrong role",
       b_.Sign(ImportEvent("P6", "vault-1",
                           IncomingCertificate("BW-P6", "BW", 10000, 1000000)),
               {"lab-1"}, false),
       grpc::StatusCode::PERMISSION_DENIED, "CUSTOMS"});
  {
    // A transfer naming a head that is not the parcel's latest event.
    v1::CustodyEvent t = TransferEvent("P1", "vault-1", "lab-1");
    v1::Envelope signed_t = b_.Sign(t, {"vault-1", "lab-1"}, false);
    v1::CustodyEvent stale;
    stale.ParseFromString(signed_t.payload());
    stale.mutable_parcels(0)->set_head(std::string(64, 'b'));
    const crypto::PrivateKey vault = CustodyBuilder::ActorKey("vault-1");
    const crypto::PrivateKey lab = CustodyBuilder::ActorKey("lab-1");
    cases.push_back({"stale head", b_.SignWith(stale, {&vault, &lab}, false),
                     grpc::StatusCode::FAILED_PRECONDITION, "stale head"});
  }
  {
    v1::CustodyEvent unknown;
    unknown.ParseFromString(b_.Sign(TransferEvent("NOPE", "vault-1", "lab-1"),
                                    {"vault-1", "lab-1"}, false)
                                .payload());
    unknown.mutable_parcels(0)->set_head(std::string(64, 'c'));
    const crypto::PrivateKey vault = CustodyBuilder::ActorKey("vault-1");
    const crypto::PrivateKey lab = CustodyBuilder::ActorKey("lab-1");
    cases.push_back({"unknown parcel",
                     b_.SignWith(unknown, {&vault, &lab}, false),
                     grpc::StatusCode::NOT_FOUND, "no parcel NOPE"});
  }

  for (const Case& c : cases) {
    const SubmitResult r = Submit(*ledger_, c.envelope);
    EXPECT_EQ(r.status.error_code(), c.code)
        << c.what << ": " << r.status.error_message();
    EXPECT_THAT(r.status.error_message(), HasSubstr(c.message)) << c.what;
  }

  // A replay is answered ALREADY_EXISTS with the original receipt.
  const SubmitResult replay = Submit(*ledger_, imp);
  EXPECT_EQ(replay.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(replay.receipt.leaf_index(), imported.leaf_index());
  EXPECT_EQ(replay.receipt.event_id(), imported.event_id());
  EXPECT_EQ(replay.receipt.ledger_time().seconds(),
            imported.ledger_time().seconds());

  const v1::NodeStatus after = Status();
  EXPECT_EQ(after.tree_size(), before.tree_size());
  EXPECT_EQ(after.root_hash(), before.root_hash());
  EXPECT_EQ(balance(), balance_before);
  grpc::ClientContext ctx;
  v1::ListParcelsRequest req;
  v1::ListParcelsResponse parcels;
  ASSERT_TRUE(ledger_->ListParcels(&ctx, req, &parcels).ok());
  EXPECT_EQ(parcels.parcels_size(), 1);  // only P1
}

}  // namespace
}  // namespace kpledger::testing
