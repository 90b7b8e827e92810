#!/bin/sh
# Registers syncline's namespace (with its retention) and its Keyword search
# attributes, retrying until the frontend answers: a cluster that is still
# starting, or a namespace not yet in every frontend's cache, is waited for,
# not failed. Idempotent: what exists is left as it is. Run by
# docker-compose.yml's temporal-namespace job (temporalio/admin-tools) and by
# cluster mode (dev/cluster).
# Environment: TEMPORAL_ADDRESS, DEFAULT_NAMESPACE, DEFAULT_NAMESPACE_RETENTION,
#   SYNCLINE_SEARCH_ATTRIBUTES (comma-separated), TEMPORAL_CLI (default temporal),
#   SETUP_ATTEMPTS (default 60, two seconds apart). The Temporal CLI reads its TLS
#   and API-key settings itself: TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
#   TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY.
set -eu
cli="${TEMPORAL_CLI:-temporal}"
ns="${DEFAULT_NAMESPACE:?}"
: "${TEMPORAL_ADDRESS:?}" "${DEFAULT_NAMESPACE_RETENTION:?}" "${SYNCLINE_SEARCH_ATTRIBUTES:?}"

register() {
  "$cli" operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING || return 1
  "$cli" operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$ns" >/dev/null 2>&1 ||
    "$cli" operator namespace create --address "$TEMPORAL_ADDRESS" -n "$ns" --retention "$DEFAULT_NAMESPACE_RETENTION" ||
    return 1
  existing="$("$cli" operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$ns")" || return 1
  for name in $(echo "$SYNCLINE_SEARCH_ATTRIBUTES" | tr ',' ' '); do
    echo "$existing" | grep -qw "$name" ||
      "$cli" operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$ns" --name "$name" --type Keyword ||
      return 1
  done
}

attempt=1
until register; do
  if [ "$attempt" -ge "${SETUP_ATTEMPTS:-60}" ]; then
    echo "setup-namespace.sh: $ns not set up after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done
echo "setup-namespace.sh: namespace $ns (retention $DEFAULT_NAMESPACE_RETENTION) with search attributes $SYNCLINE_SEARCH_ATTRIBUTES"
