using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Mnemosyne.McpHost.Libraries.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "libraries",
                columns: table => new
                {
                    uid = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    workspace_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_libraries", x => x.uid);
                });

            migrationBuilder.CreateTable(
                name: "documents",
                columns: table => new
                {
                    uid = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    library_uid = table.Column<string>(type: "character varying(200)", nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    content = table.Column<string>(type: "text", nullable: false),
                    search_vector = table.Column<NpgsqlTsVector>(type: "tsvector", nullable: true, computedColumnSql: "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')", stored: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_documents", x => x.uid);
                    table.ForeignKey(
                        name: "FK_documents_libraries_library_uid",
                        column: x => x.library_uid,
                        principalTable: "libraries",
                        principalColumn: "uid",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_documents_library_uid",
                table: "documents",
                column: "library_uid");

            migrationBuilder.CreateIndex(
                name: "IX_documents_search_vector",
                table: "documents",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "GIN");

            migrationBuilder.CreateIndex(
                name: "IX_libraries_workspace_id",
                table: "libraries",
                column: "workspace_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "documents");

            migrationBuilder.DropTable(
                name: "libraries");
        }
    }
}
