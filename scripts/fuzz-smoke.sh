#!/usr/bin/env bash
# A short run of every fuzz target (fuzz/Cargo.toml), from its corpus, one at a time:
# FUZZ_SECONDS each (default 20). Needs a nightly toolchain and cargo-fuzz; without them it
# skips, except in CI (CI=true), where that is a failure. A crash fails the script and
# leaves the input in fuzz/artifacts/<target>/. The corpora are read, not grown: new inputs
# go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"

missing=""
if ! cargo +nightly --version >/dev/null 2>&1; then
    missing="a nightly toolchain (rustup toolchain install nightly)"
elif ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    missing="cargo-fuzz (cargo install cargo-fuzz)"
fi
if [ -n "$missing" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "fuzz-smoke: missing $missing" >&2
        exit 1
    fi
    echo "fuzz-smoke: skipped, missing $missing" >&2
    exit 0
fi

# cargo-fuzz builds into fuzz/target; a target dir set for the workspace would be shared
# with non-sanitizer builds.
unset CARGO_TARGET_DIR
cargo +nightly fuzz build

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

targets="$(cargo +nightly fuzz list)"
for target in $targets; do
    args=(-max_total_time="$seconds" -rss_limit_mb=2048)
    if [ -f "fuzz/dicts/$target.dict" ]; then
        args+=(-dict="fuzz/dicts/$target.dict")
    fi
    mkdir -p "$scratch/$target" "fuzz/corpus/$target"
    echo "fuzz-smoke: $target for ${seconds}s" >&2
    if ! cargo +nightly fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" \
        -- "${args[@]}" >"$scratch/$target.log" 2>&1; then
        cat "$scratch/$target.log" >&2
        echo "fuzz-smoke: $target FAILED (input in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    grep -E '^(Done|#[0-9]+ +DONE)' "$scratch/$target.log" >&2 || true
done
echo "fuzz-smoke: every target ran clean" >&2
