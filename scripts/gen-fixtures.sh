#!/usr/bin/env bash
# Regenerates ovsdb/tests/fixtures/*.json from a real ovsdb-server (see the README there).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cargo run --quiet -p benches --bin gen-fixtures
