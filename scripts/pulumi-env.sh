# scripts/pulumi-env.sh — source me (bash): offline settings for the Pulumi engine of this repository.
#   . scripts/pulumi-env.sh
# Puts .tools/pulumi/bin (installed by scripts/install-pulumi) first on PATH and turns off everything
# that would reach the internet. Backend (PULUMI_BACKEND_URL) and PULUMI_CONFIG_PASSPHRASE are left to
# the caller. Safe to source repeatedly; changes no shell options.

if [ -n "${BASH_SOURCE[0]:-}" ]; then
	__pulumi_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
else
	__pulumi_env_root="$(git rev-parse --show-toplevel 2>/dev/null || pwd -P)"
fi

export PULUMI_ROOT="$__pulumi_env_root/.tools/pulumi"
case ":${PATH:-}:" in
*":$PULUMI_ROOT/bin:"*) ;;
*) export PATH="$PULUMI_ROOT/bin${PATH:+:$PATH}" ;;
esac
unset __pulumi_env_root

export PULUMI_SKIP_UPDATE_CHECK=true                       # no version check against the service
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true    # never download provider plugins
export PULUMI_DISABLE_REGISTRY_RESOLVE=true                # never ask the package registry service

if [ ! -x "$PULUMI_ROOT/bin/pulumi" ]; then
	echo "pulumi-env.sh: $PULUMI_ROOT/bin/pulumi is missing; run scripts/install-pulumi" >&2
fi
