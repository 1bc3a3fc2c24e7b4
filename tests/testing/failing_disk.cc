#include "tests/testing/failing_disk.h"

#include <string>
#include <utility>

#include "rocksdb/file_system.h"

namespace kpledger::testing {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

IOStatus Refused() { return IOStatus::IOError("injected disk failure"); }

class FailingFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FailingFile(std::unique_ptr<rocksdb::FSWritableFile> file,
              std::shared_ptr<std::atomic<bool>> failing)
      : FSWritableFileOwnerWrapper(std::move(file)),
        failing_(std::move(failing)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    if (*failing_) return Refused();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (*failing_) return Refused();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    if (*failing_) return Refused();
    return FSWritableFileOwnerWrapper::Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    if (*failing_) return Refused();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (*failing_) return Refused();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  std::shared_ptr<std::atomic<bool>> failing_;
};

class FailingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FailingFileSystem(std::shared_ptr<std::atomic<bool>> failing)
      : FileSystemWrapper(rocksdb::FileSystem::Default()),
        failing_(std::move(failing)) {}
  const char* Name() const override { return "FailingFileSystem"; }

  IOStatus NewWritableFile(const std::string& name,
                           const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* file,
                           IODebugContext* dbg) override {
    if (*failing_) return Refused();
    IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok())
      *file = std::make_unique<FailingFile>(std::move(*file), failing_);
    return s;
  }

 private:
  std::shared_ptr<std::atomic<bool>> failing_;
};

}  // namespace

FailingDisk::FailingDisk()
    : failing_(std::make_shared<std::atomic<bool>>(false)),
      env_(rocksdb::NewCompositeEnv(
          std::make_shared<FailingFileSystem>(failing_))) {}

FailingDisk::~FailingDisk() = default;

}  // namespace kpledger::testing
