using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
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

        // The dashboard holds this tools/call as one trace: mcp-host's request span and auth-service's resolve span.
        Assert.NotEmpty(await TracesCrossingBothServicesAsync());
    }

    [Fact]
    public void The_dashboard_says_which_infrastructure_runs_and_where_the_library_store_is()
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState("infrastructure", out var notice));

        var notes = notice.Snapshot.Properties.Select(p => p.Value?.ToString()).ToList();
        Assert.Equal("Local", notice.Snapshot.State?.Text);
        Assert.Contains("Infrastructure: local (Infrastructure=local).", notes);
        Assert.Contains("No neo4j on PATH: the library store is Postgres (librarydb).", notes);
    }

    private HttpClient Admin(string resource)
    {
        var client = stack.App.CreateHttpClient(resource, "http");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminKey);
        return client;
    }

    /// <summary>
    /// Trace ids in which the dashboard holds mcp-host's <c>POST /mcp</c> span and auth-service's <c>POST /v1/resolve</c>
    /// span (telemetry export is batched, so this polls).
    /// </summary>
    private async Task<HashSet<string>> TracesCrossingBothServicesAsync()
    {
        var dashboard = new Uri((await stack.App.GetDashboardUrlAsync(Cancel)).GetLeftPart(UriPartial.Authority));
        using var http = new HttpClient { BaseAddress = dashboard };
        http.DefaultRequestHeaders.Add("x-api-key", stack.DashboardApiKey);
        var crossing = new HashSet<string>();
        for (var attempt = 0; attempt < 60 && crossing.Count == 0; attempt++)
        {
            var mcpHost = await TracesWithSpanAsync(http, "mcp-host", "POST /mcp");
            var authService = await TracesWithSpanAsync(http, "auth-service", "POST /v1/resolve");
            crossing = [.. mcpHost.Intersect(authService)];
            if (crossing.Count == 0)
            {
                await Task.Delay(500, Cancel);
            }
        }

        return crossing;
    }

    /// <summary>Trace ids of a resource's spans whose name starts with <paramref name="spanName"/> (OTLP JSON).</summary>
    private static async Task<HashSet<string>> TracesWithSpanAsync(HttpClient dashboard, string resource, string spanName)
    {
        var json = await dashboard.GetFromJsonAsync<JsonElement>($"/api/telemetry/spans?resource={resource}", Cancel);
        return
        [
            .. json.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
                .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
                .SelectMany(s => s.GetProperty("spans").EnumerateArray())
                .Where(span => span.GetProperty("name").GetString()!.StartsWith(spanName, StringComparison.Ordinal))
                .Select(span => span.GetProperty("traceId").GetString()!),
        ];
    }
}
