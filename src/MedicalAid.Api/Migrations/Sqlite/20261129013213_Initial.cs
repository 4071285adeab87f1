using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EntityType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EntityId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Before = table.Column<string>(type: "TEXT", nullable: true),
                    After = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Beneficiaries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    IdNumber = table.Column<string>(type: "TEXT", maxLength: 18, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DivisionCode = table.Column<string>(type: "TEXT", maxLength: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Beneficiaries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Categories",
                columns: table => new
                {
                    Code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Categories", x => x.Code);
                });

            migrationBuilder.CreateTable(
                name: "Funds",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Year = table.Column<int>(type: "INTEGER", nullable: false),
                    Balance = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Funds", x => x.Id);
                    table.CheckConstraint("CK_Funds_BalanceNotNegative", "\"Balance\" >= 0");
                });

            migrationBuilder.CreateTable(
                name: "Hospitals",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Code = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Level = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ApiKeyHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CallbackBaseUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    IsActive = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Hospitals", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IdempotencyRecords",
                columns: table => new
                {
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Operation = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    RequestFingerprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ResponseStatus = table.Column<int>(type: "INTEGER", nullable: false),
                    ResponseBody = table.Column<string>(type: "TEXT", nullable: true),
                    SettlementId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdempotencyRecords", x => new { x.HospitalId, x.Key });
                });

            migrationBuilder.CreateTable(
                name: "PolicyVersions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EffectiveFrom = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    EffectiveTo = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    Document = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PolicyVersions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BeneficiaryYearUsages",
                columns: table => new
                {
                    BeneficiaryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Year = table.Column<int>(type: "INTEGER", nullable: false),
                    InsuranceSubsidy = table.Column<long>(type: "INTEGER", nullable: false),
                    OutpatientDeductible = table.Column<long>(type: "INTEGER", nullable: false),
                    InpatientDeductible = table.Column<long>(type: "INTEGER", nullable: false),
                    Outpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Inpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Temporary = table.Column<long>(type: "INTEGER", nullable: false),
                    Charity = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BeneficiaryYearUsages", x => new { x.BeneficiaryId, x.Year });
                    table.ForeignKey(
                        name: "FK_BeneficiaryYearUsages_Beneficiaries_BeneficiaryId",
                        column: x => x.BeneficiaryId,
                        principalTable: "Beneficiaries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "PremiumSubsidyPayments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BeneficiaryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Year = table.Column<int>(type: "INTEGER", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PaidAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PremiumSubsidyPayments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PremiumSubsidyPayments_Beneficiaries_BeneficiaryId",
                        column: x => x.BeneficiaryId,
                        principalTable: "Beneficiaries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "BeneficiaryStatusChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    BeneficiaryId = table.Column<long>(type: "INTEGER", nullable: false),
                    EffectiveFrom = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    CategoryCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IsActive = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BeneficiaryStatusChanges", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BeneficiaryStatusChanges_Beneficiaries_BeneficiaryId",
                        column: x => x.BeneficiaryId,
                        principalTable: "Beneficiaries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_BeneficiaryStatusChanges_Categories_CategoryCode",
                        column: x => x.CategoryCode,
                        principalTable: "Categories",
                        principalColumn: "Code",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LedgerEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FundId = table.Column<int>(type: "INTEGER", nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Year = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    SettlementId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ReversalId = table.Column<Guid>(type: "TEXT", nullable: true),
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: true),
                    BeneficiaryId = table.Column<long>(type: "INTEGER", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LedgerEntries_Funds_FundId",
                        column: x => x.FundId,
                        principalTable: "Funds",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Settlements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: false),
                    HospitalCode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    VisitNumber = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    VisitType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    BeneficiaryId = table.Column<long>(type: "INTEGER", nullable: false),
                    IdNumber = table.Column<string>(type: "TEXT", maxLength: 18, nullable: false),
                    BeneficiaryName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CategoryCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ServiceDate = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ServiceYear = table.Column<int>(type: "INTEGER", nullable: false),
                    AdmissionDate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    DischargeDate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    VisitDate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    DiagnosisCodes = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    PolicyVersionId = table.Column<int>(type: "INTEGER", nullable: false),
                    PolicyCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Total = table.Column<long>(type: "INTEGER", nullable: false),
                    PolicyScope = table.Column<long>(type: "INTEGER", nullable: false),
                    BasicInsurancePaid = table.Column<long>(type: "INTEGER", nullable: false),
                    CriticalIllnessInsurancePaid = table.Column<long>(type: "INTEGER", nullable: false),
                    OtherInsurancePaid = table.Column<long>(type: "INTEGER", nullable: false),
                    InsuranceSubsidy = table.Column<long>(type: "INTEGER", nullable: false),
                    Outpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Inpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Temporary = table.Column<long>(type: "INTEGER", nullable: false),
                    Charity = table.Column<long>(type: "INTEGER", nullable: false),
                    DeductibleApplied = table.Column<long>(type: "INTEGER", nullable: false),
                    AssistanceTotal = table.Column<long>(type: "INTEGER", nullable: false),
                    FundsSettled = table.Column<long>(type: "INTEGER", nullable: false),
                    PatientPays = table.Column<long>(type: "INTEGER", nullable: false),
                    ChannelDetails = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SettledAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReversedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Settlements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Settlements_Beneficiaries_BeneficiaryId",
                        column: x => x.BeneficiaryId,
                        principalTable: "Beneficiaries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Settlements_Hospitals_HospitalId",
                        column: x => x.HospitalId,
                        principalTable: "Hospitals",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Settlements_PolicyVersions_PolicyVersionId",
                        column: x => x.PolicyVersionId,
                        principalTable: "PolicyVersions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SettlementReversals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SettlementId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ReversedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SettlementReversals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SettlementReversals_Settlements_SettlementId",
                        column: x => x.SettlementId,
                        principalTable: "Settlements",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_At",
                table: "AuditEntries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_EntityType_EntityId",
                table: "AuditEntries",
                columns: new[] { "EntityType", "EntityId" });

            migrationBuilder.CreateIndex(
                name: "IX_Beneficiaries_IdNumber",
                table: "Beneficiaries",
                column: "IdNumber",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_BeneficiaryStatusChanges_BeneficiaryId_EffectiveFrom",
                table: "BeneficiaryStatusChanges",
                columns: new[] { "BeneficiaryId", "EffectiveFrom" });

            migrationBuilder.CreateIndex(
                name: "IX_BeneficiaryStatusChanges_CategoryCode",
                table: "BeneficiaryStatusChanges",
                column: "CategoryCode");

            migrationBuilder.CreateIndex(
                name: "IX_Funds_Year_Channel",
                table: "Funds",
                columns: new[] { "Year", "Channel" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hospitals_ApiKeyHash",
                table: "Hospitals",
                column: "ApiKeyHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Hospitals_Code",
                table: "Hospitals",
                column: "Code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_FundId",
                table: "LedgerEntries",
                column: "FundId");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_SettlementId",
                table: "LedgerEntries",
                column: "SettlementId");

            migrationBuilder.CreateIndex(
                name: "IX_PolicyVersions_Code",
                table: "PolicyVersions",
                column: "Code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PolicyVersions_EffectiveFrom",
                table: "PolicyVersions",
                column: "EffectiveFrom");

            migrationBuilder.CreateIndex(
                name: "IX_PremiumSubsidyPayments_BeneficiaryId_Year",
                table: "PremiumSubsidyPayments",
                columns: new[] { "BeneficiaryId", "Year" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SettlementReversals_HospitalId_ReversedAt",
                table: "SettlementReversals",
                columns: new[] { "HospitalId", "ReversedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_SettlementReversals_SettlementId",
                table: "SettlementReversals",
                column: "SettlementId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_BeneficiaryId_ServiceYear",
                table: "Settlements",
                columns: new[] { "BeneficiaryId", "ServiceYear" });

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_HospitalId_IdempotencyKey",
                table: "Settlements",
                columns: new[] { "HospitalId", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_HospitalId_SettledAt",
                table: "Settlements",
                columns: new[] { "HospitalId", "SettledAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_OneUnreversedPerVisit",
                table: "Settlements",
                columns: new[] { "HospitalId", "VisitNumber" },
                unique: true,
                filter: "\"Status\" = 'Settled'");

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_PolicyVersionId",
                table: "Settlements",
                column: "PolicyVersionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditEntries");

            migrationBuilder.DropTable(
                name: "BeneficiaryStatusChanges");

            migrationBuilder.DropTable(
                name: "BeneficiaryYearUsages");

            migrationBuilder.DropTable(
                name: "IdempotencyRecords");

            migrationBuilder.DropTable(
                name: "LedgerEntries");

            migrationBuilder.DropTable(
                name: "PremiumSubsidyPayments");

            migrationBuilder.DropTable(
                name: "SettlementReversals");

            migrationBuilder.DropTable(
                name: "Categories");

            migrationBuilder.DropTable(
                name: "Funds");

            migrationBuilder.DropTable(
                name: "Settlements");

            migrationBuilder.DropTable(
                name: "Beneficiaries");

            migrationBuilder.DropTable(
                name: "Hospitals");

            migrationBuilder.DropTable(
                name: "PolicyVersions");
        }
    }
}
