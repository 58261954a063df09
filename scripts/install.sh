#!/usr/bin/env bash
# Installs what is missing, and nothing else: safe to run again (each step checks first).
# usage: scripts/install.sh [run|cluster|test|speech|quality]   — `cluster` adds PostgreSQL
#        and Redis, `test` also the browser and test tools (espeak-ng: German test speech),
#        `speech` espeak-ng (the quality benches' synthetic callers), `quality` that and the
#        quality profile's 1.5B LLM.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
purpose="${1:-run}"

apt_packages=(ca-certificates)
uv_extras=()
# make run-cluster and the db tests start their own PostgreSQL and Redis
case "$purpose" in
  run) ;;
  cluster) apt_packages+=(postgresql redis-server) ;;
  test) apt_packages+=(postgresql redis-server chromium espeak-ng) ;;
  speech) apt_packages+=(espeak-ng) ;;
  quality) apt_packages+=(espeak-ng); uv_extras=(--all-packages --extra quality) ;;
  *) die "unknown purpose '$purpose' (run, cluster, test, speech or quality)" ;;
esac

step "1/7 system packages (${apt_packages[*]})"
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  info "all present"
else
  info "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
    die "need root to install ${missing[*]}: run as root, or install them with your package manager"
  fi
  $SUDO apt-get update -q || die "apt-get update failed; check the network, then run again"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || die "could not install ${missing[*]} with apt-get"
fi

step "2/7 uv $UV_VERSION (Python package manager, from PyPI)"
if command -v uv >/dev/null && uv --version | grep -q "$UV_VERSION"; then
  info "$(uv --version) at $(command -v uv)"
else
  command -v python3 >/dev/null || die "python3 (3.11 or 3.12) is required"
  python3 -m venv "$TOOLS/uv" || die "python3 -m venv failed: install python3-venv"
  "$TOOLS/uv/bin/pip" install -q "uv==$UV_VERSION" || die "pip could not install uv==$UV_VERSION"
  info "$(uv --version)"
fi

step "3/7 Python dependencies (uv sync --frozen: agent, backend, models${uv_extras:+, the 1.5B LLM})"
py=""
for cand in python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,13))' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || die "Python 3.11 or 3.12 is required (found: $(python3 --version 2>&1))"
# --inexact: a later `make run` keeps what `make install-quality` added. --compile-bytecode
# (as the Dockerfiles do): every process then starts from .pyc files, not by compiling its
# imports, which a shell with PYTHONDONTWRITEBYTECODE set would do at every start (measured:
# a stack ready in 12 s and 16 s of CPU instead of 23 s and 32 s). Our own sources too.
uv sync --frozen --inexact --compile-bytecode -p "$py" "${uv_extras[@]}" \
  || die "uv sync failed (see above); uv.lock may need \`uv lock\`"
.venv/bin/python -m compileall -q -j 0 agent/src backend/app backend/migrations scripts bench >/dev/null \
  || die "could not compile the project's Python sources"

step "4/7 offline models (assemble and sha256-check the LLM once)"
AGENT_MODEL_DIR="${AGENT_MODEL_DIR:-$ROOT/.data/models}" .venv/bin/python -m voice_agent.check_models \
  || die "model check failed (see the message above)"
if [ "$purpose" = quality ]; then
  AGENT_LLM__LOCAL_MODEL=qwen2.5-1.5b AGENT_MODEL_DIR="${AGENT_MODEL_DIR:-$ROOT/.data/models}" \
    .venv/bin/python -m voice_agent.check_models || die "model check failed (see the message above)"
fi

step "5/7 web client (npm ci, vite build)"
command -v npm >/dev/null || die "Node.js 20+ with npm is required for the web client"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund) || die "npm ci failed in web/"
else
  info "node_modules up to date"
fi
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/package.json web/vite.config.ts -newer web/dist/index.html 2>/dev/null | head -1)" ]; then
  (cd web && npm run build --silent) || die "web build failed"
else
  info "web/dist up to date"
fi

step "6/7 livekit-server v$LIVEKIT_VERSION (go install into .tools/bin)"
if [ -x "$TOOLS/bin/livekit-server" ] && "$TOOLS/bin/livekit-server" --version 2>/dev/null | grep -q "$LIVEKIT_VERSION"; then
  info "$("$TOOLS/bin/livekit-server" --version)"
else
  command -v go >/dev/null || die "Go 1.26+ is required to build livekit-server (https://go.dev/dl), or put a livekit-server v$LIVEKIT_VERSION binary at .tools/bin/livekit-server"
  info "building (a few minutes the first time)…"
  mkdir -p "$TOOLS/bin"
  GOBIN="$TOOLS/bin" go install "github.com/livekit/livekit-server/cmd/server@v$LIVEKIT_VERSION" \
    || die "go install of livekit-server failed (see above)"
  mv "$TOOLS/bin/server" "$TOOLS/bin/livekit-server"
  info "$("$TOOLS/bin/livekit-server" --version)"
fi

step "7/7 Go modules of the capacity bench's caller (bench/caller, into the module cache)"
go_bin="$(command -v go || true)"
[ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go
if [ -z "$go_bin" ]; then
  info "Go not found: \`make bench-capacity\` needs Go 1.26+ for its callers (https://go.dev/dl), or run it with --caller python"
elif (cd bench/caller && GOFLAGS=-mod=readonly GOPROXY=off "$go_bin" list -deps ./... >/dev/null 2>&1); then
  info "in the module cache"
else
  (cd bench/caller && GOFLAGS=-mod=readonly "$go_bin" list -deps ./... >/dev/null) || die "could not fetch bench/caller's Go modules (see above)"
  info "downloaded into the module cache"
fi

step "done: everything is installed"
