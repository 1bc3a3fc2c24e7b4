#include "ledger/store/store.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/verify.h"
#include "ledger/store/keys.h"
#include "rocksdb/db.h"
#include "tests/unit/store/store_test_fixture.h"

namespace kpledger::store {
namespace {

using ::kpledger::testing::StatusIs;

class StoreTest : public testing::StoreTest {
 protected:
  // Checks the inclusion proofs of `indexes` in the tree of size `n` with
  // `root`, and the consistency proof from that tree to the current one.
  void ExpectProofsVerify(uint64_t n, const merkle::Hash& root,
                          const std::vector<uint64_t>& indexes) {
    for (uint64_t i : indexes) {
      KP_ASSERT_OK_AND_ASSIGN(auto proof, store_->InclusionProof(i, n));
      KP_EXPECT_OK(merkle::VerifyInclusion(
          i, n, merkle::HashLeaf(*store_->GetLeaf(i)), proof, root))
          << "leaf " << i << ", tree size " << n;
    }
    const store::TreeHead head = store_->head();
    KP_ASSERT_OK_AND_ASSIGN(auto cproof,
                            store_->ConsistencyProof(n, head.size));
    KP_EXPECT_OK(
        merkle::VerifyConsistency(n, head.size, cproof, root, head.root));
  }
};

// The root recomputed from the stored leaves alone.
merkle::Hash RecomputedRoot(const Store& store, uint64_t size) {
  merkle::CompactRange range;
  for (uint64_t i = 0; i < size; ++i) {
    range.Append(merkle::HashLeaf(*store.GetLeaf(i)),
                 [](const merkle::NodeId&, const merkle::Hash&) {});
  }
  return range.Root();
}

TEST_F(StoreTest, EmptyStoreHasEmptyRoot) {
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_EQ(store_->head().root, merkle::EmptyRoot());
  EXPECT_EQ(store_->genesis_hash(), "");
}

TEST_F(StoreTest, AppendAssignsConsecutiveIndexesAndTheLedgerTime) {
  AppendGenesis();
  TreeHead head = Append(10);
  EXPECT_EQ(head.size, 11u);
  KP_ASSERT_OK_AND_ASSIGN(std::string leaf, store_->GetLeaf(7));
  KP_ASSERT_OK_AND_ASSIGN(entry::LeafView view, entry::DecodeLeaf(leaf));
  EXPECT_EQ(view.index, 7u);
  EXPECT_EQ(view.time.seconds, 1788000001);
  EXPECT_EQ(view.envelope,
            testing::SampleImport(customs_, 7).SerializeAsString());
}

TEST_F(StoreTest, RootIsTheRootOfTheStoredLeaves) {
  AppendGenesis();
  Append(37);
  TreeHead head = Append(64);
  EXPECT_EQ(head.root, RecomputedRoot(*store_, head.size));
  EXPECT_EQ(store_->head().root, head.root);
}

TEST_F(StoreTest, GenesisHashIsEventIdOfEntryZero) {
  AppendGenesis();
  EXPECT_EQ(store_->genesis_hash(),
            envelope::EventId(testing::SampleGenesis(governance_).payload()));
}

TEST_F(StoreTest, ReopenRestoresSizeRootGenesisAndPosition) {
  AppendGenesis();
  Batch batch = testing::SampleBatch(customs_, 1, 20);
  batch.applied_position = "rev-41";
  KP_ASSERT_OK_AND_ASSIGN(TreeHead head, store_->Append(batch));
  const std::string genesis = store_->genesis_hash();
  Reopen();
  EXPECT_EQ(store_->size(), head.size);
  EXPECT_EQ(store_->head().root, head.root);
  EXPECT_EQ(store_->genesis_hash(), genesis);
  EXPECT_EQ(store_->applied_position(), "rev-41");
  // And appending goes on where it stopped.
  TreeHead next = Append(5);
  EXPECT_EQ(next.size, 26u);
  EXPECT_EQ(next.root, RecomputedRoot(*store_, 26));
}

TEST_F(StoreTest, FindEventMapsEventIdToItsIndex) {
  AppendGenesis();
  Append(5);
  const std::string id =
      envelope::EventId(testing::SampleImport(customs_, 3).payload());
  KP_ASSERT_OK_AND_ASSIGN(uint64_t index, store_->FindEvent(id));
  EXPECT_EQ(index, 3u);
  // Many at once: found ones, an unknown one, in the order asked.
  const std::string first =
      envelope::EventId(testing::SampleImport(customs_, 1).payload());
  KP_ASSERT_OK_AND_ASSIGN(
      std::vector<std::optional<uint64_t>> found,
      store_->FindEvents({id, std::string(64, 'b'), first}));
  EXPECT_EQ(found, (std::vector<std::optional<uint64_t>>{3, std::nullopt, 1}));
  EXPECT_THAT(store_->FindEvents({"zz"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has 2 characters, want 64 hex digits"));
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_THAT(
      store_->FindEvents({id, upper}),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not lowercase hex"));
}

TEST_F(StoreTest, StateRecordsAreWrittenWithTheirBatch) {
  AppendGenesis();
  Batch batch = testing::SampleBatch(customs_, 1, 1);
  batch.state.push_back({"parcel/P-1", "state of P-1"});
  KP_ASSERT_OK(store_->Append(batch).status());
  Reopen();
  KP_ASSERT_OK_AND_ASSIGN(std::string got, store_->GetState("parcel/P-1"));
  EXPECT_EQ(got, "state of P-1");
  EXPECT_THAT(store_->GetState("parcel/P-2"),
              StatusIs(absl::StatusCode::kNotFound, "no state record"));
}

TEST_F(StoreTest, ProofsFromTheStoreVerifyAgainstItsRoots) {
  AppendGenesis();
  for (int i = 0; i < 9; ++i) Append(11 + i);
  const uint64_t size = store_->size();
  for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{17}, uint64_t{64},
                     uint64_t{100}, size}) {
    KP_ASSERT_OK_AND_ASSIGN(merkle::Hash root, store_->RootAt(n));
    EXPECT_EQ(root, RecomputedRoot(*store_, n)) << "size " << n;
    std::vector<uint64_t> every_seventh;
    for (uint64_t i = 0; i < n; i += 7) every_seventh.push_back(i);
    ExpectProofsVerify(n, root, every_seventh);
  }
}

TEST_F(StoreTest, TreesSpanningThreeTileLevelsSurviveReopens) {
  // Tile level 2 starts at 65,536 leaves; odd batch sizes and reopens make
  // every tile boundary fall inside a batch, at its edge and across restarts.
  AppendGenesis();
  const size_t batches[] = {255, 1, 1000, 3001, 17, 9000, 256, 30000, 27006};
  std::vector<std::pair<uint64_t, merkle::Hash>> heads;
  for (size_t i = 0; i < std::size(batches); ++i) {
    TreeHead head = Append(batches[i]);
    heads.emplace_back(head.size, head.root);
    if (i % 3 == 2) Reopen();
  }
  const uint64_t size = store_->size();
  ASSERT_EQ(size, 70537u);
  EXPECT_EQ(store_->head().root, RecomputedRoot(*store_, size));
  for (const auto& [n, root] : heads) {
    KP_ASSERT_OK_AND_ASSIGN(merkle::Hash at, store_->RootAt(n));
    EXPECT_EQ(at, root) << "size " << n;
    ExpectProofsVerify(n, root, {0, n / 3, n / 2 + 1, n - 1});
  }
}

TEST_F(StoreTest, StagedBatchIsInvisibleUntilCommitted) {
  AppendGenesis();
  const store::Batch batch = testing::SampleBatch(customs_, 1, 3);
  KP_ASSERT_OK_AND_ASSIGN(StagedBatch staged, store_->Stage(batch));
  EXPECT_EQ(staged.head().size, 4u);
  EXPECT_EQ(store_->size(), 1u);
  EXPECT_THAT(store_->FindEvent(batch.entries[0].event_id),
              StatusIs(absl::StatusCode::kNotFound, "no event"));
  EXPECT_THAT(store_->GetLeaf(1),
              StatusIs(absl::StatusCode::kOutOfRange, "past the log's end"));
  KP_ASSERT_OK_AND_ASSIGN(TreeHead head, store_->Commit(std::move(staged)));
  EXPECT_EQ(head.size, 4u);
  KP_ASSERT_OK_AND_ASSIGN(uint64_t index,
                          store_->FindEvent(batch.entries[0].event_id));
  EXPECT_EQ(index, 1u);
}

TEST_F(StoreTest, PipelinedBatchesBuildTheSameTreeAsOneAtATime) {
  // Stage batch N+1 on this thread while batch N commits on another, as the
  // applier does; the tree must equal the one built a batch at a time.
  std::vector<store::Batch> batches;
  batches.push_back(store::Batch{});
  batches[0].entries.push_back(
      testing::ToPending(testing::SampleGenesis(governance_)));
  uint64_t next = 1;
  for (size_t n : {7, 300, 1, 255, 2000, 64}) {
    batches.push_back(testing::SampleBatch(customs_, next, n));
    next += n;
  }
  std::thread committer;
  absl::StatusOr<TreeHead> last = TreeHead{};
  for (const store::Batch& b : batches) {
    KP_ASSERT_OK_AND_ASSIGN(StagedBatch staged, store_->Stage(b));
    if (committer.joinable()) committer.join();
    KP_ASSERT_OK(last.status());
    committer = std::thread([this, &last, s = std::move(staged)]() mutable {
      last = store_->Commit(std::move(s));
    });
  }
  committer.join();
  KP_ASSERT_OK(last.status());

  const std::string sequential = dir_ + "-sequential";
  std::filesystem::remove_all(sequential);
  KP_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other,
                          Store::Open(sequential));
  for (const store::Batch& b : batches) KP_ASSERT_OK(other->Append(b).status());
  EXPECT_EQ(store_->size(), other->size());
  EXPECT_EQ(store_->head().root, other->head().root);
  Reopen();
  EXPECT_EQ(store_->head().root, other->head().root);
}

// --- Refusals: nothing is written ---

TEST_F(StoreTest, EventInABatchStillCommittingIsRefused) {
  AppendGenesis();
  KP_ASSERT_OK_AND_ASSIGN(StagedBatch first,
                          store_->Stage(testing::SampleBatch(customs_, 1, 5)));
  // Staged: the next batch's entries come after it, readers do not see it.
  EXPECT_EQ(store_->staged_size(), 6u);
  EXPECT_EQ(store_->size(), 1u);
  EXPECT_THAT(store_->Stage(testing::SampleBatch(customs_, 4, 5)),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "is in a batch still being committed"));
  KP_ASSERT_OK(store_->Commit(std::move(first)).status());
  EXPECT_THAT(store_->Stage(testing::SampleBatch(customs_, 4, 5)),
              StatusIs(absl::StatusCode::kAlreadyExists, "is already entry 4"));
  EXPECT_EQ(store_->size(), 6u);
}

// The nice value of each thread of this process named `name`.
std::vector<int> NiceOfThreads(const std::string& name) {
  std::vector<int> nice;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    std::getline(comm, thread_name);
    if (thread_name != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
    // After "(comm)": state is field 3, nice field 19.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19; ++i) fields >> field;
    nice.push_back(std::stoi(field));
  }
  return nice;
}

// Flushes yield the CPU to the appends in front of them: run at the lowest
// priority, a flush does not delay the answers to a burst of submissions.
TEST_F(StoreTest, FlushesRunAtALowerPriority) {
  store_.reset();
  store::StoreOptions small;
  small.write_buffer_bytes = 256 << 10;  // flushes after a few batches
  KP_ASSERT_OK_AND_ASSIGN(store_, Store::Open(dir_, small));
  AppendGenesis();
  for (int i = 0; i < 20; ++i) Append(100);
  std::vector<int> nice;
  for (int i = 0; i < 100 && nice.empty(); ++i) {
    nice = NiceOfThreads("rocksdb:high");
    if (nice.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(nice.empty()) << "no flush thread ran";
  for (int n : nice) EXPECT_EQ(n, 19);
}

TEST_F(StoreTest, BatchesCommittedWithoutASyncAreKeptAfterSync) {
  AppendGenesis();
  for (uint64_t first : {1, 4}) {
    Batch batch = testing::SampleBatch(customs_, first, 3);
    batch.sync = false;
    KP_ASSERT_OK(store_->Append(batch).status());
  }
  const TreeHead head = store_->head();
  KP_ASSERT_OK(store_->Sync());
  Reopen();
  EXPECT_EQ(store_->head().size, 7u);
  EXPECT_EQ(store_->head().root, head.root);
}

TEST_F(StoreTest, CommitOutOfOrderIsRefusedUntilReopen) {
  AppendGenesis();
  KP_ASSERT_OK_AND_ASSIGN(StagedBatch first,
                          store_->Stage(testing::SampleBatch(customs_, 1, 2)));
  KP_ASSERT_OK_AND_ASSIGN(StagedBatch second,
                          store_->Stage(testing::SampleBatch(customs_, 3, 2)));
  EXPECT_THAT(store_->Commit(std::move(second)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "batch staged as number 2 committed when number 1 is "
                       "next"));
  EXPECT_THAT(store_->Commit(std::move(first)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "store must be reopened after a failed commit"));
  EXPECT_THAT(
      store_->Stage(testing::SampleBatch(customs_, 5, 1)),
      StatusIs(absl::StatusCode::kFailedPrecondition, "must be reopened"));
  EXPECT_THAT(store_->Sync(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       "must be reopened"));
  EXPECT_EQ(store_->size(), 1u);
  Reopen();
  EXPECT_EQ(store_->size(), 1u);
  EXPECT_EQ(Append(3).size, 4u);
}

TEST_F(StoreTest, EventAlreadyInTheLogIsRefusedAndNothingIsWritten) {
  AppendGenesis();
  Append(3);
  const TreeHead before = store_->head();
  Batch batch = testing::SampleBatch(customs_, 10, 2);
  batch.entries.push_back(
      testing::ToPending(testing::SampleImport(customs_, 2)));
  batch.state.push_back({"parcel/P-10", "state of P-10"});
  EXPECT_THAT(store_->Append(batch),
              StatusIs(absl::StatusCode::kAlreadyExists, "is already entry 2"));
  Reopen();
  EXPECT_EQ(store_->size(), before.size);
  EXPECT_EQ(store_->head().root, before.root);
  EXPECT_THAT(store_->GetState("parcel/P-10"),
              StatusIs(absl::StatusCode::kNotFound, "no state record"));
}

// A caller that looked its ids up (the applier) saves Stage the reads, but
// only for the log it looked at: ids committed since, repeated in the
// batch or still committing are refused all the same.
TEST_F(StoreTest, IdsFoundAbsentAtAnOlderSizeAreLookedUpAgain) {
  AppendGenesis();
  const uint64_t looked_at = store_->size();
  Batch fresh = testing::SampleBatch(customs_, 1, 3);
  fresh.ids_absent_below = looked_at;
  KP_ASSERT_OK(store_->Append(fresh).status());

  Batch stale = testing::SampleBatch(customs_, 3, 2);  // id 3 is entry 3
  stale.ids_absent_below = looked_at;
  EXPECT_THAT(store_->Append(stale),
              StatusIs(absl::StatusCode::kAlreadyExists, "is already entry 3"));

  Batch twice = testing::SampleBatch(customs_, 10, 1);
  twice.entries.push_back(twice.entries[0]);
  twice.ids_absent_below = store_->size();
  EXPECT_THAT(store_->Append(twice),
              StatusIs(absl::StatusCode::kAlreadyExists, "twice in the batch"));

  KP_ASSERT_OK_AND_ASSIGN(StagedBatch committing,
                          store_->Stage(testing::SampleBatch(customs_, 20, 2)));
  Batch again = testing::SampleBatch(customs_, 21, 1);
  again.ids_absent_below = store_->size();
  EXPECT_THAT(store_->Stage(again),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "is in a batch still being committed"));
  KP_ASSERT_OK(store_->Commit(std::move(committing)).status());
  EXPECT_EQ(store_->size(), 6u);
}

TEST_F(StoreTest, EventTwiceInOneBatchIsRefused) {
  AppendGenesis();
  Batch batch = testing::SampleBatch(customs_, 1, 2);
  batch.entries.push_back(batch.entries[0]);
  EXPECT_THAT(store_->Append(batch),
              StatusIs(absl::StatusCode::kAlreadyExists, "twice in the batch"));
  EXPECT_EQ(store_->size(), 1u);
}

TEST_F(StoreTest, MalformedEventIdIsRefused) {
  Batch batch;
  batch.entries.push_back(PendingEntry{"env", "abc"});
  EXPECT_THAT(store_->Append(batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has 3 characters, want 64 hex digits"));
  batch.entries[0].event_id = std::string(64, 'g');
  EXPECT_THAT(
      store_->Append(batch),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not lowercase hex"));
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(StoreTest, UppercaseEventIdIsRefused) {
  Batch batch = testing::SampleBatch(customs_, 1, 1);
  for (char& c : batch.entries[0].event_id) c = static_cast<char>(toupper(c));
  EXPECT_THAT(
      store_->Append(batch),
      StatusIs(absl::StatusCode::kInvalidArgument, "is not lowercase hex"));
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(StoreTest, LedgerTimeNanosOutOfRangeIsRefused) {
  Batch batch = testing::SampleBatch(customs_, 1, 1);
  batch.ledger_time.nanos = 1000000000;
  EXPECT_THAT(store_->Append(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, "want < 1e9"));
}

TEST_F(StoreTest, ReadsPastTheEndAreOutOfRange) {
  AppendGenesis();
  Append(4);
  EXPECT_THAT(store_->GetLeaf(5), StatusIs(absl::StatusCode::kOutOfRange,
                                           "entry 5 is past the log's end"));
  EXPECT_THAT(store_->InclusionProof(1, 6),
              StatusIs(absl::StatusCode::kOutOfRange, "tree size 6 is past"));
  EXPECT_THAT(store_->ConsistencyProof(2, 9),
              StatusIs(absl::StatusCode::kOutOfRange, "tree size 9 is past"));
  EXPECT_THAT(store_->RootAt(6),
              StatusIs(absl::StatusCode::kOutOfRange, "tree size 6 is past"));
}

TEST_F(StoreTest, UnknownEventIsNotFound) {
  EXPECT_THAT(store_->FindEvent(std::string(64, 'a')),
              StatusIs(absl::StatusCode::kNotFound, "no event aaaa"));
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  EXPECT_THAT(Store::Open(dir_),
              StatusIs(absl::StatusCode::kUnavailable, "cannot open store"));
}

TEST_F(StoreTest, SomeoneElsesRocksDbIsRefusedAndLeftAlone) {
  const std::string other = dir_ + "-other";
  std::filesystem::remove_all(other);
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, other, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "their", "data").ok());
    delete db;
  }
  EXPECT_THAT(Store::Open(other),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "is a RocksDB database but not a kpledger store"));
  std::vector<std::string> families;
  ASSERT_TRUE(
      rocksdb::DB::ListColumnFamilies(rocksdb::Options(), other, &families)
          .ok());
  EXPECT_EQ(families, std::vector<std::string>{"default"});
}

TEST_F(StoreTest, DatabaseOfAnotherFormatIsRefused) {
  store_.reset();
  {
    rocksdb::Options options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "entries", "event_index", "state", "merkle", "meta"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_, families, &handles, &db).ok());
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), handles[5], "format", "someone-else/9")
            .ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  EXPECT_THAT(
      Store::Open(dir_),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               "has format \"someone-else/9\", want \"kpledger-store/1\""));
}

}  // namespace
}  // namespace kpledger::store
