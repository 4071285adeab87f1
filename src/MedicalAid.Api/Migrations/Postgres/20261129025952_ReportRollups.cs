using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "MonthlySettlementTotals",
                columns: table => new
                {
                    Year = table.Column<int>(type: "integer", nullable: false),
                    Month = table.Column<int>(type: "integer", nullable: false),
                    HospitalCode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    CategoryCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Shard = table.Column<int>(type: "integer", nullable: false),
                    SettlementCount = table.Column<long>(type: "bigint", nullable: false),
                    ReversedCount = table.Column<long>(type: "bigint", nullable: false),
                    InsuranceSubsidy = table.Column<long>(type: "bigint", nullable: false),
                    Outpatient = table.Column<long>(type: "bigint", nullable: false),
                    Inpatient = table.Column<long>(type: "bigint", nullable: false),
                    Temporary = table.Column<long>(type: "bigint", nullable: false),
                    Charity = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MonthlySettlementTotals", x => new { x.Year, x.Month, x.HospitalCode, x.CategoryCode, x.Shard });
                });

            migrationBuilder.CreateTable(
                name: "PersonSettledMonths",
                columns: table => new
                {
                    Year = table.Column<int>(type: "integer", nullable: false),
                    BeneficiaryId = table.Column<long>(type: "bigint", nullable: false),
                    Dimension = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Months = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PersonSettledMonths", x => new { x.Year, x.BeneficiaryId, x.Dimension, x.Key });
                });

            migrationBuilder.CreateIndex(
                name: "IX_PersonSettledMonths_Year_Dimension_Key_Months",
                table: "PersonSettledMonths",
                columns: new[] { "Year", "Dimension", "Key", "Months" });

            // Rollups for the settlements made before this migration, so that reports read the same before and after.
            migrationBuilder.Sql("""
                INSERT INTO "MonthlySettlementTotals" ("Year", "Month", "HospitalCode", "CategoryCode", "Shard", "SettlementCount", "ReversedCount",
                    "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity")
                SELECT "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8,
                       SUM(CASE WHEN "Status" = 'Settled' THEN 1 ELSE 0 END), SUM(CASE WHEN "Status" = 'Reversed' THEN 1 ELSE 0 END),
                       SUM(CASE WHEN "Status" = 'Settled' THEN "InsuranceSubsidy" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Outpatient" ELSE 0 END),
                       SUM(CASE WHEN "Status" = 'Settled' THEN "Inpatient" ELSE 0 END), SUM(CASE WHEN "Status" = 'Settled' THEN "Temporary" ELSE 0 END),
                       SUM(CASE WHEN "Status" = 'Settled' THEN "Charity" ELSE 0 END)
                FROM "Settlements"
                GROUP BY "ServiceYear", CAST(EXTRACT(MONTH FROM "ServiceDate") AS INTEGER), "HospitalCode", "CategoryCode", "BeneficiaryId" % 8;
                """);
            migrationBuilder.Sql("""
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
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MonthlySettlementTotals");

            migrationBuilder.DropTable(
                name: "PersonSettledMonths");
        }
    }
}
