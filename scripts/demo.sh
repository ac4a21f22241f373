#!/usr/bin/env bash
# The main job: a demo against a private sandbox of real servers (installing them if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cargo run --quiet --release -p ovsdb --example quickstart
