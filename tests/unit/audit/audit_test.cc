#include "ledger/audit/audit.h"

#include <functional>

#include "ledger/base/encoding.h"
#include "ledger/envelope/dsse.h"
#include "ledger/store/keys.h"
#include "ledger/store/tile.h"
#include "rocksdb/db.h"
#include "tests/unit/store/store_test_fixture.h"

namespace kpledger::audit {
namespace {

using ::kpledger::testing::StatusIs;

class AuditTest : public testing::StoreTest {
 protected:
  // Closes the store, applies `edit` to the raw value of `key` in `family`
  // (nullopt deletes it), and reopens.
  void EditRaw(absl::string_view family, const std::string& key,
               const std::function<void(std::string*)>& edit,
               bool erase = false) {
    store_.reset();
    rocksdb::Options options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    const char* names[] = {"default", "entries", "event_index",
                           "state",   "merkle",  "meta"};
    for (const char* name : names) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_, families, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* h = nullptr;
    for (size_t i = 0; i < families.size(); ++i) {
      if (family == names[i]) h = handles[i];
    }
    ASSERT_NE(h, nullptr);
    if (erase) {
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), h, key).ok());
    } else {
      std::string value;
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), h, key, &value).ok());
      edit(&value);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), h, key, value).ok());
    }
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    delete db;
    Reopen();
  }

  void FlipByte(absl::string_view family, const std::string& key,
                size_t offset) {
    EditRaw(family, key,
            [offset](std::string* v) { (*v)[offset % v->size()] ^= 0x20; });
  }

  void Fill() {
    AppendGenesis();
    for (int i = 0; i < 5; ++i) Append(40);
  }
};

TEST_F(AuditTest, CleanStorePassesWithTheStoresRoot) {
  Fill();
  std::vector<uint64_t> progress;
  KP_ASSERT_OK_AND_ASSIGN(AuditReport report,
                          AuditStore(*store_, [&](uint64_t done, uint64_t) {
                            progress.push_back(done);
                          }));
  EXPECT_EQ(report.entries, 201u);
  EXPECT_EQ(report.root, store_->head().root);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 201u);
}

TEST_F(AuditTest, EmptyStorePasses) {
  KP_ASSERT_OK_AND_ASSIGN(AuditReport report, AuditStore(*store_));
  EXPECT_EQ(report.entries, 0u);
}

// --- Corruptions: each is found and the entry named ---

TEST_F(AuditTest, FlippedByteInAnEnvelopeNamesTheEntry) {
  Fill();
  FlipByte(store::kEntriesFamily, store::EntryKey(137), 120);
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss, "entry 137: "));
}

TEST_F(AuditTest, FlippedByteInTheLedgerTimeNamesTheEntry) {
  Fill();
  FlipByte(store::kEntriesFamily, store::EntryKey(58), 15);
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss, "entry 58: leaf hash"));
}

TEST_F(AuditTest, LeafNamingAnotherIndexIsFound) {
  Fill();
  FlipByte(store::kEntriesFamily, store::EntryKey(9), 8);
  EXPECT_THAT(AuditStore(*store_), StatusIs(absl::StatusCode::kDataLoss,
                                            "entry 9: leaf names index"));
}

TEST_F(AuditTest, FlippedMerkleNodeIsFound) {
  Fill();
  // 201 entries: tile (0, 0) has width 201 and holds node (3, 5).
  FlipByte(store::kMerkleFamily, store::TileKey(store::TileId{0, 0}),
           store::Tile::EncodedOffset(201, 3, 5) + 7);
  // Node (3, 5) covers leaves 40..47; it is completed by leaf 47.
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "entry 47: recomputed Merkle node"));
}

TEST_F(AuditTest, MissingEntryIsFound) {
  Fill();
  EditRaw(store::kEntriesFamily, store::EntryKey(100), nullptr, /*erase=*/true);
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "entry 100: is missing (next stored entry is 101)"));
}

TEST_F(AuditTest, MissingLastEntryIsFound) {
  Fill();
  EditRaw(store::kEntriesFamily, store::EntryKey(200), nullptr, /*erase=*/true);
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "entry 200: is missing (stored tree size is 201)"));
}

TEST_F(AuditTest, EventIndexPointingElsewhereIsFound) {
  Fill();
  const std::string id = *base::HexDecode(
      envelope::EventId(testing::SampleImport(customs_, 33).payload()));
  EditRaw(store::kEventIndexFamily, id,
          [](std::string* v) { *v = store::EncodeU64(34); });
  EXPECT_THAT(AuditStore(*store_),
              StatusIs(absl::StatusCode::kDataLoss, "entry 33: event id"));
}

}  // namespace
}  // namespace kpledger::audit
