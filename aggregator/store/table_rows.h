// TableRows: the store part behind `ramette store copy` (store/store_copy.h): a table's rows as
// plain values, read in key order and inserted when absent, the same on every engine. The copy
// rules (which tables, in which order, what a conflict is) are in store_copy.cc; an engine only
// maps these engine-independent rows to its own columns and types.
#ifndef RAMETTE_AGGREGATOR_STORE_TABLE_ROWS_H_
#define RAMETTE_AGGREGATOR_STORE_TABLE_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

namespace ramette::aggregator::store {

// A column's value: NULL, an integer (flags are 0 or 1), a real or a text.
using CopyValue = std::variant<std::monostate, int64_t, double, std::string>;
// A row: one value per column of its CopyTable, in the table's order.
using CopyRow = std::vector<CopyValue>;

enum class CopyType {
  kInt,   // integers, ids, days, unix seconds
  kBool,  // a flag: 0 or 1 here (SQLite INTEGER, PostgreSQL boolean)
  kReal,
  kText,
};

struct CopyColumn {
  std::string name;  // the engine-independent name (PostgreSQL's user_directions.user_name: "user")
  CopyType type;
};

// A unique key besides the primary key. `within_window` names one of `columns` compared with
// the job identity's window (SameJobCompletion) instead of equality.
struct CopyKey {
  std::vector<std::string> columns;
  std::string within_window;
};

// A table as the copy sees it. The primary key is the first `key_size` columns; key order is
// numeric for integers and bytewise for text (SQLite's BINARY, PostgreSQL's "C" collation).
struct CopyTable {
  std::string name;
  std::vector<CopyColumn> columns;
  size_t key_size = 1;
  std::vector<CopyKey> unique_keys;
};

// Every method is thread-safe (serialised with the store's other calls) and fails with the
// store's errors (store.h). The store's other parts must not be writing the same tables
// meanwhile: `store copy` wants the aggregators stopped.
class TableRows {
 public:
  virtual ~TableRows() = default;

  // The database's tables (not views, not temporary tables), by name, in any order.
  virtual Result<std::vector<std::string>> TableNames() = 0;
  // The engine-independent names of `table`'s columns in this database, in any order.
  virtual Result<std::vector<std::string>> ColumnNames(const CopyTable& table) = 0;
  // Up to `limit` rows of `table` in key order, with a key greater than `after` (a key: the
  // first key_size values; empty: from the start) and not greater than `through` (empty: no
  // bound). One statement, so one consistent snapshot.
  virtual Result<std::vector<CopyRow>> ReadRows(const CopyTable& table, const CopyRow& after,
                                                const CopyRow& through, size_t limit) = 0;
  // Up to `limit` rows whose columns `columns` (indexes into table.columns) equal `values`.
  virtual Result<std::vector<CopyRow>> FindRows(const CopyTable& table,
                                                const std::vector<size_t>& columns,
                                                const CopyRow& values, size_t limit) = 0;
  virtual Result<int64_t> CountRows(const CopyTable& table) = 0;
  // Inserts `rows` (none of whose primary keys is stored) in one transaction, together with what
  // the engine derives from them: the rollups of inserted jobs (at once on PostgreSQL, by the
  // next fold on SQLite) and PostgreSQL's identity sequences moved past the inserted ids. When a
  // row is refused because a stored row holds one of its unique keys, nothing is inserted and
  // the result is that row's index; rows.size() when every row was inserted.
  virtual Result<size_t> InsertRows(const CopyTable& table, const std::vector<CopyRow>& rows) = 0;
  // After a copy into this database: derived state brought up to date (SQLite folds the
  // rollups). Idempotent.
  virtual Status FinishCopy() = 0;
};

}  // namespace ramette::aggregator::store

#endif  // RAMETTE_AGGREGATOR_STORE_TABLE_ROWS_H_
