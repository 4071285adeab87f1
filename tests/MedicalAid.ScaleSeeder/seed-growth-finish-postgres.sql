-- Books what the seed-growth-postgres.sql chunks staged, after the last of them: adds their settlements to the usage
-- rows, and gives every fund they paid from one TopUp ledger entry covering it (plus 5,000,000,000.00 for a fund still
-- near zero, i.e. opened by the seeding), so that every balance equals its ledger and none moves down. Then drops
-- the staging tables.
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

DROP TABLE growth_usage_delta, growth_fund_delta, growth_people;
COMMIT;
