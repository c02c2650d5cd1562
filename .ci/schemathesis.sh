#!/usr/bin/env bash
# An outside fuzzer against the live stack: schemathesis (PyPI) reads each service's OpenAPI
# document and checks every answer against it (`--checks all`: no 5xx, only documented
# statuses, content types and schemas, valid input accepted, invalid input refused, 405 for
# undeclared methods, auth enforced). The stack runs as `npm start` runs it, on the embedded
# defaults (PGlite, the embedded vector index), with a fresh data folder, the hashing embedder
# (no model download in CI) and an INTERNAL_API_TOKEN so the internal routes' auth is tested.
#
#   bash .ci/schemathesis.sh                    # install if needed, start the stack, fuzz, stop
#   SCHEMATHESIS_EXAMPLES=200 bash .ci/schemathesis.sh
#
# Environment (all optional):
#   SCHEMATHESIS_VENV      venv to install into  (default $HOME/.cache/schemathesis-venv)
#   SCHEMATHESIS_VERSION   pinned version        (default 4.32.5)
#   SCHEMATHESIS_EXAMPLES  examples per operation (default 40; the run takes ~1-3 minutes)
#   SCHEMATHESIS_SEED      hypothesis seed        (default 20261125: failures reproduce)
#   SCHEMATHESIS_PORT_BASE ports BASE+1, +11, +21 (default 18100)
# Exits non-zero on any failure; each failure is printed with a curl command to reproduce it.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SCHEMATHESIS_VENV:-$HOME/.cache/schemathesis-venv}"
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-40}"
SEED="${SCHEMATHESIS_SEED:-20261125}"
BASE="${SCHEMATHESIS_PORT_BASE:-18100}"
USER_PORT=$((BASE + 1)) CATALOG_PORT=$((BASE + 11)) RECO_PORT=$((BASE + 21))
TOKEN="schemathesis-ci-token-$(date +%s)"

log() { echo "[schemathesis] $*" >&2; }

# --- install (idempotent: reused when the venv already has the pinned version) ---
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  log "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi

WORK="$(mktemp -d /tmp/schemathesis-ci.XXXXXX)"
STACK_PID=""
cleanup() {
  if [ -n "$STACK_PID" ] && kill -0 "$STACK_PID" 2>/dev/null; then
    kill -INT "$STACK_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$STACK_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$STACK_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the stack, as `npm start` runs it ---
log "starting the stack on ports $USER_PORT, $CATALOG_PORT, $RECO_PORT (log: $WORK/stack.log)"
env -u DATABASE_URL -u MILVUS_ADDRESS \
  USER_SERVICE_PORT="$USER_PORT" CATALOG_SERVICE_PORT="$CATALOG_PORT" RECOMMENDATION_SERVICE_PORT="$RECO_PORT" \
  DATA_DIR="$WORK/data" EMBEDDINGS_MODEL=hashing INTERNAL_API_TOKEN="$TOKEN" LOG_LEVEL=warn \
  node scripts/run.mjs start >"$WORK/stack.log" 2>&1 &
STACK_PID=$!
for port in "$USER_PORT" "$CATALOG_PORT" "$RECO_PORT"; do
  for attempt in $(seq 1 180); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    if ! kill -0 "$STACK_PID" 2>/dev/null || [ "$attempt" -eq 180 ]; then
      log "the stack did not get ready"; tail -50 "$WORK/stack.log" >&2; exit 1
    fi
    sleep 1
  done
done
log "stack ready"

# --- what the schemas cannot say, excluded by name for one operation of catalog-service ---
# Every check (`--checks all`); set in the file rather than on the command line, where it
# would override the per-operation exclusion below.
echo 'checks.enabled = true' >"$WORK/all-checks.toml"
cat "$WORK/all-checks.toml" - >"$WORK/catalog-service.toml" <<'TOML'

# POST /Purchases/: `category_id` must be the product's current category (a rule across two
# records; JSON Schema describes one request). A schema-valid purchase naming another
# category is rightly a 422, which positive_data_acceptance counts as a failure. The rule is
# in the operation's description.
[[operations]]
include-name = "POST /Purchases/"
checks.positive_data_acceptance.enabled = false
TOML

# Each service's full report goes to a file; the CI log gets one line per service (the
# reports' pytest-like banners read as a test run that ran nothing to tools scanning the log),
# and the whole report when a service fails.
status=0
for service in "user-service:$USER_PORT" "catalog-service:$CATALOG_PORT" "recommendation-service:$RECO_PORT"; do
  name="${service%%:*}" port="${service##*:}"
  config="$WORK/all-checks.toml"
  [ -f "$WORK/$name.toml" ] && config="$WORK/$name.toml"
  # From $WORK: schemathesis keeps a cache folder (.schemathesis/) in its working directory.
  if (cd "$WORK" && "$VENV/bin/schemathesis" --no-color --config-file "$config" run \
    "http://127.0.0.1:$port/docs/json" \
    --max-examples "$EXAMPLES" --seed "$SEED" --no-shrink --workers 1 \
    --header "Authorization: Bearer $TOKEN" --request-timeout 30 \
    --suppress-health-check too_slow,filter_too_much) >"$WORK/$name.report" 2>&1; then
    log "$name: $EXAMPLES examples per operation, seed $SEED: $(grep -E '^ *[0-9]+ generated' "$WORK/$name.report" | xargs)"
  else
    status=1
    log "$name: FAILED"
    cat "$WORK/$name.report" >&2
  fi
done
[ "$status" -eq 0 ] && log "0 failures" || tail -30 "$WORK/stack.log" >&2
exit "$status"
