#!/usr/bin/env bash
# The main job: an Incus-style homelab and an ovn-kubernetes overlay, built with rnbctl and
# rvsctl against a private sandbox of the real OVN programs (NB/SB/Open_vSwitch ovsdb-servers,
# ovn-northd, ovs-vswitchd, ovn-controller), installing them if missing. It prints what OVN
# made of it and removes everything it started when it ends (also on Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# The demo runs the rnbctl and rvsctl built next to it.
cargo build --quiet --release -p bins -p demo
cargo run --quiet --release -p demo
