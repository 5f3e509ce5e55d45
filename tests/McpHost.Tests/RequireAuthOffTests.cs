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
        await using var open = await TestHost.StartAsync(typeof(McpHostSetup).Assembly.GetName().Name!, new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(librarydb),
            ["Auth:AdminKey"] = stack.AdminKey,
            ["Auth:InternalKey"] = stack.InternalKey,
            ["Auth:RequireAuth"] = "false",
            ["services:auth-service:http:0"] = stack.AuthService.Address.ToString().TrimEnd('/'),
        }, TimeProvider.System, builder => builder.AddMcpHost(), app => app.MapMcpHost());

        using var anonymous = await PostAsync(open, StackFixture.ToolCall("list_libraries", new { }), token: null);
        using var forbidden = await PostAsync(open, StackFixture.ToolCall("get_document", new { uid = "x" }), limited);

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Contains("\"text\":\"[]\"", await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains(open.Logs.Lines, l => l.Contains("mcp.auth.not_required", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> PostAsync(TestHost host, string body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        if (token is not null)
        {
            request.Headers.Add("Authorization", "Bearer " + token);
        }

        return await host.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
