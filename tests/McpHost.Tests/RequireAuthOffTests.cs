using System.Net;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary><c>Auth:RequireAuth=false</c>: calls without a valid token run but see nothing; allow-lists still hold.</summary>
public sealed class RequireAuthOffTests(StackFixture stack, TestServers servers) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Without_required_auth_anonymous_calls_see_no_library_and_allow_lists_still_refuse()
    {
        var (library, _) = await stack.AddLibraryWithDocumentAsync("ws-open", "sigma");
        var (_, limited) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), [library], ["search"]);
        var librarydb = "librarydb_open_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync(librarydb);
        await using var open = await stack.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(librarydb),
            ["Auth:RequireAuth"] = "false",
        });

        using var anonymous = await stack.PostMcpAsync(StackFixture.ToolCall("list_libraries", new { }), host: open);
        using var forbidden = await stack.PostMcpAsync(StackFixture.ToolCall("get_document", new { uid = "x" }), limited, host: open);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Contains("\"text\":\"[]\"", await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains(open.Logs.Lines(), l => l.Contains("mcp.auth.not_required", StringComparison.Ordinal));
    }
}
