using System.Net;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The Postgres library store stopped under a running mcp-host (its own server, so no other test notices): tools say
/// the store is unavailable, and work again when it is back. The fault harness (<c>bench -- chaos</c>) found these
/// answering the SDK's generic "an error occurred": EF Core wraps a transient Npgsql error in an
/// <see cref="InvalidOperationException"/>, which the store boundary did not recognise.
/// </summary>
public sealed class LibraryDatabaseOutageTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Stopped_library_database_gives_a_tool_error_saying_so_and_recovers_without_a_restart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("librarydb");
        await using var mcpHost = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = postgres.ConnectionString("librarydb"),
        });
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var search = McpHostFixture.ToolCall("search", new { query = "x" });
        using var before = await fixture.PostMcpAsync(search, token, host: mcpHost);

        await postgres.StopAsync();
        using var during = await fixture.PostMcpAsync(search, token, host: mcpHost);
        await postgres.StartAgainAsync();
        using var after = await fixture.PostMcpAsync(search, token, host: mcpHost);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        // The gate let it through (the decision needs no library store for an opaque token); the tool says what is down.
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        var text = await during.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"isError\":true", text, StringComparison.Ordinal);
        Assert.Contains(Tools.StoreOutageFilter.Message, text, StringComparison.Ordinal);
        Assert.DoesNotContain("isError\":true", await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
