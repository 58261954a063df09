# Shared helpers for the install and test scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$TOOLS/bin:$TOOLS/uv/bin:$PATH"
export UV_PYTHON_DOWNLOADS=never
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"

UV_VERSION=0.9.30
LIVEKIT_VERSION=1.13.5

_t0=$(date +%s)
step() { printf '\n\033[1;34m==> %s\033[0m  (+%ss)\n' "$*" "$(( $(date +%s) - _t0 ))"; }
info() { printf '    %s\n' "$*"; }
die() { printf '\n\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
export AGENT_MODEL_DIR="${AGENT_MODEL_DIR:-$ROOT/.data/models}"
