#!/bin/sh
# Peak RSS of `ramette import KIND FILE` for ~30 MiB files of every big import (issue 12: under 3x
# the file size), each into a fresh SQLite store. The files are generated (awk, deterministic).
# Usage: bench/import_memory.sh [ramette=build/aggregator/cli/ramette] [dir=/tmp/ramette-import-mem]
set -eu
RAMETTE=${1:-build/aggregator/cli/ramette}
DIR=${2:-/tmp/ramette-import-mem}
mkdir -p "$DIR"

# users: 1,000,000 rows, 40 directions, every 10th user with 2 dated rows, every 25th with 3.
[ -f "$DIR/users.csv" ] || awk 'BEGIN {
  print "user,direction,valid_from,valid_to"
  n = 0; u = 0
  while (n < 1000000) {
    u++; name = sprintf("EXAMPLE\\u%07d", u); d = "Direction " (u % 40)
    if (u % 25 == 0) {
      print name "," d ",,2019-01-01"; print name ",Direction " ((u + 1) % 40) ",2019-01-01,2021-07-01"
      print name ",Direction " ((u + 2) % 40) ",2021-07-01,"; n += 3
    } else if (u % 10 == 0) {
      print name "," d ",,2020-03-15"; print name ",Direction " ((u + 7) % 40) ",2020-03-15,"; n += 2
    } else { print name "," d ",,"; n++ }
  } }' > "$DIR/users.csv"

# papers (for devices and purchases)
printf 'paper_id,recycled,grammage_gsm\nA4-80,yes,80\nA4-90,no,90\nA3-80,oui,80\n' > "$DIR/papers.csv"

# devices: 100 servers x 2,000 queues, 2 service periods each (400,000 rows)
[ -f "$DIR/devices.csv" ] || awk 'BEGIN {
  print "server,queue,class,direction,paper_id,in_service,out_of_service"
  for (s = 0; s < 100; s++) for (q = 0; q < 2000; q++) {
    srv = sprintf("print%02d.example.org", s); que = sprintf("queue-%05d", q)
    print srv "," que ",mfp,Direction " (q % 40) ",A4-80,2018-01-01,2021-06-01"
    print srv "," que ",desktop_printer,Direction " ((q + 3) % 40) ",,2021-06-01,"
  } }' > "$DIR/devices.csv"

# purchases: 500,000 rows over 2018-2021
[ -f "$DIR/purchases.csv" ] || awk 'BEGIN {
  print "date,direction,paper_id,format,quantity,unit,amount_eur_ht,use"
  for (i = 0; i < 500000; i++)
    printf "%d-%02d-%02d,Direction %d,A4-80,A4,%d,reams,%d.%02d,office\n", 2018 + i % 4,
      1 + i % 12, 1 + i % 28, i % 40, 1 + i % 50, 3 + i % 200, i % 100
  }' > "$DIR/purchases.csv"

# meters: the 1,000 queues of print00 x 672 days (28 a month, 2018-2019: 672,000 rows), counters
# growing; their devices are the first 2,000 rows of devices.csv
[ -f "$DIR/meters.csv" ] || awk 'BEGIN {
  print "server,queue,date,total_impressions"
  for (q = 0; q < 1000; q++) for (d = 0; d < 672; d++)
    printf "print00.example.org,queue-%05d,%d-%02d-%02d,%d\n", q, 2018 + int(d / 336),
      1 + int(d / 28) % 12, 1 + d % 28, 1000 + d * (q + 17)
  }' > "$DIR/meters.csv"
head -n 2001 "$DIR/devices.csv" > "$DIR/meters-devices.csv"

# workstations: 40 directions x 28 days x 12 months x 75 years (1,008,000 rows)
[ -f "$DIR/workstations.csv" ] || awk 'BEGIN {
  print "direction,date,count"
  for (y = 1950; y < 2025; y++) for (m = 1; m <= 12; m++) for (d = 1; d <= 28; d++)
    for (k = 0; k < 40; k++) printf "Direction %d,%d-%02d-%02d,%d\n", k, y, m, d, 100 + (d + k) % 900
  }' > "$DIR/workstations.csv"

# One import: KIND FILE [DB]; prints the file size, peak RSS and the ratio.
run() {
  kind=$1 file=$2 db=${3:-$DIR/$1.db}
  size=$(stat -c %s "$file")
  out=$(/usr/bin/time -v "$RAMETTE" --db "$db" import "$kind" "$file" 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  rss_kb=$(echo "$out" | sed -n 's/.*Maximum resident set size (kbytes): //p')
  wall=$(echo "$out" | sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p')
  awk -v k="$kind" -v s="$size" -v r="$rss_kb" -v w="$wall" 'BEGIN {
    printf "%-13s file %6.1f MiB  peak RSS %6.1f MiB  %4.2fx  (%s)\n", k, s / 1048576,
      r / 1024, r * 1024 / s, w }'
}

rm -f "$DIR"/*.db "$DIR"/*.db-*
run users "$DIR/users.csv"
run papers "$DIR/papers.csv" "$DIR/devices.db" >/dev/null
run devices "$DIR/devices.csv"
run papers "$DIR/papers.csv" "$DIR/purchases.db" >/dev/null
run purchases "$DIR/purchases.csv"
run papers "$DIR/papers.csv" "$DIR/meters.db" >/dev/null
run devices "$DIR/meters-devices.csv" "$DIR/meters.db" >/dev/null
run meters "$DIR/meters.csv"
run workstations "$DIR/workstations.csv"
