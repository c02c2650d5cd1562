#!/bin/bash
# How fast `npm start` (embedded, hashing) learns a large purchase history, and how long requests
# wait meanwhile (docs/benchmarks.md, "Learning while serving"):
#
#   packages/bench/scripts/learning-while-serving.sh [PURCHASES] [OUT_DIR]
#
# A shop of 5,000 customers and 4,000 products with PURCHASES purchases (100,000), imported on a
# fresh data directory; from the first learned purchase until memory holds all of them, user-service
# /healthz and GET /recommendation/42 once a second each (60 s timeout). Ports 8931/8941/8951.
set -euo pipefail
N=${1:-100000}
OUT=${2:-$(mktemp -d /tmp/learning-while-serving-XXXX)}
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$OUT" && rm -rf "$OUT/data" "$OUT/done" "$OUT/probes" "$OUT/progress"
python3 - "$N" "$OUT/shop.csv" <<'PY'
import csv, random, sys
random.seed(42)
rows, out = int(sys.argv[1]), sys.argv[2]
C, P, K = 5000, 4000, 25
w = csv.writer(open(out, 'w', newline=''))
w.writerow('user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags'.split(','))
for i in range(rows):
    u = random.randint(1, C); p = random.randint(1, P); k = p % K
    w.writerow([u, f'Customer {u}', 20 + u % 50, 'Female' if u % 2 else 'Male', f'City {u%40}', f'Cat {u%K}, Cat {(u+1)%K}', 10000 + p, f'Cat {k}', f'Product number {p}', f'Description of product {p} with some words', f'tag{p%17}, tag{p%23}, kind {k}'])
PY
cd "$REPO"
export USER_SERVICE_PORT=8931 CATALOG_SERVICE_PORT=8941 RECOMMENDATION_SERVICE_PORT=8951 DATA_DIR=$OUT/data \
  EMBEDDINGS_MODEL=hashing DATASET_PATH=$OUT/shop.csv
nohup setsid npm start > "$OUT/stack.log" 2>&1 &
STACK=$!
until grep -q "all services are ready" "$OUT/stack.log"; do sleep 1; done
learned() { curl -s -m 120 localhost:8951/metrics | awk '/^recommendation_purchase_statistics_last_purchase_id/ {print int($2)}'; }
probe() { while [ ! -f "$OUT/done" ]; do curl -s -o /dev/null -m 60 -w "$1 %{http_code} %{time_total} $(date +%s.%N)\n" "$2" >> "$OUT/probes" || true; sleep 1; done; }
started=""
while :; do
  v=$(learned || true); now=$(date +%s.%N)
  if [ -z "$started" ] && [ "${v:-0}" -gt 0 ]; then
    started=$now
    probe healthz localhost:8931/healthz & probe reco localhost:8951/recommendation/42 &
  fi
  echo "$now ${v:-}" >> "$OUT/progress"
  [ "${v:-0}" -ge "$N" ] && break
  sleep 1
done
ended=$(date +%s.%N); touch "$OUT/done"; sleep 3  # the probes in flight finish
echo "purchases=$N learn_seconds=$(echo "$ended - $started" | bc) per_second=$(echo "$N / ($ended - $started)" | bc)"
for kind in healthz reco; do
  grep "^$kind" "$OUT/probes" | sort -k3 -n | awk -v k=$kind '{t[NR]=$3; c[$2]++} END {
    printf "%s: %d probes, worst %.1f s, median %.2f s, statuses", k, NR, t[NR], t[int((NR+1)/2)];
    for (s in c) printf " %s x%d", s, c[s]; print "" }'
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# setsid made npm a group leader: the signal reaches the stack under it.
kill -INT -- -"$STACK"; wait "$STACK" || true
