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
# The whole suite runs twice: on PostgreSQL+Redis (when found), and on the embedded default every newcomer gets
# (SQLite, in-memory layer), where tests marked integration, browser or postgres are left out (the first pass ran
# them; conftest.py skips them there even with CI=true). The embedded pass runs beside the first one, in its own
# folders, and its output is printed after the first pass's: two processes use the machine's two cores, which keeps
# the whole run near the time of one pass. GP_TEST_SERIAL=1 runs them one after the other.
embedded_pid=""
if [ -n "${DATABASE_URL:-}" ] && [ $# -eq 0 ]; then
  embedded_dir=$(mktemp -d)
  embedded() {
    env -u DATABASE_URL -u REDIS_URL GP_EMBEDDED_PASS=1 VAR_DIR="$embedded_dir/var" MEDIA_ROOT="$embedded_dir/media" \
      .venv/bin/pytest -m "not integration and not browser and not postgres" -q -p no:cacheprovider
  }
  if [ "${GP_TEST_SERIAL:-}" != "1" ]; then
    embedded >"$embedded_dir/log" 2>&1 &
    embedded_pid=$!
  fi
fi

.venv/bin/pytest "$@" || status=$?

if [ -n "${embedded_dir:-}" ]; then
  echo "== the embedded default (SQLite, in-memory layer): every test not marked integration, browser or postgres"
  if [ -n "$embedded_pid" ]; then
    wait "$embedded_pid"; embedded_status=$?
    cat "$embedded_dir/log"
  else
    embedded; embedded_status=$?
  fi
  rm -rf "$embedded_dir"
  # Exit code 5 means no test was selected: nothing to run, nothing failed.
  if [ $embedded_status -ne 0 ] && [ $embedded_status -ne 5 ]; then status=$embedded_status; fi
fi
exit $status
