using Npgsql;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>
/// An AuthService whose authdb holds 1,000,000 audit entries over 30 days, written in one <c>generate_series</c>
/// statement: 1,000 principals, four tools, one refusal in twenty, one admin change in fifty, and stored out of time
/// order (each row up to ten minutes late, as mcp-host's batches arrive).
/// </summary>
public sealed class MillionAuditRowsFixture(TestServers servers) : AuthFixture(servers)
{
    public const int Rows = 1_000_000;

    public DateTimeOffset Now => Time.GetUtcNow();

    public static string Principal(int n) => $"mcptoken:mnm_p{n:D7}…";

    protected override async Task StartAsync()
    {
        await base.StartAsync();
        await using var db = NpgsqlDataSource.Create(Servers.Postgres.ConnectionString(AuthDatabase));
        await using (var insert = db.CreateCommand(
            """
            INSERT INTO "AuditEvents" ("Time", "Type", "Principal", "Kind", "Tool", "Outcome", "Reason", "LibraryCount", "TraceId", "Action", "Target")
            SELECT $1 - g * interval '2.5 seconds' + (g::bigint * 7919 % 600) * interval '1 second',
                   CASE WHEN g % 50 = 0 THEN 'admin' ELSE 'decision' END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE 'mcptoken:mnm_p' || lpad((g % 1000)::text, 7, '0') || '…' END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE 'opaque' END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE (ARRAY['search', 'get_document', 'list_libraries', 'get_health'])[g % 4 + 1] END,
                   CASE WHEN g % 50 = 0 THEN 'succeeded' WHEN g % 20 = 1 THEN 'refused' ELSE 'allowed' END,
                   CASE WHEN g % 50 <> 0 AND g % 20 = 1 THEN 'rate_limited' END,
                   CASE WHEN g % 50 = 0 THEN NULL ELSE 2 END,
                   md5(g::text),
                   CASE WHEN g % 50 = 0 THEN 'token.deactivate' END,
                   CASE WHEN g % 50 = 0 THEN 'tokens/' || g || '/deactivate' END
            FROM generate_series(1, $2) AS g
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = Now });
            insert.Parameters.Add(new NpgsqlParameter { Value = Rows });
            insert.CommandTimeout = 300;
            await insert.ExecuteNonQueryAsync();
        }

        await using var analyze = db.CreateCommand("ANALYZE \"AuditEvents\"");
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync()
    {
        await using var db = NpgsqlDataSource.Create(Servers.Postgres.ConnectionString(AuthDatabase));
        await using var count = db.CreateCommand("SELECT count(*) FROM \"AuditEvents\"");
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
