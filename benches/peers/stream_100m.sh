#!/usr/bin/env bash
# The streaming benchmark of issue 13: a generated 100,000,000-row CSV log
# (about 2.5 GB: customer_id,date,amount over 10,000,000 customers and two
# years), summarised by `customer-value summary --stream always`, against
# the time to read the file (warm, from the page cache) and polars'
# streaming engine on the same file. Reports wall time, peak RSS and MB/s
# of each, from `/usr/bin/time -v`.
#
#   benches/peers/stream_100m.sh DIR [ROWS] [CUSTOMERS]
#
# Two raw reads are the reference: `cat FILE | wc -c` (the bytes go
# through a pipe, as a reader of the file must at least take them) and a
# Python loop of 1 MiB `os.read` calls. (`cat FILE > /dev/null` is no
# reference: coreutils' cat may not read at all when its output is
# /dev/null.)
#
# DIR must have about 8 GB free (the log, the spill files, the outputs).
# The log is deleted at the end unless KEEP=1. Environment: CARGO_TARGET_DIR
# (where the release binary is built), PYTHON (default python3),
# OLD_BIN (another build of customer-value, run alternately with this one),
# REPEAT (runs of each build, default 1), POLARS=0 (skip polars).
set -euo pipefail
dir=${1:?usage: stream_100m.sh DIR [ROWS] [CUSTOMERS]}
rows=${2:-100000000}
customers=${3:-10000000}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
target=${CARGO_TARGET_DIR:-$root/target}
mkdir -p "$dir"
log="$dir/log_${rows}.csv"

rustc -O --edition 2021 "$here/gen_stream_log.rs" -o "$dir/gen_stream_log"
if [ ! -s "$log" ]; then
    echo "generating $rows rows over $customers customers into $log"
    /usr/bin/time -f "generated in %e s" "$dir/gen_stream_log" "$rows" "$customers" "$log"
fi
(cd "$root" && cargo build --release -p customer-value-cli --quiet)
bin="$target/release/customer-value"
bytes=$(stat -c %s "$log")

# name, then the command: prints "name wall_s peak_rss_kib"
measure() {
    local name=$1
    shift
    /usr/bin/time -v "$@" 2> "$dir/$name.time" > /dev/null || {
        cat "$dir/$name.time"
        exit 1
    }
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$dir/$name.time" | awk '{print $NF}' |
        awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(grep "Maximum resident set size" "$dir/$name.time" | awk '{print $NF}')
    echo "$name $wall $rss" >> "$dir/results.txt"
    echo "$name: $wall s, peak RSS $((rss / 1024)) MiB"
}

: > "$dir/results.txt"
cat "$log" | wc -c > /dev/null
measure cat_pipe_wc sh -c 'cat "$1" | wc -c' sh "$log"
measure python_read "$python" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
n = 0
while True:
    b = os.read(fd, 1 << 20)
    if not b:
        break
    n += len(b)
print(n)' "$log"
for run in $(seq "${REPEAT:-1}"); do
    if [ -n "${OLD_BIN:-}" ]; then
        measure "old_customer_value_$run" "$OLD_BIN" summary --input "$log" \
            --observation-end 2023-12-31 --stream always --quiet --temp-dir "$dir" \
            -o "$dir/summary_old.csv"
    fi
    measure "customer_value_$run" "$bin" summary --input "$log" --observation-end 2023-12-31 \
        --stream always --quiet --temp-dir "$dir" -o "$dir/summary.csv"
done
if [ -n "${OLD_BIN:-}" ]; then
    cmp "$dir/summary_old.csv" "$dir/summary.csv" && echo "old and new outputs are identical"
fi
if [ "${POLARS:-1}" != 0 ]; then
    measure polars_streaming "$python" "$here/polars_stream_summary.py" --input "$log" \
        --observation-end 2023-12-31 --out "$dir/polars.csv"
fi

echo
echo "| what | wall (s) | peak RSS (MiB) | MB/s | x cat pipe | x Python read |"
echo "|---|---|---|---|---|---|"
cat_wall=$(awk '$1 == "cat_pipe_wc" {print $2}' "$dir/results.txt")
py_wall=$(awk '$1 == "python_read" {print $2}' "$dir/results.txt")
while read -r name wall rss; do
    awk -v n="$name" -v w="$wall" -v r="$rss" -v b="$bytes" -v c="$cat_wall" -v p="$py_wall" \
        'BEGIN { printf "| %s | %.2f | %.0f | %.0f | %.1f | %.1f |\n", n, w, r / 1024, b / 1e6 / w, w / c, w / p }'
done < "$dir/results.txt"
echo
echo "rows: $rows, customers: $customers, file: $bytes bytes; customers in both outputs:"
echo "  customer-value $(($(wc -l < "$dir/summary.csv") - 1))"
if [ -s "$dir/polars.csv" ]; then
    echo "  polars $(($(wc -l < "$dir/polars.csv") - 1))"
fi
if [ "${KEEP:-0}" != 1 ]; then
    rm -f "$log" "$dir/summary.csv" "$dir/summary_old.csv" "$dir/polars.csv"
fi
