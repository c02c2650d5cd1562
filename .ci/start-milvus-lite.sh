#!/usr/bin/env bash
# Start a Milvus Lite (PyPI `milvus-lite`) gRPC server in the background.
#
#   .ci/start-milvus-lite.sh          # install if needed, start, wait until it answers
#   .ci/start-milvus-lite.sh status   # exit 0 if a server answers CheckHealth on the port
#   .ci/start-milvus-lite.sh stop     # stop the server this script started (pid file)
#
# Idempotent: if a Milvus server already answers CheckHealth on the port it does
# nothing; the venv is reused when it already has the pinned versions.
#
# Environment (all optional):
#   MILVUS_VENV            venv to install into     (default $HOME/.cache/milvus-lite-venv)
#   MILVUS_PORT            port                     (default 19530)
#   MILVUS_HOST            bind/check address       (default 127.0.0.1)
#   MILVUS_DATA_DIR        data directory           (default /tmp/milvus-lite-data)
#   MILVUS_RUN_DIR         where pid/log files go   (default /tmp)
#   MILVUS_LITE_VERSION    milvus-lite version      (default 3.2.2; empty = latest)
#   PYMILVUS_VERSION       pymilvus version         (default 3.0.2; empty = latest)
#   MILVUS_START_TIMEOUT   seconds to wait          (default 120)
#   PYTHON                 interpreter for the venv (default python3)
set -euo pipefail

MILVUS_VENV="${MILVUS_VENV:-$HOME/.cache/milvus-lite-venv}"
MILVUS_PORT="${MILVUS_PORT:-19530}"
MILVUS_HOST="${MILVUS_HOST:-127.0.0.1}"
MILVUS_DATA_DIR="${MILVUS_DATA_DIR:-/tmp/milvus-lite-data}"
MILVUS_RUN_DIR="${MILVUS_RUN_DIR:-/tmp}"
MILVUS_LITE_VERSION="${MILVUS_LITE_VERSION-3.2.2}"
PYMILVUS_VERSION="${PYMILVUS_VERSION-3.0.2}"
MILVUS_START_TIMEOUT="${MILVUS_START_TIMEOUT:-120}"
PYTHON="${PYTHON:-python3}"

PID_FILE="$MILVUS_RUN_DIR/milvus-lite-$MILVUS_PORT.pid"
LOG_FILE="$MILVUS_RUN_DIR/milvus-lite-$MILVUS_PORT.log"
LOCK_FILE="$MILVUS_RUN_DIR/milvus-lite-$MILVUS_PORT.lock"
VPY="$MILVUS_VENV/bin/python"

log() { echo "[start-milvus-lite] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$MILVUS_HOST/$MILVUS_PORT") 2>/dev/null; }

# 0 when a Milvus-protocol server answers CheckHealth with isHealthy=true.
healthy() {
  [ -x "$VPY" ] || return 1
  "$VPY" - "$MILVUS_HOST:$MILVUS_PORT" <<'PY' >/dev/null 2>&1
import sys
import grpc
from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc
with grpc.insecure_channel(sys.argv[1]) as ch:
    r = milvus_pb2_grpc.MilvusServiceStub(ch).CheckHealth(milvus_pb2.CheckHealthRequest(), timeout=5)
sys.exit(0 if r.isHealthy else 1)
PY
}

venv_ok() {
  [ -x "$VPY" ] && "$VPY" - "$MILVUS_LITE_VERSION" "$PYMILVUS_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
import milvus_lite, pymilvus.grpc_gen  # noqa: F401  (the server imports both)
want_lite, want_pym = sys.argv[1], sys.argv[2]
ok = (not want_lite or version("milvus-lite") == want_lite) and (not want_pym or version("pymilvus") == want_pym)
sys.exit(0 if ok else 1)
PY
}

ensure_venv() {
  if venv_ok; then return 0; fi
  log "installing milvus-lite${MILVUS_LITE_VERSION:+==$MILVUS_LITE_VERSION} + pymilvus${PYMILVUS_VERSION:+==$PYMILVUS_VERSION} into $MILVUS_VENV"
  command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"
  if [ ! -x "$VPY" ]; then
    mkdir -p "$(dirname "$MILVUS_VENV")"
    "$PYTHON" -m venv "$MILVUS_VENV" || die "could not create venv at $MILVUS_VENV (Debian: apt-get install python3-venv)"
  fi
  "$VPY" -m pip install --quiet --disable-pip-version-check \
    "milvus-lite${MILVUS_LITE_VERSION:+==$MILVUS_LITE_VERSION}" \
    "pymilvus${PYMILVUS_VERSION:+==$PYMILVUS_VERSION}" || die "pip install failed"
  venv_ok || die "venv at $MILVUS_VENV still lacks milvus-lite/pymilvus after install"
}

do_stop() {
  if [ -f "$PID_FILE" ]; then
    pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then
      # SIGINT is ignored by background jobs; SIGTERM is safe (the WAL is fsynced, data survives).
      kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      log "stopped milvus-lite pid $pid (port $MILVUS_PORT)"
    else
      log "pid $pid from $PID_FILE is not running"
    fi
    rm -f "$PID_FILE"
  else
    log "no pid file $PID_FILE; nothing to stop"
  fi
}

case "${1:-start}" in
  stop) do_stop; exit 0 ;;
  status)
    if healthy; then log "healthy on $MILVUS_HOST:$MILVUS_PORT"; exit 0; fi
    log "nothing healthy on $MILVUS_HOST:$MILVUS_PORT"; exit 1 ;;
  start) ;;
  *) die "usage: $0 [start|status|stop]" ;;
esac

mkdir -p "$MILVUS_RUN_DIR"
# Serialise concurrent starts on the same port: gRPC binds with SO_REUSEPORT, so two
# servers CAN listen on one port at once and the kernel would split connections.
if command -v flock >/dev/null; then
  exec 9>"$LOCK_FILE"
  flock -w "$MILVUS_START_TIMEOUT" 9 || die "timed out waiting for lock $LOCK_FILE"
fi

if port_open; then
  ensure_venv
  if healthy; then
    log "a Milvus server already answers on $MILVUS_HOST:$MILVUS_PORT; nothing to do"
    exit 0
  fi
  die "port $MILVUS_PORT is in use but does not answer Milvus CheckHealth"
fi

ensure_venv
mkdir -p "$MILVUS_DATA_DIR"
log "starting milvus-lite on $MILVUS_HOST:$MILVUS_PORT (data $MILVUS_DATA_DIR, log $LOG_FILE)"
echo "==== $(date '+%F %T') start port=$MILVUS_PORT data=$MILVUS_DATA_DIR" >>"$LOG_FILE"
SETSID=""; command -v setsid >/dev/null && SETSID="setsid"
PYTHONUNBUFFERED=1 nohup $SETSID "$MILVUS_VENV/bin/milvus-lite" server \
  --data-dir "$MILVUS_DATA_DIR" --host "$MILVUS_HOST" --port "$MILVUS_PORT" \
  >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$PID_FILE"

start_s=$SECONDS
while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "milvus-lite (pid $pid) exited during start-up; last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2
    rm -f "$PID_FILE"
    exit 1
  fi
  if port_open && healthy; then
    log "milvus-lite ready on $MILVUS_HOST:$MILVUS_PORT (pid $pid, $((SECONDS - start_s)) s)"
    exit 0
  fi
  if [ $((SECONDS - start_s)) -ge "$MILVUS_START_TIMEOUT" ]; then
    log "milvus-lite did not answer within ${MILVUS_START_TIMEOUT}s; last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    exit 1
  fi
  sleep 0.5
done
