using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    HospitalId = table.Column<int>(type: "integer", nullable: false),
                    HospitalCode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Month = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    SettlementCount = table.Column<int>(type: "integer", nullable: false),
                    ReversalCount = table.Column<int>(type: "integer", nullable: false),
                    InsuranceSubsidy = table.Column<long>(type: "bigint", nullable: false),
                    Outpatient = table.Column<long>(type: "bigint", nullable: false),
                    Inpatient = table.Column<long>(type: "bigint", nullable: false),
                    Temporary = table.Column<long>(type: "bigint", nullable: false),
                    Charity = table.Column<long>(type: "bigint", nullable: false),
                    Total = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    IssuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    PaidAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Payload = table.Column<string>(type: "text", nullable: false),
                    HospitalId = table.Column<int>(type: "integer", nullable: false),
                    SubjectId = table.Column<Guid>(type: "uuid", nullable: false),
                    DeliveryId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DeliveredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
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
