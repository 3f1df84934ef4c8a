#!/usr/bin/env bash
# Creates the Python virtual environments the interop tests drive the server with:
#   <repo>/.venv-interop  mcp==2.3.0 (+ mcp-server-time, mcp-server-git and fastmcp, real upstreams), the modern official Python SDK
#   <repo>/.venv-legacy   mcp 1.x (1.30.0 when it resolves), the legacy official Python SDK
# Idempotent (a stamp file records the installed pins) and safe to run concurrently (flock).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"

MODERN_VENV="$REPO/.venv-interop"
LEGACY_VENV="$REPO/.venv-legacy"
MODERN_PINS=("mcp==2.3.0" "mcp-server-time==2026.10.19" "mcp-server-git==2026.10.19")
# fastmcp 4.1.6 (a real FastMCP upstream over Streamable HTTP, on the same mcp 2.3.0). Its [server]
# extra pins certifi>=2026.10.19, which the package index here does not carry: its dependencies go
# in by hand with certifi 2026.10.18, then fastmcp itself with --no-deps.
FASTMCP_DEPS=("certifi==2026.10.18" "mcp-types>=2.0.0,<3" platformdirs pydantic-settings "pydantic[email]>=2.12"
  python-dotenv rich typing-extensions "authlib>=1.6.11" cyclopts exceptiongroup griffelib "httpx2>=2.5.0" joserfc
  jsonref jsonschema-path openapi-pydantic opentelemetry-api packaging "py-key-value-aio[filetree,memory]>=0.4.4,<0.5.0"
  pyperclip "python-multipart>=0.0.26" pyyaml "starlette>=1.0.1" "uncalled-for>=0.4.0" watchfiles websockets "uvicorn==0.54.0")
FASTMCP_PINS=("fastmcp==4.1.6" "fastmcp-slim==4.1.6")
LEGACY_PINS=("mcp==1.30.0")
LEGACY_FALLBACK=("mcp<2")
STAMP_NAME=".agentbridge-interop-stamp"
STAMP_VERSION=1

die() { echo "setup-venvs: error: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found (set PYTHON=/path/to/python3.10+)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "$("$PYTHON" --version 2>&1) is too old: the mcp SDK needs Python >= 3.10"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
  || die "'$PYTHON -m venv' is unavailable (on Debian: apt-get install python3-venv)"

command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"
mkdir -p "$REPO/.build"
LOCK="$REPO/.build/interop-venvs.lock"
exec 9>"$LOCK"
flock -w 900 9 || die "timed out waiting for $LOCK (another setup-venvs.sh still running?)"

LOG="$(mktemp "${TMPDIR:-/tmp}/setup-venvs.XXXXXX.log")"
trap 'rm -f "$LOG"' EXIT

# stamp_text <spec...>: what the stamp must say for the venv to be considered ready.
stamp_text() {
  printf 'stamp-version=%s\npython=%s\n' "$STAMP_VERSION" "$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
  printf 'pin=%s\n' "$@"
}

venv_ready() { # <venv> <expected stamp>
  [[ -x "$1/bin/python" && -f "$1/$STAMP_NAME" ]] && [[ "$(cat "$1/$STAMP_NAME")" == "$2" ]] \
    && "$1/bin/python" -c 'import mcp' >/dev/null 2>&1
}

fail_with_log() {
  echo "setup-venvs: error: $*" >&2
  echo "---- log ----" >&2
  tail -n 60 "$LOG" >&2
  exit 1
}

make_venv() { # <venv>
  rm -rf "$1"
  "$PYTHON" -m venv "$1" >>"$LOG" 2>&1 || fail_with_log "python3 -m venv $1 failed"
}

pip_install() { # <venv> <spec...>
  local venv="$1"; shift
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --no-input "$@" >>"$LOG" 2>&1
}

setup_modern() {
  local want; want="$(stamp_text "${MODERN_PINS[@]}" "${FASTMCP_PINS[@]}")"
  if venv_ready "$MODERN_VENV" "$want"; then return 0; fi
  echo "setup-venvs: creating $MODERN_VENV (${MODERN_PINS[*]} ${FASTMCP_PINS[*]})"
  make_venv "$MODERN_VENV"
  pip_install "$MODERN_VENV" "${MODERN_PINS[@]}" || fail_with_log "pip install ${MODERN_PINS[*]} into $MODERN_VENV failed"
  pip_install "$MODERN_VENV" "${FASTMCP_DEPS[@]}" || fail_with_log "pip install of fastmcp's dependencies into $MODERN_VENV failed"
  pip_install "$MODERN_VENV" --no-deps "${FASTMCP_PINS[@]}" || fail_with_log "pip install ${FASTMCP_PINS[*]} into $MODERN_VENV failed"
  "$MODERN_VENV/bin/python" -c 'import fastmcp' >>"$LOG" 2>&1 || fail_with_log "fastmcp is not importable in $MODERN_VENV"
  "$MODERN_VENV/bin/python" -c 'import mcp, importlib.metadata as m; assert m.version("mcp") == "2.3.0", m.version("mcp")' >>"$LOG" 2>&1 \
    || fail_with_log "mcp 2.3.0 is not importable in $MODERN_VENV"
  printf '%s\n' "$want" >"$MODERN_VENV/$STAMP_NAME"
}

setup_legacy() {
  local want; want="$(stamp_text "${LEGACY_PINS[@]}")"
  if venv_ready "$LEGACY_VENV" "$want"; then return 0; fi
  echo "setup-venvs: creating $LEGACY_VENV (${LEGACY_PINS[*]})"
  make_venv "$LEGACY_VENV"
  if ! pip_install "$LEGACY_VENV" "${LEGACY_PINS[@]}"; then
    echo "setup-venvs: ${LEGACY_PINS[*]} did not resolve; trying ${LEGACY_FALLBACK[*]}"
    pip_install "$LEGACY_VENV" "${LEGACY_FALLBACK[@]}" || fail_with_log "pip install ${LEGACY_FALLBACK[*]} into $LEGACY_VENV failed"
  fi
  "$LEGACY_VENV/bin/python" -c 'import mcp, importlib.metadata as m; v = m.version("mcp"); assert v.startswith("1."), v' >>"$LOG" 2>&1 \
    || fail_with_log "mcp 1.x is not importable in $LEGACY_VENV"
  printf '%s\n' "$want" >"$LEGACY_VENV/$STAMP_NAME"
}

setup_modern
setup_legacy
