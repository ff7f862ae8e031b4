#!/usr/bin/env bash
# `make run`: migrate, load the synthetic demo, then serve the web app with a Celery worker
# and beat beside it. Ctrl-C stops all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
mkdir -p var

"$PY" manage.py migrate --noinput
if [ "${DEBUG}" = "1" ] || [ "${DEBUG}" = "true" ]; then
  "$PY" manage.py load_demo
else
  "$PY" manage.py collectstatic --noinput >/dev/null
fi

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping Upstream..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# One worker with embedded beat is plenty on a laptop; production runs them separately.
"$(dirname "$PY")/celery" -A config worker -B --pool=solo --loglevel=INFO -Q celery,pdf \
  --schedule var/celerybeat-schedule --without-gossip --without-mingle --without-heartbeat \
  >var/celery.log 2>&1 &
pids+=($!)

"$PY" manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)

cat <<MSG

  Upstream is starting on http://127.0.0.1:${PORT}/  (Celery log: var/celery.log)
  Sign in with a demo login above, password ${DEMO_PASSWORD:-upstream-demo}.
  (The demo organisation has two-step sign-in turned off: the password alone is enough.)
  Press Ctrl-C to stop the web server, the worker and beat.

MSG
wait -n "${pids[@]}"
