// The inventory and directory part of the store contract: what the CSV imports (and the
// directory sync) write. Reading them back is UsageSource::LoadInventory. Every engine
// implements it.
#ifndef RAMETTE_AGGREGATOR_STORE_INVENTORY_STORE_H_
#define RAMETTE_AGGREGATOR_STORE_INVENTORY_STORE_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "aggregator/model/direction_contacts.h"
#include "aggregator/model/inventory.h"
#include "common/status.h"

namespace ramette::aggregator::store {

// Called with consecutive batches of rows.
template <typename Row>
using RowBatchVisitor = std::function<Status(std::span<const Row>)>;
// Rows handed over in batches: each call passes every row once, in order, to `visit` (the same
// rows on every call), and stops at the first error, visit's or its own, which it returns.
template <typename Row>
using RowBatches = std::function<Status(const RowBatchVisitor<Row>& visit)>;
using UserDirectionBatchVisitor = RowBatchVisitor<model::UserDirection>;
using UserDirectionBatches = RowBatches<model::UserDirection>;
using WorkstationBatchVisitor = RowBatchVisitor<model::WorkstationCount>;
using WorkstationBatches = RowBatches<model::WorkstationCount>;
using DeviceBatchVisitor = RowBatchVisitor<model::Device>;
using DeviceBatches = RowBatches<model::Device>;
using PurchaseBatchVisitor = RowBatchVisitor<model::Purchase>;
using PurchaseBatches = RowBatches<model::Purchase>;
using MeterReadingBatchVisitor = RowBatchVisitor<model::MeterReading>;
using MeterReadingBatches = RowBatches<model::MeterReading>;

// Each write is one transaction: all or nothing. Re-importing updates rows, never duplicates
// them. Thread-safe; not re-entrant.
// Errors: InvalidArgument (the rows break a rule: nothing written), IoError, Unavailable
// (locked or unreachable; retry), FailedPrecondition (schema).
class InventoryStore {
 public:
  virtual ~InventoryStore() = default;
  // Inserts or updates paper stocks by paper_id.
  virtual Status UpsertPapers(const std::vector<model::Paper>& papers) = 0;
  // `devices` holds service periods (one Device each, see model/inventory.h). For every
  // (server, queue) it names: creates the queue's row if needed (an existing queue keeps its
  // id, which jobs and rollups reference, and what agents reported) and replaces all its
  // periods by the given ones, which classifies it. Queues not named are untouched.
  // Device::id and Device::classified are ignored. InvalidArgument when two periods of a queue
  // break CheckServicePeriods (model/inventory.h).
  Status UpsertDevices(const std::vector<model::Device>& devices) {
    return UpsertDeviceBatches(
        [&devices](const DeviceBatchVisitor& visit) { return visit(devices); });
  }
  // The same, the periods read in batches (a queue's periods may be in several), as
  // ReplaceUserDirectionBatches.
  virtual Status UpsertDeviceBatches(const DeviceBatches& devices) = 0;
  // For every user named in `rows`, replaces all of that user's rows by the given ones; other
  // users' rows are untouched.
  Status ReplaceUserDirections(const std::vector<model::UserDirection>& rows) {
    return ReplaceUserDirectionBatches(
        [&rows](const UserDirectionBatchVisitor& visit) { return visit(rows); });
  }
  // The same, the rows read in batches (a million-row import need not hold them all): the store
  // calls `rows` once or more while it holds the write, so `rows` must not call the store. An
  // error `rows` returns is returned, and nothing is written.
  virtual Status ReplaceUserDirectionBatches(const UserDirectionBatches& rows) = 0;
  // Inserts or updates workstation counts by (direction, date).
  Status UpsertWorkstations(const std::vector<model::WorkstationCount>& counts) {
    return UpsertWorkstationBatches(
        [&counts](const WorkstationBatchVisitor& visit) { return visit(counts); });
  }
  // The same, the counts read in batches, as ReplaceUserDirectionBatches.
  virtual Status UpsertWorkstationBatches(const WorkstationBatches& counts) = 0;
  // For every direction named in `rows`, replaces its report addresses by the given ones (none
  // for an empty list); other directions are untouched.
  virtual Status ReplaceDirectionContacts(const std::vector<model::DirectionContacts>& rows) = 0;
  // Purchases (schema v11; FailedPrecondition below). Replaces every stored purchase dated in one
  // of model::PurchaseYears(rows) by `rows`, kept in their order (UsageSource::LoadPurchases
  // returns them by date, then in import order); purchases of other years are untouched.
  // Re-importing a file therefore changes nothing.
  Status ReplacePurchases(const std::vector<model::Purchase>& rows) {
    return ReplacePurchaseBatches(
        [&rows](const PurchaseBatchVisitor& visit) { return visit(rows); });
  }
  // The same, the rows read in batches (the years are those of every batch), as
  // ReplaceUserDirectionBatches.
  virtual Status ReplacePurchaseBatches(const PurchaseBatches& rows) = 0;
  // Meter readings (schema v14; FailedPrecondition below): inserts or updates by (server, queue,
  // date), with their counters, and lists their devices (meter_devices). The counter rule is
  // the import's (imports::ParseMetersCsv checks, model::CountedMeterReadings counts), not the
  // store's: when a device gains a reading, all its readings must be given again, counted.
  Status UpsertMeterReadings(const std::vector<model::MeterReading>& rows) {
    return UpsertMeterReadingBatches(
        [&rows](const MeterReadingBatchVisitor& visit) { return visit(rows); });
  }
  // The same, the readings read in batches, as ReplaceUserDirectionBatches (in (server, queue,
  // date) order, as CountedMeterReadings returns them, the SQLite store writes fastest).
  virtual Status UpsertMeterReadingBatches(const MeterReadingBatches& rows) = 0;
  // Ids of the stored paper stocks, sorted.
  virtual Result<std::vector<std::string>> KnownPaperIds() = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_INVENTORY_STORE_H_
