#!/usr/bin/env bash
# Runs a command with GitHub's OIDC token for Entra in $AZURE_FEDERATED_TOKEN_FILE (default: $RUNNER_TEMP/oidc-token),
# renewed every 4 minutes while it runs: the provider reads the file on every token request, and a fleet run can
# outlast one token. The job needs `permissions: id-token: write`; the app needs a federated credential for the
# repository (docs/authentication.md). Exits with the command's exit code.
set -euo pipefail

export AZURE_FEDERATED_TOKEN_FILE="${AZURE_FEDERATED_TOKEN_FILE:-$RUNNER_TEMP/oidc-token}"

fetch_token() {
	curl -fsS -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
		"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value >"$AZURE_FEDERATED_TOKEN_FILE.new"
	mv "$AZURE_FEDERATED_TOKEN_FILE.new" "$AZURE_FEDERATED_TOKEN_FILE"
}

fetch_token
# The renewer runs in a process group of its own (set -m), so that the exit trap stops it together with its
# `sleep`, which would otherwise keep the step's output open for up to 4 minutes.
set -m
(while sleep 240; do fetch_token || echo "could not renew the OIDC token; retrying" >&2; done) &
renewer=$!
set +m
trap 'kill -- "-$renewer" 2>/dev/null || true' EXIT

"$@"
