#!/usr/bin/env python3
"""The baseline of bench/backfill_bench: a naive one-process backfill of CUPS page_logs.

Parses each line of the page_log files, inserts every record with one executemany into a SQLite
table with a unique key on (server, job id, timestamp) (duplicates ignored), commits once.
Default sqlite3 settings (rollback journal, synchronous=FULL), like a script written in an
afternoon. Prints one line: "naive_backfill: N lines in S s, CPU C us/line = R lines/s".

Usage: naive_backfill.py DB PAGE_LOG... [--server NAME]
"""
import sqlite3
import sys
import time

MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}


def days_from_civil(y, m, d):
    # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse(line):
    # printer user job-id [dd/Mon/yyyy:hh:mm:ss +zzzz] page copies billing host title media sides
    f = line.rstrip("\n").split(" ")
    stamp, zone = f[3][1:], f[4][:-1]
    day, mon, rest = stamp.split("/")
    year, hh, mm, ss = rest.split(":")
    offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (1 if zone[0] == "+" else -1)
    ts = (days_from_civil(int(year), MONTHS[mon], int(day)) * 86400 + int(hh) * 3600 +
          int(mm) * 60 + int(ss) - offset)
    pages = int(f[6]) if f[5] == "total" else int(f[5])
    return (f[0], f[1], int(f[2]), ts, pages, f[8], " ".join(f[9:-2]), f[-2], f[-1])


def main():
    args = sys.argv[1:]
    server = "prn-bench"
    if "--server" in args:
        i = args.index("--server")
        server = args[i + 1]
        del args[i:i + 2]
    db, logs = args[0], args[1:]
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS jobs(server TEXT NOT NULL, queue TEXT NOT NULL,"
        " user TEXT NOT NULL, job_id INTEGER NOT NULL, ts INTEGER NOT NULL,"
        " pages INTEGER NOT NULL, host TEXT, title TEXT, media TEXT, sides TEXT,"
        " UNIQUE(server, job_id, ts))")
    rows = []
    lines = 0
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                lines += 1
                q, u, job, ts, pages, host, title, media, sides = parse(line)
                rows.append((server, q, u, job, ts, pages, host, title, media, sides))
    conn.executemany(
        "INSERT OR IGNORE INTO jobs(server, queue, user, job_id, ts, pages, host, title, media,"
        " sides) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    secs = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    print(f"naive_backfill: {lines} lines in {secs:.2f} s, CPU {cpu / lines * 1e6:.2f} us/line"
          f" = {lines / secs:.0f} lines/s")


if __name__ == "__main__":
    main()
