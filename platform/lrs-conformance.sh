#!/usr/bin/env bash
# The ADL xAPI 1.0.3 LRS conformance suite against /xapi, on a throw-away database.
#
#   platform/lrs-conformance.sh [postgres|sqlite] [runner options, e.g. -g XAPI-00123 or -d H.Communication2.3-StateResource.js]
#
# Copies the suite (read-only where it is kept: LRS_SUITE, else ../shared or ../../shared/standards/adl-lrs-conformance)
# to a temporary folder, installs its node packages (npm ci with a lockfile, npm install without), creates a fresh
# database (PostgreSQL at LRS_PG, default postgres://postgres@127.0.0.1:5432, or a SQLite file), migrates it,
# makes a trusted xAPI client, starts one daphne worker on a free port, runs the battery and counts passes and
# failures from the runner's JSON log. Exits non-zero unless every test passed. KEEP=1 keeps the folder and database.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
backend=${1:-postgres}
[ $# -gt 0 ] && shift
case $backend in postgres | sqlite) ;; *) echo "usage: $0 [postgres|sqlite] [runner options]" >&2; exit 2 ;; esac

suite=${LRS_SUITE:-}
for candidate in ../shared/standards/adl-lrs-conformance ../../shared/standards/adl-lrs-conformance; do
  [ -z "$suite" ] && [ -f "$candidate/bin/console_runner.js" ] && suite=$candidate
done
[ -n "$suite" ] && [ -f "$suite/bin/console_runner.js" ] || { echo "conformance suite not found: set LRS_SUITE" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed" >&2; exit 2; }
[ -x .venv/bin/daphne ] || make install

work=$(mktemp -d /tmp/lrs-conformance.XXXXXX)
pg=${LRS_PG:-postgres://postgres@127.0.0.1:5432}
db=lrs_conformance_$$
daphne_pid=
cleanup() {
  set +e  # clean up whatever failed
  [ -n "$daphne_pid" ] && kill "$daphne_pid" 2>/dev/null && wait "$daphne_pid" 2>/dev/null
  if [ "${KEEP:-}" != 1 ]; then
    [ "$backend" = postgres ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    rm -rf "$work"
  else
    echo "kept $work"
  fi
}
trap cleanup EXIT

cp -r "$suite/." "$work/suite"
chmod -R u+w "$work/suite"
echo "== npm: installing the suite's packages"
(cd "$work/suite" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else
  npm install --no-audit --no-fund --loglevel=error; fi) >"$work/npm.log" 2>&1 || { cat "$work/npm.log"; exit 1; }

if [ "$backend" = postgres ]; then
  psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
  export DATABASE_URL=$pg/$db
else
  unset DATABASE_URL
  export SQLITE_PATH=$work/db.sqlite3
fi
unset REDIS_URL
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(head -c 32 /dev/urandom | base64)} DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost VAR_DIR=$work/var MEDIA_ROOT=$work/media
export DJANGO_SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING
echo "== $backend: migrating a fresh database"
.venv/bin/python manage.py migrate --no-input -v0
credentials=$(.venv/bin/python manage.py xapi_client "conformance-$$" --trusted)
key=$(printf '%s\n' "$credentials" | sed -n 's/^key: *//p')
secret=$(printf '%s\n' "$credentials" | sed -n 's/^secret: *//p')
[ -n "$key" ] && [ -n "$secret" ] || { echo "could not read the client's key and secret:"; echo "$credentials"; exit 1; }

port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/daphne -b 127.0.0.1 -p "$port" core.asgi:application >"$work/daphne.log" 2>&1 &
daphne_pid=$!
.venv/bin/python - "$port" <<'PY' || { cat "$work/daphne.log"; exit 1; }
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/xapi/about", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("daphne did not answer")
PY

echo "== running the 1.0.3 battery against http://127.0.0.1:$port/xapi"
started=$(date +%s)
(cd "$work/suite" && node bin/console_runner.js -x 1.0.3 -e "http://127.0.0.1:$port/xapi" -a -u "$key" -p "$secret" \
  "$@" >"$work/runner.out" 2>&1) || true
elapsed=$(($(date +%s) - started))
log=$(ls "$work"/suite/logs/*.log 2>/dev/null | head -1)
[ -n "$log" ] || { tail -50 "$work/runner.out"; echo "the runner wrote no log"; exit 1; }
# Count from the log's per-test results: the runner's own summary line has been seen to miscount.
node - "$log" "$elapsed" "$backend" <<'JS'
const [log, elapsed, backend] = process.argv.slice(2);
const record = JSON.parse(require("fs").readFileSync(log, "utf8"));
let passed = 0, failed = 0;
const failures = [];
(function walk(node, path) {
  if (!node) return;
  const tests = node.tests || [];
  if (!tests.length && node.status) {
    if (node.status === "passed") passed++;
    else if (node.status === "failed") { failed++; failures.push(`${path} :: ${node.title}\n    ${(node.error || "").toString().split("\n")[0]}`); }
    return;
  }
  tests.forEach((child) => walk(child, node.title ? (path ? `${path} > ${node.title}` : node.title) : path));
})(record.log, "");
const total = passed + failed;
failures.forEach((line) => console.log("FAIL " + line));
console.log(`== ${backend}: ${passed} of ${total} passed, ${failed} failed, in ${elapsed} s`);
process.exit(failed || !total ? 1 : 0);
JS
