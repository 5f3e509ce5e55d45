using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mnemosyne.AuthService.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditTimeOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Outcome_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Principal_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Time",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Tool_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Type_Id",
                table: "AuditEvents");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Outcome_Time_Id",
                table: "AuditEvents",
                columns: new[] { "Outcome", "Time", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Principal_Time_Id",
                table: "AuditEvents",
                columns: new[] { "Principal", "Time", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Time_Id",
                table: "AuditEvents",
                columns: new[] { "Time", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Tool_Time_Id",
                table: "AuditEvents",
                columns: new[] { "Tool", "Time", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Type_Time_Id",
                table: "AuditEvents",
                columns: new[] { "Type", "Time", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Outcome_Time_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Principal_Time_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Time_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Tool_Time_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_Type_Time_Id",
                table: "AuditEvents");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Outcome_Id",
                table: "AuditEvents",
                columns: new[] { "Outcome", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Principal_Id",
                table: "AuditEvents",
                columns: new[] { "Principal", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Time",
                table: "AuditEvents",
                column: "Time");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Tool_Id",
                table: "AuditEvents",
                columns: new[] { "Tool", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Type_Id",
                table: "AuditEvents",
                columns: new[] { "Type", "Id" });
        }
    }
}
