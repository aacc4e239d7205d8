#!/usr/bin/env bash
# Runs every test of the project: grammars, Rust tests, lints and formatting.
# Needs tree-sitter CLI 0.27.1, node, a C compiler, cargo, python3 with the
# `dockerfile` package, and Debian's docker-registry package, whose registry the registry
# client's tests start on 127.0.0.1, the VS Code extension's npm packages (`npm ci` in
# editors/vscode), and Microsoft's SARIF Multitool (npm @microsoft/sarif-multitool) for the
# SARIF test; .ci/run installs what is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

GRAMMARS=(grammar/dockerfile grammar/dockerignore)
# tree-sitter caches compiled parsers by language name in ~/.cache, shared by every
# checkout; a cache of our own keeps other runs from swapping the library under us.
export XDG_CACHE_HOME="$PWD/target/tree-sitter-cache"

step() {
    printf '\n==> %s\n' "$*"
}

step "tree-sitter generate reproduces the committed parsers"
for grammar in "${GRAMMARS[@]}"; do
    (cd "$grammar" && tree-sitter generate)
done
# A diff shows edited files, status also shows generated files nobody committed.
if ! git diff --exit-code --stat -- grammar/*/src \
    || [ -n "$(git status --porcelain --untracked-files=all -- grammar/*/src)" ]; then
    git status --short --untracked-files=all -- grammar/*/src >&2
    echo "error: the generated parsers in grammar/*/src differ from what grammar.js generates;" >&2
    echo "       run 'tree-sitter generate' in the grammar's folder and commit the result." >&2
    exit 1
fi

for grammar in "${GRAMMARS[@]}"; do
    step "tree-sitter test in $grammar"
    (cd "$grammar" && tree-sitter test)
done

step "VS Code extension: npm run package and npm test in editors/vscode"
if [ ! -d editors/vscode/node_modules ]; then
    echo "error: run 'npm ci' in editors/vscode first (.ci/run does)" >&2
    exit 1
fi
(cd editors/vscode && npm run package && npm test)

if cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run --workspace --locked"
    cargo nextest run --workspace --locked
    step "cargo test --doc --workspace --locked"
    cargo test --doc --workspace --locked
else
    step "cargo test --workspace --locked"
    cargo test --workspace --locked
fi

step "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo fmt --all --check"
cargo fmt --all --check

step "all tests passed"
