#!/usr/bin/env bash
# Starts the sandbox EHR, the action server and the Rasa server; stops them all on Ctrl-C
# or when any one of them dies. Every host and port comes from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
export SANDBOX_HOST="${SANDBOX_HOST:-127.0.0.1}" SANDBOX_PORT="${SANDBOX_PORT:-8080}"
export EHR_BASE_URL="${EHR_BASE_URL:-http://$SANDBOX_HOST:$SANDBOX_PORT/fhir}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
RASA_HOST="${RASA_HOST:-127.0.0.1}" RASA_PORT="${RASA_PORT:-5005}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}"
# The Rasa server as the action server reaches it (action_handoff asks who is there to take a handoff).
export FRONTDESK_SERVER_URL="${FRONTDESK_SERVER_URL:-http://$RASA_HOST:$RASA_PORT}"
# The HTTP API's token: set RASA_TOKEN to choose one, otherwise a fresh one each run.
RASA_TOKEN="${RASA_TOKEN:-$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')}"
# The REST channel's bearer token (or FRONTDESK_DEV_MODE=1 for none) and the internal routes'
# shared secret (Rasa -> action server, console -> Rasa): chosen by you, otherwise fresh each run.
export REST_CHANNEL_TOKEN="${REST_CHANNEL_TOKEN:-$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')}"
export FRONTDESK_INTERNAL_TOKEN="${FRONTDESK_INTERNAL_TOKEN:-$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')}"
# The console's cookies: not Secure on this plain-http loopback demo (docs/console.md).
export CONSOLE_SECURE_COOKIES="${CONSOLE_SECURE_COOKIES:-0}"
# GET /metrics's bearer token (docs/metrics.md).
export FRONTDESK_METRICS_TOKEN="${FRONTDESK_METRICS_TOKEN:-$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')}"

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

$PY -m sandbox serve --host "$SANDBOX_HOST" --port "$SANDBOX_PORT" &
pids+=($!)
$PY -m actions.server --actions actions --port "$ACTIONS_PORT" &
pids+=($!)
$PY -m rasa run --model models/frontdesk.tar.gz --endpoints endpoints.yml --credentials credentials.yml \
  --interface "$RASA_HOST" --port "$RASA_PORT" --enable-api --auth-token "$RASA_TOKEN" &
pids+=($!)

# Rasa takes about a minute to load its model; say where things are once it answers.
for _ in $(seq 1 240); do
  if curl -fsS "http://$RASA_HOST:$RASA_PORT/" >/dev/null 2>&1; then
    cat <<MSG

Frontdesk is running.
  Web chat:        http://$RASA_HOST:$RASA_PORT/chat   (demo clinic page; the widget is /webchat/widget.js)
  Chat (REST):     POST http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook  {"sender": "me", "message": "hi"}
                   with the header  Authorization: Bearer $REST_CHANNEL_TOKEN
  Rasa HTTP API:   http://$RASA_HOST:$RASA_PORT/status?token=$RASA_TOKEN
  Agent console:   http://$RASA_HOST:$RASA_PORT/console   (add an agent: $PY -m bot agents add <name>)
  Metrics:         http://$RASA_HOST:$RASA_PORT/metrics   with the header  Authorization: Bearer $FRONTDESK_METRICS_TOKEN
  Action server:   http://127.0.0.1:$ACTIONS_PORT/health
  Sandbox EHR:     $EHR_BASE_URL   (FHIR R4; try $EHR_BASE_URL/metadata)
MSG
    $PY -m sandbox samples
    echo "Press Ctrl-C to stop everything."
    break
  fi
  sleep 1
done

# Stop everything as soon as any one process exits.
wait -n "${pids[@]}"
