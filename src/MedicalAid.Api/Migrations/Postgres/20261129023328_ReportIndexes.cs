using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReportIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Settlements_ServiceDate_Status",
                table: "Settlements",
                columns: new[] { "ServiceDate", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Settlements_SettledAt_Id",
                table: "Settlements",
                columns: new[] { "SettledAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Settlements_ServiceDate_Status",
                table: "Settlements");

            migrationBuilder.DropIndex(
                name: "IX_Settlements_SettledAt_Id",
                table: "Settlements");
        }
    }
}
