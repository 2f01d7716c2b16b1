#!/usr/bin/env bash
# A production install of policybot into a virtual environment: the locked runtime dependencies (hash-checked, the
# same on every install of this version) and policybot itself, with no development tools. What the Dockerfile runs,
# what docs/operations.md tells an IT lead to run, and what CI runs (.ci/run) to prove it.
#   deploy/install.sh [VENV]        (default /opt/policybot/venv; run from the repository's top folder)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-/opt/policybot/venv}
rm -rf build ./*.egg-info  # an earlier build's files would be packaged again (a migration since removed, say)
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet --require-hashes --no-deps -r requirements.lock
"$venv/bin/pip" install --quiet --no-deps .
"$venv/bin/pip" check
"$venv/bin/policybot" --version
