#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs it all.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
python3 -m pip install -q -r requirements-test.txt
python3 -m ruff check .
exec python3 -m pytest -q "$@"
