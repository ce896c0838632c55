#!/usr/bin/env bash
# Start-up to ready on SQLite with the release binary: wall time from exec
# until /readyz first answers 200, and resident memory once ready.
#   cargo build --release -p techreg && scripts/measure-startup.sh
# "fresh": empty data folder (migrations, demo seed, key generation);
# "existing": the same folder again (the usual restart).
set -euo pipefail
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/techreg}
RUNS=${RUNS:-10}
PORT=${PORT:-18089}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p techreg ($BIN missing)"; exit 1; }

stats() { sort -n | awk '{a[NR]=$1} END {printf "min %d  median %d  max %d", a[1], a[int((NR+1)/2)], a[NR]}'; }

for mode in fresh existing; do
  dir=$(mktemp -d)
  times=(); rss=()
  for _ in $(seq 1 "$RUNS"); do
    [ "$mode" = fresh ] && rm -rf "$dir/data"
    start=$(date +%s%N)
    TECHREG_DATA_DIR="$dir/data" TECHREG_DATABASE_URL="sqlite://$dir/data/techreg.db" \
      TECHREG_LISTEN="127.0.0.1:$PORT" TECHREG_LOG__FILTER=warn \
      "$BIN" serve --demo >/dev/null 2>&1 &
    pid=$!
    until curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz"; do sleep 0.002; done
    end=$(date +%s%N)
    rss+=("$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$pid/status")")
    kill -TERM "$pid"; wait "$pid" || true
    times+=($(( (end - start) / 1000000 )))
  done
  rm -rf "$dir"
  echo "$mode: start-up to ready (ms): $(printf '%s\n' "${times[@]}" | stats); RSS when ready (MiB): $(printf '%s\n' "${rss[@]}" | stats)"
done
