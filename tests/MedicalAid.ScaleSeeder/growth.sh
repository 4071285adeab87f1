#!/usr/bin/env bash
# Growth: settlement latency with 10 thousand settlements stored against 10 million, on PostgreSQL, in one run.
# Registers 1,050,000 generated beneficiaries, seeds 10,000 settlements with seed-growth-postgres.sql (every row the
# API writes: settlement, ledger entries, idempotency records, usage, reversals, fund top-ups), measures the API
# (8 clients closed loop, then open loop at a fixed rate), fills the database to 10,000,000 and measures again.
# About 50 minutes on the shared 2-core development machine (26 of them seeding); see tests/MedicalAid.LoadDriver/README.md.
#
# Usage: tests/MedicalAid.ScaleSeeder/growth.sh [--settlements 10000000] [--small 10000] [--clients 8] [--rate <n/s>]
#                                               [--duration 20] [--keep] [--reuse <database>] ...
#        (all options: tests/MedicalAid.ScaleSeeder/growth.sh --help)
# Needs what tests/MedicalAid.LoadDriver/benchmark.sh needs, about 45 GB of free disk for 10 million settlements (41 GB stay),
# and a superuser role for the fastest seeding (foreign keys are not re-checked row by row). Creates the database
# medicalaid_growth_<run id> and drops it unless --keep.
set -euo pipefail
exec "$(dirname "$0")/../MedicalAid.LoadDriver/benchmark.sh" growth "$@"
