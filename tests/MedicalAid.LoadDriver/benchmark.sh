#!/usr/bin/env bash
# The settlement benchmark of issue 7, in one run: for each client count, PostgreSQL's own limit (pgbench tpcb-like,
# scale 1) against the API on PostgreSQL, and a raw SQLite settlement transaction against the API on SQLite; each
# closed loop (peak) and then open loop at half of that peak; settlements/s, p50/p95/p99, API peak RSS, API ÷ limit,
# and a markdown table for the README. About 8 minutes with the defaults.
#
# Usage: tests/MedicalAid.LoadDriver/benchmark.sh [--clients 8,32] [--duration 20] [--warmup 3] [--per-category 10000]
#                                                 [--databases postgres,sqlite] [--markdown results.md] [--keep] ...
#        (all options: tests/MedicalAid.LoadDriver/benchmark.sh --help)
# Other verbs of the same driver: profile (round trips, statements and lock waits per settlement) and growth
# (tests/MedicalAid.ScaleSeeder/growth.sh).
# Needs: the .NET SDK, a local PostgreSQL whose role may create databases (MEDICALAID_TEST_POSTGRES or
# medicalaid/medicalaid on 127.0.0.1:5432), pgbench and psql on PATH. Creates databases and files named
# medicalaid_bench_<run id>_* and /tmp/medicalaid-bench-<run id>, and removes them unless --keep.
set -euo pipefail
cd "$(dirname "$0")/../.."
verb=benchmark
if [[ ${1:-} == profile || ${1:-} == growth || ${1:-} == benchmark ]]; then verb=$1; shift; fi
dotnet build -c Release -v q -nologo src/MedicalAid.Api >/dev/null
dotnet build -c Release -v q -nologo tests/MedicalAid.LoadDriver >/dev/null
exec dotnet tests/MedicalAid.LoadDriver/bin/Release/net10.0/MedicalAid.LoadDriver.dll "$verb" "$@"
