-- Seeds settlements :first..:last (1-based) of a plan of :total settlements into a migrated MedicalAid PostgreSQL
-- database: every row the API writes for a settlement, in the shape it writes it. Settlements (all columns, channel
-- trace JSON), LedgerEntries (one debit per channel that pays), IdempotencyRecords (fingerprint and the full 201
-- response body), and for every 33rd settlement a reversal: SettlementReversals, ReversalCredit ledger entries, the
-- reversal's idempotency record. Chunks only append, so several can run at once; what they add to usage rows and
-- what they pay out of funds goes to two unlogged staging tables that seed-growth-finish-postgres.sql books (usage
-- added to, one TopUp per fund covering what was paid: balance = ledger, no balance moves down) — run it after the
-- last chunk, before the API settles again.
-- Settlement i is settled at span_start + (i - 1) × (span_end − span_start) / total (chronological, as a database
-- fills over time), for person i mod :people of the generated population (ID numbers 140105…, registered by the
-- growth tool, in registration order; the people after the first :people are left to the measured load, so that
-- seeded and live settlements never meet in one person's caps). A person's settlements are span/(total/people)
-- apart, so at most 4 fall in one year when that is ≥ 92 days; amounts keep every cap of the demo policy
-- (outpatient assistance ≤ 1,000.00 and inpatient ≤ 19,000.00 per settlement, temporary ≤ 500.00), so usage never
-- exceeds a cap.
-- Needs: psql -v first=… -v last=… -v total=… -v people=… -v span_start='…' -v span_end='…' (timestamps with time zone).
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';
-- Foreign keys are not checked row by row (the rows are generated against existing keys); needs a superuser,
-- which the local medicalaid role is. Without it the seeding is only slower.
SELECT CASE WHEN rolsuper THEN set_config('session_replication_role', 'replica', false) ELSE 'origin' END AS replication_role
FROM pg_roles WHERE rolname = current_user \gset

-- Fen (≥ 0) as yuan with two decimals, in integer arithmetic: to_char would cost most of the seeding time.
CREATE FUNCTION pg_temp.yuan(fen bigint) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT (fen / 100)::text || '.' || lpad((fen % 100)::text, 2, '0') $$;

-- Staging shared by the chunks (created once, under a lock, by whichever chunk comes first): the seeded people in
-- registration order, and what the chunks add to usage and take from funds until the finish script books it.
SELECT pg_advisory_lock(4242007);
CREATE UNLOGGED TABLE IF NOT EXISTS growth_usage_delta (beneficiary_id bigint, year int, subsidy bigint, outpatient bigint, inpatient bigint, temporary bigint, charity bigint);
CREATE UNLOGGED TABLE IF NOT EXISTS growth_fund_delta (year int, channel text, paid bigint);
SELECT to_regclass('growth_people') IS NULL AS create_people \gset
\if :create_people
CREATE UNLOGGED TABLE growth_people AS
SELECT (row_number() OVER (ORDER BY b."Id") - 1) AS n, b."Id" AS id, b."IdNumber" AS id_number, b."Name" AS name,
       s."CategoryCode" AS category
FROM "Beneficiaries" b
JOIN "BeneficiaryStatusChanges" s ON s."BeneficiaryId" = b."Id"
WHERE b."IdNumber" LIKE '140105%';
DELETE FROM growth_people WHERE n >= :people;
CREATE UNIQUE INDEX ON growth_people (n);
ANALYZE growth_people;
\endif
-- Funds of every year the whole plan touches, opened at zero if missing (the finish script tops them up).
INSERT INTO "Funds" ("Channel", "Year", "Balance")
SELECT channel, year, 0
FROM unnest(ARRAY['InsuranceSubsidy', 'Outpatient', 'Inpatient', 'Temporary', 'Charity']) AS channel,
     generate_series(extract(year FROM :'span_start'::timestamptz AT TIME ZONE 'Asia/Shanghai')::int,
                     extract(year FROM :'span_end'::timestamptz AT TIME ZONE 'Asia/Shanghai')::int) AS year
ON CONFLICT DO NOTHING;
SELECT pg_advisory_unlock(4242007);

BEGIN;

CREATE TEMP TABLE growth_hospitals ON COMMIT DROP AS
SELECT "Id" AS id, "Code" AS code, row_number() OVER (ORDER BY "Code") - 1 AS n FROM "Hospitals" WHERE "Code" IN ('H001', 'H002', 'H003');

-- MATERIALIZED: each step is computed once per row (inlined, the nested expressions would be copied into every use).
CREATE TEMP TABLE growth_chunk ON COMMIT DROP AS
WITH plan AS (
    SELECT extract(epoch FROM :'span_start'::timestamptz) AS t0,
           (extract(epoch FROM :'span_end'::timestamptz) - extract(epoch FROM :'span_start'::timestamptz)) / :total AS step,
           (SELECT count(*) FROM growth_people) AS people,
           (SELECT "Id" FROM "PolicyVersions" WHERE "Code" = 'demo') AS policy_id
),
timed AS MATERIALIZED (
    SELECT i, (i * 2654435761) % 4294967296 AS h,
           to_timestamp(plan.t0 + (i - 1) * plan.step) AS settled_at,
           CASE WHEN i > plan.people THEN to_timestamp(plan.t0 + (i - plan.people - 1) * plan.step) END AS previous_at,
           i % plan.people AS person, plan.policy_id
    FROM generate_series(:first::bigint, :last::bigint) AS i, plan
),
billed AS MATERIALIZED (
    SELECT t.*, p.id AS beneficiary_id, p.id_number, p.name, p.category,
           (t.settled_at AT TIME ZONE 'Asia/Shanghai')::date AS service_date,
           extract(year FROM t.settled_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
           t.previous_at IS NULL OR extract(year FROM t.previous_at AT TIME ZONE 'Asia/Shanghai') <> extract(year FROM t.settled_at AT TIME ZONE 'Asia/Shanghai') AS first_of_year,
           (t.h >> 3) % 2 = 0 AS inpatient,
           CASE WHEN (t.h >> 3) % 2 = 0 THEN 300000 + t.h % 5700001 ELSE 10000 + t.h % 290001 END AS total,
           hs.id AS hospital_id, hs.code AS hospital_code
    FROM timed t
    JOIN growth_people p ON p.n = t.person
    JOIN growth_hospitals hs ON hs.n = t.i % 3
),
scoped AS (
    SELECT b.*, b.total * (80 + (b.h >> 8) % 16) / 100 AS scope FROM billed b
),
insured AS MATERIALIZED (
    SELECT s.*, s.scope * (40 + (s.h >> 12) % 31) / 100 AS insurance FROM scoped s
),
assisted AS (
    SELECT x.*, LEAST((x.scope - x.insurance) * 6 / 10, CASE WHEN x.inpatient THEN 1900000 ELSE 100000 END) AS medical
    FROM insured x
),
temporary AS MATERIALIZED (
    SELECT a.*, a.total - a.insurance - a.medical AS r1,
           CASE WHEN a.total - a.insurance - a.medical >= 100000 THEN LEAST((a.total - a.insurance - a.medical) / 2, 50000) ELSE 0 END AS temporary
    FROM assisted a
),
charity AS MATERIALIZED (
    SELECT t.*,
           CASE WHEN t.category IN ('extreme-poverty', 'minimum-living', 'orphan', 'illness-poverty') AND t.r1 - t.temporary >= 200000
                THEN LEAST((t.r1 - t.temporary) * 3 / 10, 500000) ELSE 0 END AS charity,
           CASE WHEN t.first_of_year THEN CASE t.category WHEN 'extreme-poverty' THEN 40000 WHEN 'minimum-living' THEN 20000 WHEN 'orphan' THEN 40000 ELSE 0 END ELSE 0 END AS subsidy
    FROM temporary t
),
identified AS MATERIALIZED (
    SELECT c.*,
           (lpad(to_hex((extract(epoch FROM c.settled_at) * 1000)::bigint), 12, '0') || '7' || substr(md5('growth-id-' || c.i), 1, 3)
               || '8' || substr(md5('growth-id-' || c.i), 4, 15))::uuid AS id,
           md5('growth-key-' || c.i)::uuid::text AS idempotency_key,
           'GR' || lpad(c.i::text, 11, '0') AS visit_number,
           c.i % 33 = 0 AS reversed,
           LEAST(c.settled_at + interval '2 days', now()) AS reversed_at
    FROM charity c
)
SELECT d.*,
       CASE WHEN d.inpatient THEN 0 ELSE d.medical END AS outpatient_amount,
       CASE WHEN d.inpatient THEN d.medical ELSE 0 END AS inpatient_amount,
       d.total - d.insurance - d.medical - d.temporary - d.charity AS patient_pays,
       CASE WHEN d.reversed THEN (lpad(to_hex((extract(epoch FROM d.reversed_at) * 1000)::bigint), 12, '0') || '7'
           || substr(md5('growth-rev-' || d.i), 1, 3) || '9' || substr(md5('growth-rev-' || d.i), 4, 15))::uuid END AS reversal_id,
       '[{"channel":"insuranceSubsidy","amount":' || pg_temp.yuan(d.subsidy) || ',"reasons":[' || CASE WHEN d.subsidy > 0 THEN '' ELSE '"ALREADY_PAID_THIS_YEAR"' END
           || '],"trace":{"premiumSubsidy":' || pg_temp.yuan(d.subsidy) || ',"fundBalance":5000000000.00}},'
           || '{"channel":"outpatient","amount":' || pg_temp.yuan(CASE WHEN d.inpatient THEN 0 ELSE d.medical END)
           || CASE WHEN d.inpatient THEN ',"reasons":["NOT_APPLICABLE_VISIT_TYPE"],"trace":{}},'
                   ELSE ',"reasons":[],"trace":{"outOfPocket":' || pg_temp.yuan(d.scope - d.insurance) || ',"deductible":0.00,"deductibleUsed":0.00,"deductibleApplied":0.00,"ratio":0.6,"raw":'
                        || pg_temp.yuan((d.scope - d.insurance) * 6 / 10) || ',"typeCapLeft":4000.00,"sharedAnnualCapLeft":80000.00,"fundBalance":5000000000.00}},' END
           || '{"channel":"inpatient","amount":' || pg_temp.yuan(CASE WHEN d.inpatient THEN d.medical ELSE 0 END)
           || CASE WHEN d.inpatient THEN ',"reasons":[],"trace":{"outOfPocket":' || pg_temp.yuan(d.scope - d.insurance) || ',"deductible":0.00,"deductibleUsed":0.00,"deductibleApplied":0.00,"categoryRatio":0.6,"levelAdjustment":0,"ratio":0.6,"raw":'
                        || pg_temp.yuan((d.scope - d.insurance) * 6 / 10) || ',"typeCapLeft":80000.00,"sharedAnnualCapLeft":80000.00,"fundBalance":5000000000.00}},'
                   ELSE ',"reasons":["NOT_APPLICABLE_VISIT_TYPE"],"trace":{}},' END
           || '{"channel":"temporary","amount":' || pg_temp.yuan(d.temporary) || ',"reasons":[' || CASE WHEN d.temporary = 50000 THEN '"CAP_REACHED"' WHEN d.temporary = 0 THEN '"BELOW_THRESHOLD"' ELSE '' END
           || '],"trace":{"remaining":' || pg_temp.yuan(d.r1) || ',"threshold":1000.00,"ratio":0.5,"raw":' || pg_temp.yuan(d.r1 / 2)
           || ',"perEventLimit":500.00,"annualCapLeft":3000.00,"fundBalance":5000000000.00}},'
           || '{"channel":"charity","amount":' || pg_temp.yuan(d.charity) || ',"reasons":[' || CASE WHEN d.charity = 0 THEN '"BELOW_THRESHOLD"' ELSE '' END
           || '],"trace":{"remaining":' || pg_temp.yuan(d.r1 - d.temporary) || ',"threshold":2000.00,"ratio":0.3,"raw":' || pg_temp.yuan((d.r1 - d.temporary) * 3 / 10)
           || ',"perCaseCap":5000.00,"fundBalance":5000000000.00}}]' AS channel_details
FROM identified d;

INSERT INTO "Settlements" (
    "Id", "HospitalId", "HospitalCode", "IdempotencyKey", "VisitNumber", "VisitType", "BeneficiaryId", "IdNumber",
    "BeneficiaryName", "CategoryCode", "ServiceDate", "ServiceYear", "AdmissionDate", "DischargeDate", "VisitDate",
    "DiagnosisCodes", "PolicyVersionId", "PolicyCode", "Total", "PolicyScope", "BasicInsurancePaid",
    "CriticalIllnessInsurancePaid", "OtherInsurancePaid", "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary",
    "Charity", "DeductibleApplied", "AssistanceTotal", "FundsSettled", "PatientPays", "ChannelDetails", "Status",
    "SettledAt", "ReversedAt")
SELECT id, hospital_id, hospital_code, idempotency_key, visit_number,
       CASE WHEN inpatient THEN 'Inpatient' ELSE 'Outpatient' END,
       beneficiary_id, id_number, name, category, service_date, year,
       CASE WHEN inpatient THEN service_date - (3 + h % 12)::int END, CASE WHEN inpatient THEN service_date END,
       CASE WHEN inpatient THEN NULL ELSE service_date END,
       (ARRAY['J18.9', 'I63.9', 'I50.9', 'E11.9', 'K80.2', 'N18.5', 'C34.9', 'I10'])[1 + (h >> 16) % 8],
       policy_id, 'demo', total, scope, insurance, 0, 0, subsidy, outpatient_amount, inpatient_amount, temporary,
       charity, 0, medical + temporary + charity, medical + temporary + charity + subsidy, patient_pays, channel_details,
       CASE WHEN reversed THEN 'Reversed' ELSE 'Settled' END, settled_at, CASE WHEN reversed THEN reversed_at END
FROM growth_chunk;

INSERT INTO "SettlementReversals" ("Id", "SettlementId", "HospitalId", "Reason", "ReversedAt")
SELECT reversal_id, id, hospital_id, '患者要求撤销', reversed_at FROM growth_chunk WHERE reversed;

CREATE TEMP TABLE growth_movements ON COMMIT DROP AS
SELECT c.i, c.id, c.reversal_id, c.reversed, c.reversed_at, c.settled_at, c.year, c.hospital_id, c.beneficiary_id, m.channel, m.amount
FROM growth_chunk c
CROSS JOIN LATERAL (VALUES (1, 'InsuranceSubsidy', c.subsidy), (2, 'Outpatient', c.outpatient_amount), (3, 'Inpatient', c.inpatient_amount),
                           (4, 'Temporary', c.temporary), (5, 'Charity', c.charity)) AS m(position, channel, amount)
WHERE m.amount > 0;

INSERT INTO "LedgerEntries" ("FundId", "Channel", "Year", "Kind", "Amount", "SettlementId", "ReversalId", "HospitalId", "BeneficiaryId", "Note", "CreatedAt")
SELECT f."Id", m.channel, m.year, kind, CASE WHEN kind = 'SettlementDebit' THEN -m.amount ELSE m.amount END, m.id,
       CASE WHEN kind = 'ReversalCredit' THEN m.reversal_id END, m.hospital_id, m.beneficiary_id, NULL,
       CASE WHEN kind = 'SettlementDebit' THEN m.settled_at ELSE m.reversed_at END
FROM growth_movements m
JOIN "Funds" f ON f."Year" = m.year AND f."Channel" = m.channel
CROSS JOIN LATERAL (SELECT 'SettlementDebit' AS kind UNION ALL SELECT 'ReversalCredit' WHERE m.reversed) AS k;

INSERT INTO "IdempotencyRecords" ("HospitalId", "Key", "Operation", "RequestFingerprint", "ResponseStatus", "ResponseBody", "SettlementId", "CreatedAt")
SELECT hospital_id, idempotency_key, 'Settlement', md5('growth-fp-' || i) || md5('growth-fq-' || i), 201,
       '{"settlementId":"' || id || '","status":"settled","visitNumber":"' || visit_number || '","visitType":"'
           || CASE WHEN inpatient THEN 'inpatient' ELSE 'outpatient' END || '","hospitalCode":"' || hospital_code
           || '","beneficiary":{"idNumberMasked":"' || left(id_number, 4) || '**********' || right(id_number, 4) || '","name":"' || name
           || '","category":"' || category || '"},"serviceDate":"' || service_date || '","policyVersion":"demo","amounts":{"total":' || pg_temp.yuan(total)
           || ',"policyScope":' || pg_temp.yuan(scope) || ',"basicInsurancePaid":' || pg_temp.yuan(insurance)
           || ',"criticalIllnessInsurancePaid":0.00,"otherInsurancePaid":0.00},"channels":' || channel_details
           || ',"assistanceTotal":' || pg_temp.yuan(medical + temporary + charity) || ',"fundsSettled":' || pg_temp.yuan(medical + temporary + charity + subsidy)
           || ',"patientPays":' || pg_temp.yuan(patient_pays) || ',"settledAt":"' || to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00","reversedAt":null,"reversalId":null}',
       id, settled_at
FROM growth_chunk
UNION ALL
SELECT hospital_id, md5('growth-reversal-key-' || i)::uuid::text, 'Reversal', md5('growth-rfp-' || i) || md5('growth-rfq-' || i), 201,
       '{"reversalId":"' || reversal_id || '","settlementId":"' || id || '","visitNumber":"' || visit_number || '","hospitalCode":"' || hospital_code
           || '","reason":"患者要求撤销","channels":[{"channel":"insuranceSubsidy","amount":' || pg_temp.yuan(subsidy) || '},{"channel":"outpatient","amount":'
           || pg_temp.yuan(outpatient_amount) || '},{"channel":"inpatient","amount":' || pg_temp.yuan(inpatient_amount) || '},{"channel":"temporary","amount":'
           || pg_temp.yuan(temporary) || '},{"channel":"charity","amount":' || pg_temp.yuan(charity) || '}],"fundsRestored":' || pg_temp.yuan(medical + temporary + charity + subsidy)
           || ',"reversedAt":"' || to_char(reversed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00"}',
       id, reversed_at
FROM growth_chunk WHERE reversed;

INSERT INTO growth_usage_delta (beneficiary_id, year, subsidy, outpatient, inpatient, temporary, charity)
SELECT beneficiary_id, year, sum(subsidy), sum(outpatient_amount), sum(inpatient_amount), sum(temporary), sum(charity)
FROM growth_chunk WHERE NOT reversed
GROUP BY beneficiary_id, year;

-- Paid out net of the chunk's reversals.
INSERT INTO growth_fund_delta (year, channel, paid)
SELECT year, channel, sum(amount) FROM growth_movements WHERE NOT reversed GROUP BY year, channel;

COMMIT;
