-- Seeds a MedicalAid PostgreSQL database (already migrated, demo data on) with :beneficiaries beneficiaries and
-- :settlements settlements spread over :year, for measuring reports and search at scale (issue 6).
-- Amounts satisfy T = I + A + temporary + charity + P; about 3% are reversed. It writes settlements and
-- reversals (and the report's rollups of them) only, not ledger entries or usage rows: a measurement database, not a set of books.
\set ON_ERROR_STOP on
BEGIN;

-- The scale people belong to a city unit of their own (division 940100), so that scoped reports can be measured apart.
INSERT INTO "OrganisationUnits" ("Code", "Name", "Level", "ParentId", "Path")
VALUES ('940100', '规模测试市', 'City', NULL, '/940100/')
ON CONFLICT DO NOTHING;

INSERT INTO "Beneficiaries" ("IdNumber", "Name", "DivisionCode", "UnitId")
SELECT '9401' || lpad(i::text, 14, '0'), '规模' || i, '940100', (SELECT "Id" FROM "OrganisationUnits" WHERE "Code" = '940100')
FROM generate_series(1, :beneficiaries) AS i
ON CONFLICT DO NOTHING;

INSERT INTO "BeneficiaryStatusChanges" ("BeneficiaryId", "EffectiveFrom", "CategoryCode", "IsActive")
SELECT b."Id", DATE '2020-01-01',
       (ARRAY['extreme-poverty','minimum-living','low-income-marginal','special-care','heroic-act','orphan','illness-poverty'])[1 + (b."Id" % 7)],
       TRUE
FROM "Beneficiaries" b
WHERE b."IdNumber" LIKE '9401%'
  AND NOT EXISTS (SELECT 1 FROM "BeneficiaryStatusChanges" s WHERE s."BeneficiaryId" = b."Id");

CREATE TEMP TABLE scale_people AS
SELECT row_number() OVER (ORDER BY b."Id") AS n, b."Id" AS id, b."IdNumber" AS id_number, b."Name" AS name,
       s."CategoryCode" AS category
FROM "Beneficiaries" b JOIN "BeneficiaryStatusChanges" s ON s."BeneficiaryId" = b."Id"
WHERE b."IdNumber" LIKE '9401%';

INSERT INTO "Settlements" (
    "Id", "HospitalId", "HospitalCode", "IdempotencyKey", "VisitNumber", "VisitType", "BeneficiaryId", "IdNumber",
    "BeneficiaryName", "CategoryCode", "ServiceDate", "ServiceYear", "AdmissionDate", "DischargeDate", "VisitDate",
    "DiagnosisCodes", "PolicyVersionId", "PolicyCode", "Total", "PolicyScope", "BasicInsurancePaid",
    "CriticalIllnessInsurancePaid", "OtherInsurancePaid", "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary",
    "Charity", "DeductibleApplied", "AssistanceTotal", "FundsSettled", "PatientPays", "ChannelDetails", "Status",
    "SettledAt", "ReversedAt")
SELECT
    gen_random_uuid(), h."Id", h."Code", 'scale-' || g.i, 'SC' || lpad(g.i::text, 10, '0'),
    CASE WHEN g.inpatient THEN 'Inpatient' ELSE 'Outpatient' END,
    p.id, p.id_number, p.name, p.category,
    g.day, :year,
    CASE WHEN g.inpatient THEN g.day - 5 END, CASE WHEN g.inpatient THEN g.day END, CASE WHEN g.inpatient THEN NULL ELSE g.day END,
    'J18.9', pv."Id", pv."Code",
    g.total, g.scope, g.insurance, 0, 0, 0,
    CASE WHEN g.inpatient THEN 0 ELSE g.medical END, CASE WHEN g.inpatient THEN g.medical ELSE 0 END,
    g.temporary, g.charity, 0,
    g.medical + g.temporary + g.charity, g.medical + g.temporary + g.charity,
    g.total - g.insurance - g.medical - g.temporary - g.charity,
    '[]', CASE WHEN g.i % 33 = 0 THEN 'Reversed' ELSE 'Settled' END,
    g.settled_at, CASE WHEN g.i % 33 = 0 THEN g.settled_at + INTERVAL '2 days' END
FROM (
    SELECT i, inpatient, day, settled_at, total, scope, insurance,
           (scope - insurance) * 6 / 10 AS medical,
           LEAST((total - insurance - (scope - insurance) * 6 / 10) / 2, 50000) AS temporary,
           LEAST((total - insurance - (scope - insurance) * 6 / 10 - LEAST((total - insurance - (scope - insurance) * 6 / 10) / 2, 50000)) * 3 / 10, 500000) AS charity
    FROM (
        SELECT i, inpatient, day, settled_at, total, scope, scope * (40 + (i % 30)) / 100 AS insurance
        FROM (
            SELECT i, (i % 2 = 0) AS inpatient,
                   (DATE :'year_start' + (i % 365)::int) AS day,
                   (DATE :'year_start' + (i % 365)::int)::timestamp + make_interval(secs => (i % 86400)::int) - INTERVAL '8 hours' AS settled_at,
                   CASE WHEN i % 2 = 0 THEN 300000 + (i * 7919) % 5700000 ELSE 10000 + (i * 7919) % 290000 END AS total,
                   CASE WHEN i % 2 = 0 THEN 300000 + (i * 7919) % 5700000 ELSE 10000 + (i * 7919) % 290000 END * (80 + (i % 16)) / 100 AS scope
            FROM generate_series(1::bigint, :settlements) AS i
        ) raw
    ) with_insurance
) g
JOIN scale_people p ON p.n = 1 + (g.i % (SELECT count(*) FROM scale_people))
JOIN "Hospitals" h ON h."Code" = (ARRAY['H001','H002','H003'])[1 + (g.i % 3)]
CROSS JOIN (SELECT "Id", "Code" FROM "PolicyVersions" WHERE "Code" = 'demo') pv;

INSERT INTO "SettlementReversals" ("Id", "SettlementId", "HospitalId", "Reason", "ReversedAt")
SELECT gen_random_uuid(), s."Id", s."HospitalId", 'scale test', s."ReversedAt"
FROM "Settlements" s
WHERE s."IdempotencyKey" LIKE 'scale-%' AND s."Status" = 'Reversed';

-- The report's rollups, as the settlement transactions keep them (see the ReportRollups migration).
INSERT INTO "MonthlySettlementTotals" ("Year", "Month", "HospitalCode", "CategoryCode", "Shard", "SettlementCount", "ReversedCount",
    "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity")
SELECT "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8,
       SUM(CASE WHEN "Status" = 'Settled' THEN 1 ELSE 0 END), SUM(CASE WHEN "Status" = 'Reversed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "InsuranceSubsidy" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Outpatient" ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "Inpatient" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Temporary" ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "Charity" ELSE 0 END)
FROM "Settlements" WHERE "IdempotencyKey" LIKE 'scale-%'
GROUP BY "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8
ON CONFLICT ("Year", "Month", "HospitalCode", "CategoryCode", "Shard") DO UPDATE SET
    "SettlementCount" = "MonthlySettlementTotals"."SettlementCount" + excluded."SettlementCount",
    "ReversedCount" = "MonthlySettlementTotals"."ReversedCount" + excluded."ReversedCount",
    "InsuranceSubsidy" = "MonthlySettlementTotals"."InsuranceSubsidy" + excluded."InsuranceSubsidy",
    "Outpatient" = "MonthlySettlementTotals"."Outpatient" + excluded."Outpatient",
    "Inpatient" = "MonthlySettlementTotals"."Inpatient" + excluded."Inpatient",
    "Temporary" = "MonthlySettlementTotals"."Temporary" + excluded."Temporary",
    "Charity" = "MonthlySettlementTotals"."Charity" + excluded."Charity";

-- The seeded people have no settlements but these, so their rows are new.
INSERT INTO "PersonSettledMonths" ("Year", "BeneficiaryId", "Dimension", "Key", "Months")
SELECT "Year", "BeneficiaryId", "Dimension", "Key", SUM("Bit")
FROM (
    SELECT "ServiceYear" AS "Year", "BeneficiaryId", 'All' AS "Dimension", '' AS "Key", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) AS "Bit"
    FROM "Settlements" WHERE "Status" = 'Settled' AND "IdempotencyKey" LIKE 'scale-%'
    UNION
    SELECT "ServiceYear", "BeneficiaryId", 'Hospital', "HospitalCode", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) FROM "Settlements" WHERE "Status" = 'Settled' AND "IdempotencyKey" LIKE 'scale-%'
    UNION
    SELECT "ServiceYear", "BeneficiaryId", 'Category', "CategoryCode", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) FROM "Settlements" WHERE "Status" = 'Settled' AND "IdempotencyKey" LIKE 'scale-%'
) AS "Bits"
GROUP BY "Year", "BeneficiaryId", "Dimension", "Key";

COMMIT;
ANALYZE;
SELECT count(*) AS settlements FROM "Settlements";
