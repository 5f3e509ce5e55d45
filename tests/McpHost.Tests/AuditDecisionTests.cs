using System.Net;
using Mnemosyne.McpHost.Tests.Infrastructure;
using Npgsql;

namespace Mnemosyne.McpHost.Tests;

/// <summary>CONTRACT §8 at the gate: every tools/call decision, cached or not, and library-admin changes reach authdb.</summary>
public sealed class AuditDecisionTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Every_tools_call_decision_is_audited_and_no_secret_is_stored()
    {
        var secretWord = "confidential" + Guid.NewGuid().ToString("N")[..8];
        var (library, _) = await fixture.AddLibraryWithDocumentAsync("ws-audit", secretWord);
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library], ["list_libraries"]);
        var principal = "mcptoken:" + token[..12] + "…";
        var list = McpHostFixture.ToolCall("list_libraries", new { });
        var search = McpHostFixture.ToolCall("search", new { query = secretWord });

        await ExpectAsync(HttpStatusCode.OK, list, token);          // allowed, a miss
        await ExpectAsync(HttpStatusCode.OK, list, token);          // allowed, from the cache
        await ExpectAsync(HttpStatusCode.Forbidden, search, token); // tool_not_allowed
        await ExpectAsync(HttpStatusCode.Unauthorized, search, null);
        await ExpectAsync(HttpStatusCode.Unauthorized, search, "mnm_" + new string('x', 43));
        await ExpectAsync(HttpStatusCode.OK, McpHostFixture.ToolCall("get_health", new { }), null);
        await fixture.FlushAuditAsync();

        var mine = (await fixture.Auth.AdminAsync(HttpMethod.Get, $"/admin/v1/audit?principal={Uri.EscapeDataString(principal)}")).Body
            .GetProperty("items").EnumerateArray().ToList();
        // Allowed decisions and the refusal of an identified token name the principal (CONTRACT §8), newest first.
        Assert.Equal(["refused", "allowed", "allowed"], mine.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal(["search", "list_libraries", "list_libraries"], mine.Select(i => i.GetProperty("tool").GetString()));
        Assert.Equal([0, 1, 1], mine.Select(i => i.GetProperty("libraryCount").GetInt32()));
        Assert.All(mine, i => Assert.Equal("opaque", i.GetProperty("kind").GetString()));

        var rows = await AuditRowsAsync();
        Assert.Contains(rows, r => r.Contains("\"Reason\":\"tool_not_allowed\"", StringComparison.Ordinal)
                                   && r.Contains("\"Tool\":\"search\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("\"Reason\":\"missing_token\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("\"Reason\":\"invalid_token\"", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("\"Tool\":\"get_health\"", StringComparison.Ordinal)
                                   && r.Contains("\"Principal\":null", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("\"Action\":\"library.put\"", StringComparison.Ordinal)
                                   && r.Contains($"libraries/{library}", StringComparison.Ordinal));
        foreach (var secret in new[] { token, token[12..], fixture.AdminKey, fixture.InternalKey, secretWord })
        {
            Assert.DoesNotContain(rows, r => r.Contains(secret, StringComparison.Ordinal));
        }
    }

    private async Task ExpectAsync(HttpStatusCode status, string body, string? token)
    {
        using var response = await fixture.PostMcpAsync(body, token);
        Assert.Equal(status, response.StatusCode);
    }

    private async Task<List<string>> AuditRowsAsync()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        await using var command = db.CreateCommand("SELECT row_to_json(a)::text FROM \"AuditEvents\" a");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    [Fact]
    public async Task A_tool_call_naming_no_possible_tool_is_400_audited_cut_to_size_and_auditing_goes_on()
    {
        var longName = new string('t', 5000);
        using (var refused = await fixture.PostMcpAsync(McpHostFixture.ToolCall(longName, new { }), null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // no tool has such a name: refused before any decision
            Assert.Contains("\"reason\":\"invalid_params\"", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken),
                StringComparison.Ordinal);
        }

        using (var empty = await fixture.PostMcpAsync(McpHostFixture.ToolCall("", new { }), null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }

        using (var next = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "after" }), null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        }

        await fixture.FlushAuditAsync();
        var rows = await AuditRowsAsync();
        Assert.Contains(rows, r => r.Contains("\"Tool\":\"" + new string('t', 299) + "…\"", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(new string('t', 301), StringComparison.Ordinal));
    }
}
