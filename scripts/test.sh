#!/usr/bin/env bash
# Runs every test of the workspace against the real ovsdb-server (installing it if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# Unit, integration and doc tests; examples are built (not run). Benches are built by clippy in CI.
cargo test --workspace
