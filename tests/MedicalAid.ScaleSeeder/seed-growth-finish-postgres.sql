-- Books what the seed-growth-postgres.sql chunks staged, after the last of them: adds their settlements to the usage
-- rows, and gives every fund they paid from one TopUp ledger entry covering it (plus 5,000,000,000.00 for a fund still
-- near zero, i.e. opened by the seeding), so that every balance equals its ledger and none moves down. Then drops
-- the staging tables, and builds the report's rollups again from every settlement stored (the same statements as
-- the ReportRollups migration), so that the measured settlements upsert into rollups of the database's real size.
\set ON_ERROR_STOP on
SET work_mem = '256MB';
BEGIN;

INSERT INTO "BeneficiaryYearUsages" AS u ("BeneficiaryId", "Year", "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity")
SELECT beneficiary_id, year, sum(subsidy), 0, 0, sum(outpatient), sum(inpatient), sum(temporary), sum(charity)
FROM growth_usage_delta
GROUP BY beneficiary_id, year
ON CONFLICT ("BeneficiaryId", "Year") DO UPDATE SET
    "InsuranceSubsidy" = u."InsuranceSubsidy" + excluded."InsuranceSubsidy",
    "Outpatient" = u."Outpatient" + excluded."Outpatient",
    "Inpatient" = u."Inpatient" + excluded."Inpatient",
    "Temporary" = u."Temporary" + excluded."Temporary",
    "Charity" = u."Charity" + excluded."Charity";

CREATE TEMP TABLE growth_topups ON COMMIT DROP AS
SELECT f."Id" AS fund_id, f."Channel" AS channel, f."Year" AS year,
       paid.amount + CASE WHEN f."Balance" < 100000000000 THEN 500000000000 ELSE 0 END AS top_up,
       paid.amount AS paid
FROM "Funds" f
JOIN (SELECT year, channel, sum(paid) AS amount FROM growth_fund_delta GROUP BY year, channel) paid
  ON paid.year = f."Year" AND paid.channel = f."Channel";

INSERT INTO "LedgerEntries" ("FundId", "Channel", "Year", "Kind", "Amount", "Note", "CreatedAt")
SELECT fund_id, channel, year, 'TopUp', top_up, 'growth seeding', now() FROM growth_topups WHERE top_up > 0;

UPDATE "Funds" f SET "Balance" = f."Balance" + t.top_up - t.paid FROM growth_topups t WHERE f."Id" = t.fund_id;

TRUNCATE "MonthlySettlementTotals", "PersonSettledMonths";

INSERT INTO "MonthlySettlementTotals" ("Year", "Month", "HospitalCode", "CategoryCode", "Shard", "SettlementCount", "ReversedCount",
    "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity")
SELECT "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8,
       SUM(CASE WHEN "Status" = 'Settled' THEN 1 ELSE 0 END), SUM(CASE WHEN "Status" = 'Reversed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "InsuranceSubsidy" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Outpatient" ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "Inpatient" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Temporary" ELSE 0 END),
       SUM(CASE WHEN "Status" = 'Settled' THEN "Charity" ELSE 0 END)
FROM "Settlements"
GROUP BY "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8;

INSERT INTO "PersonSettledMonths" ("Year", "BeneficiaryId", "Dimension", "Key", "Months")
SELECT "Year", "BeneficiaryId", "Dimension", "Key", SUM("Bit")
FROM (
    SELECT "ServiceYear" AS "Year", "BeneficiaryId", 'All' AS "Dimension", '' AS "Key", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) AS "Bit"
    FROM "Settlements" WHERE "Status" = 'Settled'
    UNION
    SELECT "ServiceYear", "BeneficiaryId", 'Hospital', "HospitalCode", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) FROM "Settlements" WHERE "Status" = 'Settled'
    UNION
    SELECT "ServiceYear", "BeneficiaryId", 'Category', "CategoryCode", 1 << (CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER) - 1) FROM "Settlements" WHERE "Status" = 'Settled'
) AS "Bits"
GROUP BY "Year", "BeneficiaryId", "Dimension", "Key";

DROP TABLE growth_usage_delta, growth_fund_delta, growth_people;
COMMIT;
