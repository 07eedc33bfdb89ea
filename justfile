# One-line conveniences; CI runs .ci/run.

# Format, lint and test exactly as CI does.
ci:
    bash .ci/run

# Run every test (Postgres tests start a throwaway cluster unless DATABASE_URL is set).
test:
    cargo test --workspace

# Lint with warnings as errors.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Format every crate.
fmt:
    cargo fmt --all

# Run the state-machine properties with many more cases.
props:
    PROPTEST_CASES=4000 cargo test -p billing-core --test state_machine

# Regenerate the transition table in docs/state-machine.md after changing the state machine.
state-table:
    UPDATE_DOCS=1 cargo test -p billing-core --test state_table

# Run the embedding example.
example:
    cargo run -p billing-core --example embed

# Run the server on the embedded store (see docs/operations.md for settings).
run:
    cargo run --release -p billing-server

# Walk a demo organization through a whole subscription lifecycle on the simulated Stripe; no real money moves.
demo:
    cargo run --release -p billing-demo

# Measure the Postgres store's record and apply throughput (numbers in docs/benchmarks.md).
bench:
    cargo bench -p billing-postgres --bench throughput

# Measure how soon after its 200 a webhook's effect is visible through the API.
bench-latency:
    cargo bench -p billing-server --bench webhook_latency

# Server benchmark: the release server under keep-alive load beside pgbench on the same Postgres (see docs/benchmarks.md).
bench-server *ARGS:
    cargo build --release -p billing-server && cargo run --release -p billing-bench-server -- {{ARGS}}

# Stop the throwaway Postgres cluster the store tests leave running under target/.
pg-stop:
    sh -c 'd="${CARGO_TARGET_DIR:-target}/pg-test-cluster/data"; p=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -n1); if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$p" -D "$d" -m fast stop; else "$p" -D "$d" -m fast stop; fi'

# Operator commands on the configured store, e.g. `just admin events list --status dead`.
admin *ARGS:
    cargo run --release -p billing-admin -- {{ARGS}}

# Chaos run: two instances, one killed, the database crashed, duplicates; prints the verdict line (see docs/reliability.md).
chaos *ARGS:
    cargo build --release -p billing-server && cargo run --release -p billing-chaos -- {{ARGS}}

# A million generated inputs each to the signature parser, the event decoder and the token parser (see docs/reliability.md).
fuzz *ARGS:
    cargo run --release -p billing-fuzz -- {{ARGS}}
