#!/usr/bin/env bash
# The whole test suite. Uses PostgreSQL and Redis on this machine when they answer (integration tests need
# them); with CI=true their absence, or Chromium's, fails the run instead of skipping tests.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

pg_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gp}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}

if [ -z "${DATABASE_URL:-}" ] && $PY - "$pg_url" <<'PYCODE' 2>/dev/null
import sys, dj_database_url, psycopg
db = dj_database_url.parse(sys.argv[1])
psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
                dbname="postgres", connect_timeout=3).close()
PYCODE
then export DATABASE_URL=$pg_url; fi
if [ -z "${REDIS_URL:-}" ] && $PY -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" "$redis_url" 2>/dev/null
then export REDIS_URL=$redis_url; fi
export REDIS_KEY_PREFIX="test$$"

echo "== database: ${DATABASE_URL:-SQLite (PostgreSQL not found)}; redis: ${REDIS_URL:-none}; CI=${CI:-false}"
# Models against migrations needs no database: check on the embedded default (the test database does not exist yet).
env -u DATABASE_URL -u REDIS_URL $PY manage.py makemigrations --check --dry-run -v0 || { echo "Models changed without migrations."; exit 1; }

status=0
# The whole suite runs on PostgreSQL+Redis (when found), and again on the embedded default every newcomer gets
# (SQLite, in-memory layer), where tests marked integration, browser or postgres are left out (conftest.py skips
# them there even with CI=true). To use both cores, the PostgreSQL run is split in two processes, each with its own
# test database and Redis key prefix: the live pass (tests marked integration or browser: running platforms, a
# browser, mostly waiting) beside the rest, which the embedded pass follows. Their output is printed in that order.
# GP_TEST_SERIAL=1 runs the three one after the other.
live_dir=""
if [ -n "${DATABASE_URL:-}" ] && [ $# -eq 0 ]; then
  live_dir=$(mktemp -d)
  url=${DATABASE_URL%%\?*}
  live_url="${url}_live${DATABASE_URL#"$url"}"
  live() {
    DATABASE_URL=$live_url REDIS_KEY_PREFIX="test$$live" .venv/bin/pytest -m "integration or browser" -p no:cacheprovider
  }
  embedded() {
    env -u DATABASE_URL -u REDIS_URL GP_EMBEDDED_PASS=1 VAR_DIR="$live_dir/var" MEDIA_ROOT="$live_dir/media" \
      .venv/bin/pytest -m "not integration and not browser and not postgres" -q -p no:cacheprovider
  }
  passed() { [ "$1" -eq 0 ] || [ "$1" -eq 5 ]; }  # 5: no test selected, nothing failed
  if [ "${GP_TEST_SERIAL:-}" = "1" ]; then
    .venv/bin/pytest -m "not integration and not browser" || status=$?
    live; live_status=$?
    echo "== the embedded default (SQLite, in-memory layer): every test not marked integration, browser or postgres"
    embedded; embedded_status=$?
  else
    live >"$live_dir/live.log" 2>&1 &
    live_pid=$!
    .venv/bin/pytest -m "not integration and not browser" || status=$?
    embedded >"$live_dir/embedded.log" 2>&1; embedded_status=$?
    wait "$live_pid"; live_status=$?
    echo "== the live pass (PostgreSQL, Redis): tests marked integration or browser"
    cat "$live_dir/live.log"
    echo "== the embedded default (SQLite, in-memory layer): every test not marked integration, browser or postgres"
    cat "$live_dir/embedded.log"
  fi
  rm -rf "$live_dir"
  passed "$live_status" || status=$live_status
  passed "$embedded_status" || status=$embedded_status
else
  .venv/bin/pytest "$@" || status=$?
fi
exit $status
