#!/usr/bin/env bash
# Shared set-up for platform/run and platform/test: the virtual environment, the locked
# dependencies and the compiled translations. Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "ParkSuite needs Python 3.11 ($PY is $("$PY" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
want="$(sha256sum requirements.lock | cut -d' ' -f1)"
if [ "$(cat .venv/.lock-sha256 2>/dev/null || true)" != "$want" ]; then
  echo "==> installing the locked dependencies"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
  echo "$want" > .venv/.lock-sha256
fi
export PATH="$PWD/.venv/bin:$PATH"
if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> DATABASE_URL is unset: using the embedded PostgreSQL under .data/pg"
fi
python manage.py compile_translations
python manage.py collectstatic --noinput --verbosity 0
