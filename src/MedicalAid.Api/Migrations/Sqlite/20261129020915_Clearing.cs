using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Clearing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ClearingStatements",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: false),
                    HospitalCode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    SettlementCount = table.Column<int>(type: "INTEGER", nullable: false),
                    ReversalCount = table.Column<int>(type: "INTEGER", nullable: false),
                    InsuranceSubsidy = table.Column<long>(type: "INTEGER", nullable: false),
                    Outpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Inpatient = table.Column<long>(type: "INTEGER", nullable: false),
                    Temporary = table.Column<long>(type: "INTEGER", nullable: false),
                    Charity = table.Column<long>(type: "INTEGER", nullable: false),
                    Total = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AcknowledgedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    PaidAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClearingStatements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ClearingStatements_Hospitals_HospitalId",
                        column: x => x.HospitalId,
                        principalTable: "Hospitals",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OutboxMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    HospitalId = table.Column<int>(type: "INTEGER", nullable: false),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OutboxMessages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_OutboxMessages_Hospitals_HospitalId",
                        column: x => x.HospitalId,
                        principalTable: "Hospitals",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ClearingStatements_HospitalId_Month",
                table: "ClearingStatements",
                columns: new[] { "HospitalId", "Month" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ClearingStatements_Month",
                table: "ClearingStatements",
                column: "Month");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_DeliveredAt_NextAttemptAt",
                table: "OutboxMessages",
                columns: new[] { "DeliveredAt", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_DeliveryId",
                table: "OutboxMessages",
                column: "DeliveryId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_HospitalId",
                table: "OutboxMessages",
                column: "HospitalId");

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_SubjectId",
                table: "OutboxMessages",
                column: "SubjectId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClearingStatements");

            migrationBuilder.DropTable(
                name: "OutboxMessages");
        }
    }
}
