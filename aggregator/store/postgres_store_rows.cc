// PostgresStore, TableRows part: whole tables for `ramette store copy`.
#include <libpq-fe.h>

#include <unordered_set>
#include <utility>

#include "aggregator/store/postgres_store.h"
#include "aggregator/store/postgres_store_internal.h"

namespace ramette::aggregator::store {

namespace {

// postgres_store_internal.h
using postgres_internal::ColumnBool;
using postgres_internal::ColumnInt;
using postgres_internal::ColumnNull;
using postgres_internal::ColumnText;
using postgres_internal::CopyInt;
using postgres_internal::CopyText;
using postgres_internal::Params;
using postgres_internal::PgResult;

}  // namespace

// ---------------------------------------------------------------------------------------------
// TableRows: whole tables for `ramette store copy` (store/store_copy.h). The engine-independent
// rows map to this schema's columns: user_directions.user is user_name here, flags are
// booleans; text keys are compared and ordered with the "C" collation, as SQLite does.

namespace {

std::string PgColumnName(const CopyTable& t, const std::string& column) {
  if (t.name == "user_directions" && column == "user") return "user_name";
  return column;
}

std::string PgQuoted(const std::string& name) { return "\"" + name + "\""; }

std::string PgColumnList(const CopyTable& t) {
  std::string out;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) out += ", ";
    out += PgQuoted(PgColumnName(t, t.columns[i].name));
  }
  return out;
}

// The key columns, text ones in the "C" collation: for ORDER BY and row comparisons.
std::string PgKeyList(const CopyTable& t) {
  std::string out;
  for (size_t i = 0; i < t.key_size; ++i) {
    if (i > 0) out += ", ";
    out += PgQuoted(PgColumnName(t, t.columns[i].name));
    if (t.columns[i].type == CopyType::kText) out += " COLLATE \"C\"";
  }
  return out;
}

// A value as a text parameter (or NULL); also how RETURNING prints keys.
void AddCopyParam(Params& p, const CopyValue& v, CopyType type) {
  if (const int64_t* n = std::get_if<int64_t>(&v)) {
    if (type == CopyType::kBool) {
      p.Bool(*n != 0);
    } else {
      p.Int(*n);
    }
  } else if (const double* d = std::get_if<double>(&v)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    p.Raw(buf);
  } else if (const std::string* t = std::get_if<std::string>(&v)) {
    p.Text(*t);
  } else {
    p.Null();
  }
}

std::string KeyString(const CopyTable& t, const CopyRow& row) {
  std::string out;
  for (size_t i = 0; i < t.key_size; ++i) {
    if (const int64_t* n = std::get_if<int64_t>(&row[i])) {
      out += std::to_string(*n);
    } else if (const std::string* s = std::get_if<std::string>(&row[i])) {
      out += *s;
    }
    out.push_back('\x1f');
  }
  return out;
}

CopyValue PgCopyValue(const PGresult* r, int row, int col, CopyType type) {
  if (ColumnNull(r, row, col)) return std::monostate();
  switch (type) {
    case CopyType::kInt:
      return ColumnInt(r, row, col);
    case CopyType::kBool:
      return static_cast<int64_t>(ColumnBool(r, row, col) ? 1 : 0);
    case CopyType::kReal:
      return std::strtod(PQgetvalue(r, row, col), nullptr);
    case CopyType::kText:
      return ColumnText(r, row, col);
  }
  return std::monostate();
}

std::vector<CopyRow> PgCopyRows(const PGresult* r, const CopyTable& t) {
  std::vector<CopyRow> rows;
  const int n = PQntuples(r);
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    CopyRow row;
    row.reserve(t.columns.size());
    for (size_t c = 0; c < t.columns.size(); ++c) {
      row.push_back(PgCopyValue(r, i, static_cast<int>(c), t.columns[c].type));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t CopiedInt(const CopyTable& t, const CopyRow& row, const char* column) {
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (t.columns[c].name == column) {
      const int64_t* v = std::get_if<int64_t>(&row[c]);
      return v != nullptr ? *v : 0;
    }
  }
  return 0;
}

}  // namespace

Result<std::vector<std::string>> PostgresStore::TableNames() {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
      " AND table_type = 'BASE TABLE' ORDER BY table_name",
      "listing the tables");
  if (!r.ok()) return r.status();
  std::vector<std::string> names;
  for (int i = 0; i < PQntuples(r->get()); ++i) names.push_back(ColumnText(r->get(), i, 0));
  return names;
}

Result<std::vector<std::string>> PostgresStore::ColumnNames(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  Result<PgResult> r = conn_->Run(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
      " AND table_name = $1 ORDER BY ordinal_position",
      Params().Text(table.name), "listing the columns of " + table.name);
  if (!r.ok()) return r.status();
  std::vector<std::string> names;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    std::string name = ColumnText(r->get(), i, 0);
    if (table.name == "user_directions" && name == "user_name") name = "user";
    names.push_back(std::move(name));
  }
  return names;
}

Result<std::vector<CopyRow>> PostgresStore::ReadRows(const CopyTable& table, const CopyRow& after,
                                                     const CopyRow& through, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  const std::string key = PgKeyList(table);
  std::string sql = "SELECT " + PgColumnList(table) + " FROM " + PgQuoted(table.name);
  Params p;
  auto bound = [&](const CopyRow& b) {
    std::string out = "(";
    for (size_t k = 0; k < table.key_size; ++k) {
      AddCopyParam(p, b[k], table.columns[k].type);
      if (k > 0) out += ", ";
      out += "$" + std::to_string(p.size());
    }
    return out + ")";
  };
  if (!after.empty()) sql += " WHERE (" + key + ") > " + bound(after);
  if (!through.empty()) {
    sql += std::string(after.empty() ? " WHERE" : " AND") + " (" + key + ") <= " + bound(through);
  }
  sql += " ORDER BY " + key;
  if (limit < static_cast<size_t>(INT64_MAX)) {
    sql += " LIMIT " + std::to_string(limit);
  }
  Result<PgResult> r = conn_->Run(sql.c_str(), p, "reading " + table.name);
  if (!r.ok()) return r.status();
  return PgCopyRows(r->get(), table);
}

Result<std::vector<CopyRow>> PostgresStore::FindRows(const CopyTable& table,
                                                     const std::vector<size_t>& columns,
                                                     const CopyRow& values, size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  RAMETTE_RETURN_IF_ERROR(ReadyLocked());
  std::string sql =
      "SELECT " + PgColumnList(table) + " FROM " + PgQuoted(table.name) + " WHERE true";
  Params p;
  for (size_t i = 0; i < columns.size(); ++i) {
    const CopyColumn& c = table.columns[columns[i]];
    const std::string name = PgQuoted(PgColumnName(table, c.name));
    if (std::holds_alternative<std::monostate>(values[i])) {
      sql += " AND " + name + " IS NULL";
      continue;
    }
    AddCopyParam(p, values[i], c.type);
    sql += " AND " + name + " = $" + std::to_string(p.size());
  }
  sql += " LIMIT " + std::to_string(limit);
  Result<PgResult> r = conn_->Run(sql.c_str(), p, "reading " + table.name);
  if (!r.ok()) return r.status();
  return PgCopyRows(r->get(), table);
}

Result<int64_t> PostgresStore::CountRows(const CopyTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string sql = "SELECT COUNT(*) FROM " + PgQuoted(table.name);
  return CountLocked(sql.c_str());
}

Result<size_t> PostgresStore::InsertRows(const CopyTable& table, const std::vector<CopyRow>& rows) {
  std::lock_guard<std::mutex> lock(mu_);
  RAMETTE_RETURN_IF_ERROR(RequireSchemaLocked(kLatestSchemaVersion));
  // The rows go by COPY into a temporary table shaped like the target, then into the table in
  // one INSERT ... SELECT ... ON CONFLICT DO NOTHING that returns the keys it inserted.
  const std::string staging = PgQuoted("copy_in_" + table.name);
  const std::string columns = PgColumnList(table);
  const std::string create = "CREATE TEMPORARY TABLE IF NOT EXISTS " + staging + " (LIKE " +
                             PgQuoted(table.name) + ") ON COMMIT DELETE ROWS";
  const std::string copy = "COPY " + staging + "(" + columns + ") FROM STDIN";
  std::string insert = "INSERT INTO " + PgQuoted(table.name) + "(" + columns + ") SELECT " +
                       columns + " FROM " + staging + " ON CONFLICT DO NOTHING";
  for (size_t k = 0; k < table.key_size; ++k) {
    insert += (k > 0 ? ", " : " RETURNING ") + PgQuoted(PgColumnName(table, table.columns[k].name));
  }
  std::string data;
  for (const CopyRow& row : rows) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c > 0) data.push_back('\t');
      const CopyValue& v = row[c];
      if (const int64_t* n = std::get_if<int64_t>(&v)) {
        if (table.columns[c].type == CopyType::kBool) {
          data.push_back(*n != 0 ? 't' : 'f');
        } else {
          CopyInt(data, *n);
        }
      } else if (const double* d = std::get_if<double>(&v)) {
        char buf[40];
        data.append(buf, static_cast<size_t>(std::snprintf(buf, sizeof buf, "%.17g", *d)));
      } else if (const std::string* t = std::get_if<std::string>(&v)) {
        CopyText(data, *t);
      } else {
        data += "\\N";
      }
    }
    data.push_back('\n');
  }
  size_t refused = rows.size();
  Status st = InTransactionLocked([&]() -> Status {
    // (SET LOCAL: no "already exists" notice on stderr.)
    RAMETTE_RETURN_IF_ERROR(conn_->Exec("SET LOCAL client_min_messages = warning", "copying"));
    RAMETTE_RETURN_IF_ERROR(conn_->Exec(create.c_str(), "copying into " + table.name));
    RAMETTE_RETURN_IF_ERROR(conn_->CopyIn(copy.c_str(), data, "copying into " + table.name));
    Result<PgResult> res = conn_->Run(insert.c_str(), "copying into " + table.name);
    if (!res.ok()) return res.status();
    if (static_cast<size_t>(PQntuples(res->get())) != rows.size()) {
      std::unordered_set<std::string> inserted;
      for (int i = 0; i < PQntuples(res->get()); ++i) {
        std::string k;
        for (size_t c = 0; c < table.key_size; ++c) {
          k += ColumnText(res->get(), i, static_cast<int>(c));
          k.push_back('\x1f');
        }
        inserted.insert(std::move(k));
      }
      for (size_t r = 0; r < rows.size() && refused == rows.size(); ++r) {
        if (inserted.count(KeyString(table, rows[r])) == 0) refused = r;
      }
      if (refused == rows.size()) refused = 0;           // cannot tell which: the first
      return Status::FailedPrecondition("row refused");  // rolls the batch back
    }
    if (table.name == "jobs") {
      // The copied jobs' rollup contributions, by the one rule (store_rules.h).
      std::vector<RollupDelta> daily;
      daily.reserve(rows.size());
      for (const CopyRow& row : rows) {
        RollupKey key;
        key.day = static_cast<Day>(CopiedInt(table, row, "local_day"));
        key.user_id = CopiedInt(table, row, "user_id");
        key.device_id = CopiedInt(table, row, "device_id");
        key.area_um2 = CopiedInt(table, row, "area_um2");
        model::StoredJob job;  // only what FiguresOf reads
        job.sheets = CopiedInt(table, row, "sheets");
        job.record.impressions_completed = CopiedInt(table, row, "impressions");
        job.record.sides = static_cast<Sides>(CopiedInt(table, row, "sides"));
        job.record.color_mode = static_cast<ColorMode>(CopiedInt(table, row, "color_mode"));
        job.media_known = CopiedInt(table, row, "media_known") != 0;
        daily.push_back(AddedJobDelta(key, FiguresOf(job)));
      }
      RAMETTE_RETURN_IF_ERROR(ApplyRollupDeltasLocked(std::move(daily)));
    }
    if (table.key_size == 1 && table.columns[0].name == "id" &&
        table.columns[0].type == CopyType::kInt) {
      // Ids the aggregators take next come after the copied ones.
      const std::string sql = "SELECT setval(pg_get_serial_sequence('" + table.name +
                              "', 'id'), m) FROM (SELECT max(id) AS m FROM " +
                              PgQuoted(table.name) + ") x WHERE m IS NOT NULL";
      RAMETTE_RETURN_IF_ERROR(conn_->Exec(sql.c_str(), "moving the id sequence"));
    }
    return Status::Ok();
  });
  if (refused < rows.size()) return refused;
  if (!st.ok()) return st;
  return rows.size();
}

Status PostgresStore::FinishCopy() { return Status::Ok(); }

}  // namespace ramette::aggregator::store
