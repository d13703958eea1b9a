// The Outbox contract, run against both implementations (SqliteOutbox on a real file in a fresh
// temporary folder, and the MemoryOutbox fake): order, ids, bounds, cursor atomicity, threads.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "agent/outbox/memory_outbox.h"
#include "agent/outbox/outbox.h"
#include "agent/outbox/outbox_test_util.h"
#include "agent/outbox/record_codec.h"
#include "agent/outbox/sqlite_outbox.h"

namespace ramette::agent {
namespace {

using testing::JobId;
using testing::MakeJob;
using testing::MakeQueue;
using testing::TempDir;

struct SqliteFactory {
  TempDir dir;
  std::unique_ptr<Outbox> Make(OutboxLimits limits, std::function<int64_t()> now_ms) {
    auto r = SqliteOutbox::Open(dir.File(SqliteOutbox::kFileName), {limits, std::move(now_ms)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
};

struct MemoryFactory {
  std::unique_ptr<Outbox> Make(OutboxLimits limits, std::function<int64_t()> now_ms) {
    return std::make_unique<MemoryOutbox>(limits, std::move(now_ms));
  }
};

template <typename Factory>
class OutboxContractTest : public ::testing::Test {
 protected:
  std::unique_ptr<Outbox> Make(OutboxLimits limits = {}) {
    return factory_.Make(limits, [this] { return now_ms_.load(); });
  }
  Factory factory_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

using Implementations = ::testing::Types<SqliteFactory, MemoryFactory>;
class ImplementationNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteFactory> ? "Sqlite" : "Memory";
  }
};
TYPED_TEST_SUITE(OutboxContractTest, Implementations, ImplementationNames);

std::vector<int64_t> Ids(const std::vector<OutboxEntry>& entries) {
  std::vector<int64_t> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

TYPED_TEST(OutboxContractTest, StartsEmpty) {
  auto outbox = this->Make();
  ASSERT_NE(outbox, nullptr);
  auto peek = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(peek.ok());
  EXPECT_TRUE(peek->empty());
  auto stats = outbox->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->depth, 0);
  EXPECT_EQ(stats->bytes, 0);
  EXPECT_EQ(stats->oldest_enqueued_at_ms, 0);
  EXPECT_EQ(outbox->LoadCursor().status().code(), Status::Code::kNotFound);
}

TYPED_TEST(OutboxContractTest, AppendPeekRemoveIsFifo) {
  auto outbox = this->Make();
  ASSERT_NE(outbox, nullptr);
  ASSERT_TRUE(outbox->Append({MakeJob(1), MakeJob(2), MakeQueue("hall")}, nullptr).ok());
  this->now_ms_ += 5000;
  ASSERT_TRUE(outbox->Append({MakeJob(3)}, nullptr).ok());

  auto all = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(JobId((*all)[0].item), 1);
  EXPECT_EQ(JobId((*all)[1].item), 2);
  EXPECT_EQ(std::get<QueueRecord>((*all)[2].item).name, "hall");
  EXPECT_EQ(JobId((*all)[3].item), 3);
  for (size_t i = 1; i < all->size(); ++i) EXPECT_GT((*all)[i].id, (*all)[i - 1].id);
  EXPECT_EQ((*all)[0].enqueued_at_ms, 1'700'000'000'000);
  EXPECT_EQ((*all)[3].enqueued_at_ms, 1'700'000'005'000);
  int64_t bytes = 0;
  for (const auto& e : *all) {
    EXPECT_EQ(e.size_bytes, EncodedSize(e.item));
    bytes += e.size_bytes;
  }
  auto stats = outbox->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->depth, 4);
  EXPECT_EQ(stats->bytes, bytes);
  EXPECT_EQ(stats->oldest_enqueued_at_ms, 1'700'000'000'000);

  // Peek removes nothing.
  auto again = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Ids(*again), Ids(*all));

  ASSERT_TRUE(outbox->Remove({(*all)[0].id, (*all)[1].id}).ok());
  auto rest = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Ids(*rest), (std::vector<int64_t>{(*all)[2].id, (*all)[3].id}));
  stats = outbox->Stats();
  EXPECT_EQ(stats->depth, 2);
  EXPECT_EQ(stats->bytes, (*all)[2].size_bytes + (*all)[3].size_bytes);
  EXPECT_EQ(stats->oldest_enqueued_at_ms, 1'700'000'000'000);
  ASSERT_TRUE(outbox->Remove({(*all)[2].id}).ok());
  EXPECT_EQ(outbox->Stats()->oldest_enqueued_at_ms, 1'700'000'005'000);
}

TYPED_TEST(OutboxContractTest, PeekRespectsItsBoundsButReturnsAtLeastOne) {
  auto outbox = this->Make();
  ASSERT_NE(outbox, nullptr);
  std::vector<OutboxItem> items;
  for (int i = 1; i <= 10; ++i) items.push_back(MakeJob(i));
  ASSERT_TRUE(outbox->Append(items, nullptr).ok());
  const int64_t one = EncodedSize(items[0]);

  EXPECT_EQ(outbox->Peek(3, 1 << 20)->size(), 3u);
  EXPECT_EQ(outbox->Peek(500, 3 * one)->size(), 3u);
  EXPECT_EQ(outbox->Peek(500, 3 * one + one / 2)->size(), 3u);
  auto tiny = outbox->Peek(500, 1);
  ASSERT_TRUE(tiny.ok());
  ASSERT_EQ(tiny->size(), 1u);  // a record larger than max_bytes still comes out, alone
  EXPECT_EQ(JobId(tiny->front().item), 1);
  EXPECT_TRUE(outbox->Peek(0, 1 << 20)->empty());
}

TYPED_TEST(OutboxContractTest, RemoveIgnoresUnknownIdsAndIdsAreNeverReused) {
  auto outbox = this->Make();
  ASSERT_NE(outbox, nullptr);
  ASSERT_TRUE(outbox->Append({MakeJob(1), MakeJob(2)}, nullptr).ok());
  auto first = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(outbox->Remove(Ids(*first)).ok());
  ASSERT_TRUE(outbox->Remove(Ids(*first)).ok());  // a retried Remove
  ASSERT_TRUE(outbox->Remove({123456, -1}).ok());
  EXPECT_EQ(outbox->Stats()->depth, 0);
  EXPECT_EQ(outbox->Stats()->bytes, 0);

  ASSERT_TRUE(outbox->Append({MakeJob(3)}, nullptr).ok());
  auto next = outbox->Peek(500, 1 << 20);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_GT(next->front().id, first->back().id);
  // Removing the old ids again must not touch the new record.
  ASSERT_TRUE(outbox->Remove(Ids(*first)).ok());
  EXPECT_EQ(outbox->Stats()->depth, 1);
}

TYPED_TEST(OutboxContractTest, CursorIsStoredWithTheRecords) {
  auto outbox = this->Make();
  ASSERT_NE(outbox, nullptr);
  CaptureCursor c1{7, 12, 40, 1700000000, "localhost:631", std::string("\x00\x01", 2)};
  ASSERT_TRUE(outbox->Append({MakeJob(1)}, &c1).ok());
  EXPECT_EQ(*outbox->LoadCursor(), c1);
  // No cursor: the stored one stays.
  ASSERT_TRUE(outbox->Append({MakeJob(2)}, nullptr).ok());
  EXPECT_EQ(*outbox->LoadCursor(), c1);
  // No records: only the cursor moves.
  CaptureCursor c2 = c1;
  c2.next_sequence = 13;
  ASSERT_TRUE(outbox->Append({}, &c2).ok());
  EXPECT_EQ(*outbox->LoadCursor(), c2);
  EXPECT_EQ(outbox->Stats()->depth, 2);
}

TYPED_TEST(OutboxContractTest, FullOutboxRefusesAndStoresNothing) {
  auto outbox = this->Make(OutboxLimits{5, 1 << 20});
  ASSERT_NE(outbox, nullptr);
  CaptureCursor c1{1, 4, 3, 0, "cups", ""};
  ASSERT_TRUE(outbox->Append({MakeJob(1), MakeJob(2), MakeJob(3), MakeJob(4)}, &c1).ok());

  CaptureCursor c2{1, 6, 5, 0, "cups", ""};
  Status st = outbox->Append({MakeJob(5), MakeJob(6)}, &c2);
  EXPECT_TRUE(IsOutboxFull(st)) << st.ToString();
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("outbox full"), std::string::npos);
  EXPECT_EQ(outbox->Stats()->depth, 4);
  EXPECT_EQ(*outbox->LoadCursor(), c1);  // the capture's cursor did not move
  EXPECT_FALSE(IsOutboxFull(Status::FailedPrecondition("something else")));
  EXPECT_FALSE(IsOutboxFull(Status::Ok()));

  // A cursor alone still moves when full (events that produced no record).
  CaptureCursor c1b = c1;
  c1b.subscription_id = 2;
  ASSERT_TRUE(outbox->Append({}, &c1b).ok());

  // The forwarder removes acknowledged records; the capture's retry then succeeds.
  auto peek = outbox->Peek(1, 1 << 20);
  ASSERT_TRUE(outbox->Remove(Ids(*peek)).ok());
  ASSERT_TRUE(outbox->Append({MakeJob(5), MakeJob(6)}, &c2).ok());
  EXPECT_EQ(outbox->Stats()->depth, 5);
  EXPECT_EQ(*outbox->LoadCursor(), c2);
  EXPECT_TRUE(IsOutboxFull(outbox->Append({MakeJob(7)}, nullptr)));
}

TYPED_TEST(OutboxContractTest, ByteBoundAndOversizedBatchIntoEmptyOutbox) {
  const int64_t one = EncodedSize(MakeJob(1));
  auto outbox = this->Make(OutboxLimits{1000, 3 * one});
  ASSERT_NE(outbox, nullptr);
  // Into an empty outbox even a batch beyond the bound goes: it must not block the capture.
  std::vector<OutboxItem> big;
  for (int i = 1; i <= 5; ++i) big.push_back(MakeJob(i));
  ASSERT_TRUE(outbox->Append(big, nullptr).ok());
  EXPECT_TRUE(IsOutboxFull(outbox->Append({MakeJob(6)}, nullptr)));
  auto all = outbox->Peek(500, 1 << 20);
  ASSERT_TRUE(outbox->Remove({(*all)[0].id, (*all)[1].id, (*all)[2].id}).ok());
  ASSERT_TRUE(outbox->Append({MakeJob(6)}, nullptr).ok());  // 3 records: at the byte bound
  EXPECT_TRUE(IsOutboxFull(outbox->Append({MakeJob(7)}, nullptr)));
}

TYPED_TEST(OutboxContractTest, CaptureAndForwarderThreadsTogether) {
  auto outbox = this->Make(OutboxLimits{200, 1 << 20});
  ASSERT_NE(outbox, nullptr);
  constexpr int kJobs = 1000;
  std::atomic<bool> capture_failed{false};
  std::thread capture([&] {
    int next = 1;
    while (next <= kJobs && !capture_failed) {
      std::vector<OutboxItem> items;
      for (int i = 0; i < 10; ++i) items.push_back(MakeJob(next + i));
      CaptureCursor c{1, next + 10, next + 9, 0, "cups", ""};
      Status st = outbox->Append(items, &c);
      if (IsOutboxFull(st)) {
        std::this_thread::yield();
        continue;
      }
      if (!st.ok()) {
        ADD_FAILURE() << st.ToString();
        capture_failed = true;
      }
      next += 10;
    }
  });
  std::vector<int32_t> received;
  while (static_cast<int>(received.size()) < kJobs && !capture_failed) {
    auto batch = outbox->Peek(37, 1 << 20);
    Status st = batch.ok() ? outbox->Remove(Ids(*batch)) : batch.status();
    if (!st.ok()) {
      ADD_FAILURE() << st.ToString();
      capture_failed = true;  // ends the capture thread too
      break;
    }
    for (const auto& e : *batch) received.push_back(JobId(e.item));
  }
  capture.join();
  ASSERT_EQ(static_cast<int>(received.size()), kJobs);
  for (int i = 0; i < kJobs; ++i) ASSERT_EQ(received[i], i + 1);
  EXPECT_EQ(outbox->Stats()->depth, 0);
  EXPECT_EQ(outbox->LoadCursor()->next_sequence, kJobs + 1);
}

TEST(MemoryOutboxTest, ScriptedFailuresChangeNothing) {
  MemoryOutbox outbox;
  CaptureCursor c{1, 2, 3, 4, "cups", ""};
  ASSERT_TRUE(outbox.Append({MakeJob(1)}, &c).ok());
  outbox.FailNext(MemoryOutbox::Op::kAppend, Status::IoError("disk full"), 2);
  CaptureCursor c2{9, 9, 9, 9, "cups", ""};
  EXPECT_EQ(outbox.Append({MakeJob(2)}, &c2).code(), Status::Code::kIoError);
  EXPECT_EQ(outbox.Append({MakeJob(2)}, &c2).code(), Status::Code::kIoError);
  EXPECT_EQ(outbox.Contents().size(), 1u);
  EXPECT_EQ(*outbox.LoadCursor(), c);
  ASSERT_TRUE(outbox.Append({MakeJob(2)}, &c2).ok());
  outbox.FailNext(MemoryOutbox::Op::kRemove, Status::IoError("disk full"));
  EXPECT_FALSE(outbox.Remove({1}).ok());
  EXPECT_EQ(outbox.Contents().size(), 2u);
}

}  // namespace
}  // namespace ramette::agent
