using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>When auth-service cannot answer, tool calls fail closed with 503; the public tool still works.</summary>
public sealed class OutageTests(McpHostFixture fixture, TestServers servers) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Auth_service_stopped_gives_503_and_get_health_says_so()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var (_, unused) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        using var before = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), token);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await fixture.AuthService.StopAsync();
        // A token mcp-host has not decided yet must be asked about: 503. (One it decided may still be served from
        // the decision cache: nothing can be revoked while auth-service, which holds the admin API, is down.)
        using var after = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), unused);
        await using var client = await fixture.ConnectAsync();
        var health = await McpHostFixture.CallAsync(client, "get_health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        var body = JsonDocument.Parse(await after.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("unavailable", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal("Authentication service is unavailable.", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(("degraded", "unhealthy"), (health.GetProperty("status").GetString(), health.GetProperty("authService").GetString()));
    }

    [Fact]
    public async Task Auth_service_that_never_answers_gives_503_within_the_timeout()
    {
        // A listener that accepts connections and never responds: a hung auth-service.
        using var blackHole = new TcpListener(System.Net.IPAddress.Loopback, 0);
        blackHole.Start();
        var port = ((System.Net.IPEndPoint)blackHole.LocalEndpoint).Port;
        var librarydb = "librarydb_hung_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync(librarydb);
        await using var mcpHost = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(librarydb),
            ["services:auth-service:http:0"] = $"http://127.0.0.1:{port}",
            ["Mcp:AuthTimeoutMilliseconds"] = "1000",
        });

        using var response = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), "mnm_anything", host: mcpHost);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
