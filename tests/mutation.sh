#!/usr/bin/env bash
# Mutation testing of the settlement engine (src/MedicalAid.Engine) with Stryker.NET, a local dotnet tool
# (.config/dotnet-tools.json). Settings: tests/MedicalAid.Engine.Tests/stryker-config.json; what survives and why:
# tests/MedicalAid.Engine.Tests/MUTATION.md.
#
#   tests/mutation.sh         full run: every engine file except the DemoPolicy seed data, mutation level Complete
#   tests/mutation.sh --ci    time-boxed run for CI: only SettlementCalculator.cs, the calculation of docs/design.md §3
#
# Reports go to StrykerOutput/<full|ci>/reports (HTML and JSON; git-ignored). Ends with one line giving the score and
# exits non-zero when Stryker fails or the score is below the break threshold of the config (80%).
set -euo pipefail

cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mode=full
case "${1:-}" in
  ""|--full) ;;
  --ci) mode=ci ;;
  *) echo "usage: $0 [--full|--ci]" >&2; exit 2 ;;
esac

config=tests/MedicalAid.Engine.Tests/stryker-config.json
break_at=$(grep -o '"break": *[0-9]*' "$config" | grep -o '[0-9]*$')
out="$PWD/StrykerOutput/$mode"
rm -rf "$out"
mkdir -p "$out"

# --log-to-file: the trace log the host audit below reads.
args=(--output "$out" --skip-version-check --log-to-file --reporter Json --reporter Html --reporter ClearText --reporter Dots)
if [ "$mode" = ci ]; then
  # Not Ratio.cs or Money.cs: their mutants run inside static initialisers (DemoPolicy), and the first mutant of a test
  # process would then corrupt the static data of every later one (see MUTATION.md).
  args+=(--mutate '**/SettlementCalculator.cs')
fi

dotnet tool restore >/dev/null
started=$SECONDS
status=0
(cd tests/MedicalAid.Engine.Tests && dotnet stryker "${args[@]}") 2>&1 | tee "$out/stryker.log" || status=$?
elapsed=$((SECONDS - started))

report="$out/reports/mutation-report.json"
if [ ! -f "$report" ]; then
  echo "Mutation score ($mode): no report - Stryker failed (exit $status) after ${elapsed}s; see $out/stryker.log"
  exit "$(( status == 0 ? 1 : status ))"
fi

count() { { grep -o "\"status\":\"$1\"" "$report" || true; } | wc -l | tr -d ' '; }
killed=$(count Killed)
timeout=$(count Timeout)
survived=$(count Survived)
no_coverage=$(count NoCoverage)
score=$(awk -v k="$killed" -v t="$timeout" -v s="$survived" -v n="$no_coverage" \
  'BEGIN { total = k + t + s + n; printf "%.2f", total == 0 ? 0 : 100 * (k + t) / total }')
below=$(awk -v score="$score" -v limit="$break_at" 'BEGIN { print (score < limit) ? 1 : 0 }')

if command -v python3 >/dev/null 2>&1; then
  # The MTP runner reuses test hosts: list which mutant built each host's static state (see MUTATION.md).
  python3 tests/mutation-host-audit.py "$out" || true
fi

echo "Mutation score ($mode): ${score}% - killed $killed, timeout $timeout, survived $survived, no coverage $no_coverage; break at ${break_at}%; $((elapsed / 60))m$((elapsed % 60))s"
if [ "$below" -eq 1 ] && [ "$status" -eq 0 ]; then
  status=1
fi
exit "$status"
