using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mnemosyne.AuthService.Data.Migrations
{
    /// <inheritdoc />
    public partial class TeamGroups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "Groups",
                table: "Teams",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'"); // existing teams start with no groups

            migrationBuilder.CreateIndex(
                name: "IX_Teams_Groups",
                table: "Teams",
                column: "Groups")
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Teams_Groups",
                table: "Teams");

            migrationBuilder.DropColumn(
                name: "Groups",
                table: "Teams");
        }
    }
}
