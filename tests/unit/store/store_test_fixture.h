// A fixture for tests that open, fill and reopen a real RocksDB store in a
// fresh directory under TEST_TMPDIR.
#ifndef KPLEDGER_TESTS_UNIT_STORE_STORE_TEST_FIXTURE_H_
#define KPLEDGER_TESTS_UNIT_STORE_STORE_TEST_FIXTURE_H_

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ledger/store/store.h"
#include "tests/testing/sample_events.h"
#include "tests/testing/status_matchers.h"

namespace kpledger::testing {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = (std::filesystem::path(tmp ? tmp : "/tmp") /
            ::testing::UnitTest::GetInstance()->current_test_info()->name())
               .string();
    std::filesystem::remove_all(dir_);
    Reopen();
  }

  void Reopen() {
    store_.reset();
    auto store = store::Store::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Appends entry 0 (a genesis).
  void AppendGenesis() {
    store::Batch batch;
    batch.ledger_time = entry::LedgerTime{1788000000, 0};
    batch.entries.push_back(ToPending(SampleGenesis(governance_)));
    ASSERT_TRUE(store_->Append(batch).ok());
  }

  // Appends `count` sample imports as one batch.
  store::TreeHead Append(size_t count) {
    auto head = store_->Append(SampleBatch(customs_, store_->size(), count));
    EXPECT_TRUE(head.ok()) << head.status();
    return head.ok() ? *head : store::TreeHead{};
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  crypto::PrivateKey governance_ = DeterministicKey("governance");
  crypto::PrivateKey customs_ = DeterministicKey("customs");
};

}  // namespace kpledger::testing

#endif  // KPLEDGER_TESTS_UNIT_STORE_STORE_TEST_FIXTURE_H_
