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
.venv/bin/pytest "$@" || status=$?

# The embedded default (SQLite, in-memory channel layer) must keep working too: run the tests marked for it.
if [ -n "${DATABASE_URL:-}" ] && [ $# -eq 0 ]; then
  echo "== again on the embedded default (SQLite, in-memory layer): tests marked 'embedded'"
  env -u DATABASE_URL -u REDIS_URL .venv/bin/pytest -m embedded -q -p no:cacheprovider
  embedded=$?
  # Exit code 5 means no test carries the marker: nothing to run, nothing failed.
  if [ $embedded -ne 0 ] && [ $embedded -ne 5 ]; then status=$embedded; fi
fi
exit $status
