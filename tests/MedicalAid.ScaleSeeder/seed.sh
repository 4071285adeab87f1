#!/usr/bin/env bash
# Seeds a PostgreSQL database for MedicalAid at scale and prints how long the staff report and search take on it.
# Usage: tests/MedicalAid.ScaleSeeder/seed.sh [settlements=1000000] [beneficiaries=100000] [year=2026]
# Needs: a local PostgreSQL with the role medicalaid/medicalaid (see README), the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/../.."
settlements=${1:-1000000}
beneficiaries=${2:-100000}
year=${3:-2026}
database=medicalaid_scale
connection="Host=127.0.0.1;Username=medicalaid;Password=medicalaid;Database=$database"
port=5095

su postgres -c "dropdb --if-exists $database" && su postgres -c "createdb -O medicalaid $database"

echo "Migrating and seeding demo data …"
export ASPNETCORE_ENVIRONMENT=Development Database__Provider=Postgres ConnectionStrings__MedicalAid="$connection" Demo__Enabled=true
dotnet build -c Release -v q src/MedicalAid.Api >/dev/null
dotnet src/MedicalAid.Api/bin/Release/net10.0/MedicalAid.Api.dll --urls "http://127.0.0.1:$port" --contentRoot "$PWD/src/MedicalAid.Api" >/tmp/scale-api.log 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "The API did not start; see /tmp/scale-api.log" >&2; exit 1; }

echo "Seeding $settlements settlements over $year for $beneficiaries beneficiaries …"
start=$(date +%s)
PGPASSWORD=medicalaid psql -h 127.0.0.1 -U medicalaid -d "$database" -q \
  -v settlements="$settlements" -v beneficiaries="$beneficiaries" -v year="$year" -v year_start="$year-01-01" \
  -f tests/MedicalAid.ScaleSeeder/seed-postgres.sql
echo "Seeded in $(( $(date +%s) - start )) s"

token=$(dotnet user-jwts create --project src/MedicalAid.Api --role auditor --name scale -o token 2>/dev/null | tail -1)
measure() {
  local label=$1 path=$2
  curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path"   # warm
  for run in 1 2 3; do
    curl -s -o /dev/null -w "$label run $run: %{http_code} %{time_total}s\n" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path"
  done
}
measure "summary report, year $year" "/api/v1/admin/reports/summary?from=$year-01-01&to=$year-12-31"
measure "search, first page" "/api/v1/admin/settlements?pageSize=50"
measure "search, hospital + category, first page" "/api/v1/admin/settlements?hospital=H002&category=orphan&pageSize=50"
# What the console's settlement page asks for: the first page of 50 and the totals of the whole filtered set.
measure "search totals, everything" "/api/v1/admin/settlements/totals"
measure "search totals, hospital + category" "/api/v1/admin/settlements/totals?hospital=H002&category=orphan"
token=$(dotnet user-jwts create --project src/MedicalAid.Api --role auditor --claim unit=940100 --name scale-unit -o token 2>/dev/null | tail -1)
measure "search, first page, unit 940100 (every scale person)" "/api/v1/admin/settlements?pageSize=50"
measure "search totals, unit 940100" "/api/v1/admin/settlements/totals"
measure "summary report, year $year, unit 940100" "/api/v1/admin/reports/summary?from=$year-01-01&to=$year-12-31"
