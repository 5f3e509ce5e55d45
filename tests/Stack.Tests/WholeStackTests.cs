using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AppHost;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.Stack.Tests;

/// <summary>The stack as a user runs it: admin API, MCP client, traces on the dashboard.</summary>
public sealed class WholeStackTests(StackApp stack)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_minted_through_the_admin_api_searches_through_mcp_host_and_the_call_is_one_trace()
    {
        var word = "heliotrope" + Guid.NewGuid().ToString("N")[..6];
        var library = "lib-" + Guid.NewGuid().ToString("N")[..8];
        using var auth = Admin("auth-service");
        using var mcp = Admin("mcp-host");
        (await mcp.PutAsJsonAsync($"/admin/v1/libraries/{library}", new { name = "Garden", workspace = "ws-1" }, Cancel)).EnsureSuccessStatusCode();
        (await mcp.PutAsJsonAsync($"/admin/v1/libraries/{library}/documents/{library}-d", new { title = "Plants", content = $"The {word} flowers in June." }, Cancel)).EnsureSuccessStatusCode();
        var username = "user-" + Guid.NewGuid().ToString("N")[..8];
        (await auth.PostAsJsonAsync("/admin/v1/users", new { username }, Cancel)).EnsureSuccessStatusCode();
        var minted = await (await auth.PostAsJsonAsync("/admin/v1/tokens",
            new { username, name = "stack-test", libraries = new[] { library } }, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(stack.App.GetEndpoint("mcp-host", "http"), "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + minted.GetProperty("token").GetString() },
        }), cancellationToken: Cancel);
        var result = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = word }, cancellationToken: Cancel);

        Assert.NotEqual(true, result.IsError);
        var hits = JsonDocument.Parse(Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text).RootElement;
        var hit = Assert.Single(hits.EnumerateArray());
        Assert.Equal((library, library + "-d"), (hit.GetProperty("library").GetString(), hit.GetProperty("document").GetString()));

        // The dashboard holds this tools/call as one trace named after it, across both services.
        Assert.NotEmpty(await TracesCrossingBothServicesAsync());
    }

    [Fact]
    public void The_dashboard_says_which_infrastructure_runs_and_where_the_library_store_is()
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState("infrastructure", out var notice));

        var notes = notice.Snapshot.Properties.Select(p => p.Value?.ToString()).ToList();
        Assert.Equal("Local", notice.Snapshot.State?.Text);
        Assert.Contains("Infrastructure: local (Infrastructure=local).", notes);
        // Local mode here runs no Neo4j, so the store is Postgres either way; what the notice says depends on the setting.
        var postgresOnly = stack.App.Services.GetRequiredService<IConfiguration>()[LibraryStoreMode.SettingName] == "postgres";
        Assert.Contains(postgresOnly
            ? "AppHost:LibraryStore=postgres: the library store is Postgres (librarydb)."
            : "No neo4j on PATH: the library store is Postgres (librarydb).", notes);
    }

    private HttpClient Admin(string resource)
    {
        var client = stack.App.CreateHttpClient(resource, "http");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminKey);
        return client;
    }

    /// <summary>
    /// Trace ids in which the dashboard holds two mcp-host spans named <c>tools/call search</c> (the HTTP request
    /// and the MCP SDK's own), mcp-host's <c>auth.resolve</c> span, and auth-service's <c>POST /v1/resolve</c> span (telemetry
    /// export is batched, so this polls).
    /// </summary>
    private async Task<HashSet<string>> TracesCrossingBothServicesAsync()
    {
        using var dashboard = await DashboardApi.ConnectAsync(stack, Cancel);
        var crossing = new HashSet<string>();
        for (var attempt = 0; attempt < 60 && crossing.Count == 0; attempt++)
        {
            var mcpHost = await dashboard.SpansAsync("mcp-host", Cancel);
            var authService = await dashboard.SpansAsync("auth-service", Cancel);
            crossing =
            [
                .. mcpHost.GroupBy(s => s.TraceId)
                    .Where(trace => trace.Count(s => s.Name == "tools/call search") == 2 && trace.Any(s => s.Name == "auth.resolve"))
                    .Select(trace => trace.Key)
                    .Intersect(authService.Where(s => s.Name.StartsWith("POST /v1/resolve", StringComparison.Ordinal)).Select(s => s.TraceId)),
            ];
            if (crossing.Count == 0)
            {
                await Task.Delay(500, Cancel);
            }
        }

        return crossing;
    }
}
