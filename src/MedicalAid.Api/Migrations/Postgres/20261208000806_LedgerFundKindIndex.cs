using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MedicalAid.Api.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LedgerFundKindIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_FundId",
                table: "LedgerEntries");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_FundId_Kind",
                table: "LedgerEntries",
                columns: new[] { "FundId", "Kind" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_FundId_Kind",
                table: "LedgerEntries");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_FundId",
                table: "LedgerEntries",
                column: "FundId");
        }
    }
}
