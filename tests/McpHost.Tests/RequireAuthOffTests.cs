using System.Net;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary><c>Auth:RequireAuth=false</c>: calls without a valid token run but see nothing; allow-lists still hold.</summary>
public sealed class RequireAuthOffTests(McpHostFixture fixture, TestServers servers) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Without_required_auth_anonymous_calls_see_no_library_and_allow_lists_still_refuse()
    {
        var (library, _) = await fixture.AddLibraryWithDocumentAsync("ws-open", "sigma");
        var (_, limited) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library], ["search"]);
        var librarydb = "librarydb_open_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync(librarydb);
        await using var open = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(librarydb),
            ["Auth:RequireAuth"] = "false",
        });

        using var anonymous = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), host: open);
        using var forbidden = await fixture.PostMcpAsync(McpHostFixture.ToolCall("get_document", new { uid = "x" }), limited, host: open);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Contains("\"text\":\"[]\"", await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains(open.Logs.Lines(), l => l.Contains("mcp.auth.not_required", StringComparison.Ordinal));
    }
}
