using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.McpHost.Audit;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// One test class's services (<see cref="ServiceFixture"/>): a real AuthService and a real McpHost on Kestrel, the
/// McpHost caching decisions in the run's Redis as deployed.
/// <see cref="ServiceFixture.Time"/> is AuthService's clock; McpHost keeps the real one, which its timeouts and its
/// invalidation lease run on.
/// </summary>
public class McpHostFixture(TestServers servers) : ServiceFixture(servers)
{
    public const string AllowedOrigin = "http://allowed.example";
    private TestHost? _authService;
    private TestHost? _mcpHost;

    public TestHost AuthService => _authService ?? throw new InvalidOperationException("The fixture is not started.");

    public TestHost McpHost => _mcpHost ?? throw new InvalidOperationException("The fixture is not started.");

    public AuthApi Auth => new(AuthService, AdminKey, InternalKey);

    protected override async Task StartAsync()
    {
        await BeforeStartAsync();
        _authService = Track(await TestHost.StartAuthServiceAsync(AuthServiceSettings(), Time, environment: AuthServiceEnvironment,
            services: ConfigureAuthService));
        _mcpHost = Track(await StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = Servers.Postgres.ConnectionString(LibraryDatabase),
            ["Mcp:AllowedOrigins:0"] = AllowedOrigin,
            ["Mcp:AuthTimeoutMilliseconds"] = "2000",
        }, port: McpHostPort));
    }

    /// <summary>auth-service's settings: the world's, with what this fixture adds (also for another replica).</summary>
    public Dictionary<string, string?> AuthServiceSettings()
    {
        var settings = Settings();
        AddSettings(settings);
        return settings;
    }

    /// <summary>What a derived fixture starts before the services (e.g. an identity provider they trust).</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    /// <summary>Settings a derived fixture gives both services.</summary>
    protected virtual void AddSettings(Dictionary<string, string?> configuration)
    {
    }

    /// <summary>What a derived fixture adds to auth-service's services (e.g. trust in a test server's certificate).</summary>
    public virtual void ConfigureAuthService(IServiceCollection services)
    {
    }

    /// <summary>auth-service's host environment: Production, unless a fixture needs Development-only behaviour.</summary>
    protected virtual string? AuthServiceEnvironment => null;

    /// <summary>The first McpHost's port (0: any), for a fixture that must know its URL before it starts.</summary>
    protected virtual int McpHostPort => 0;

    /// <summary>
    /// Another McpHost with this fixture's keys and auth-service, on the real clock; <paramref name="settings"/> adds to
    /// or overrides that (give it a library store: <c>ConnectionStrings:librarydb</c> or <c>ConnectionStrings:neo4j</c>).
    /// The caller disposes it.
    /// </summary>
    public Task<TestHost> StartMcpHostAsync(IDictionary<string, string?> settings, bool waitUntilHealthy = true, int port = 0)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Auth:AdminKey"] = AdminKey,
            ["Auth:InternalKey"] = InternalKey,
            ["services:auth-service:http:0"] = AuthService.Address.ToString().TrimEnd('/'),
            ["ConnectionStrings:redis"] = Servers.Redis.ConnectionString,
        };
        AddSettings(configuration);
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return TestHost.StartAsync(typeof(McpHostSetup).Assembly.GetName().Name!, configuration, TimeProvider.System,
            builder => builder.AddMcpHost(), app => app.MapMcpHost(), waitUntilHealthy, port);
    }

    /// <summary>An MCP client (the official SDK) connected to <c>/mcp</c>, with a bearer when one is given.</summary>
    public async Task<McpClient> ConnectAsync(string? token = null)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(McpHost.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        };
        if (token is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token };
        }

        return await McpClient.CreateAsync(new HttpClientTransport(options)).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Calls a tool and returns its JSON answer; a tool error fails the test with its message.</summary>
    public static async Task<JsonElement> CallAsync(McpClient client, string tool, Dictionary<string, object?>? arguments = null)
    {
        var result = await CallRawAsync(client, tool, arguments);
        Assert.False(result.IsError == true, $"{tool} answered an error: {Text(result)}");
        return JsonDocument.Parse(Text(result)).RootElement.Clone();
    }

    public static async Task<CallToolResult> CallRawAsync(McpClient client, string tool, Dictionary<string, object?>? arguments = null) =>
        await client.CallToolAsync(tool, arguments).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    /// <summary>Sends what mcp-host has queued for the audit trail and writes what auth-service has queued, now.</summary>
    public async Task FlushAuditAsync()
    {
        Assert.True(await McpHost.Services.GetRequiredService<AuditForwarder>().SendQueuedAsync(TestContext.Current.CancellationToken));
        Assert.True(await AuthService.Services.GetRequiredService<AuditTrail>().WriteQueuedAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>A raw JSON-RPC POST to <c>/mcp</c>, to see exactly what HTTP status, headers and body come back.</summary>
    public async Task<HttpResponseMessage> PostMcpAsync(string body, string? token = null, string? origin = null,
        string? protocolVersion = null, bool expectContinue = false, TestHost? host = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        request.Headers.ExpectContinue = expectContinue;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        return await (host ?? McpHost).Http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public static string ToolCall(string tool, object arguments, int id = 7) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method = "tools/call", @params = new { name = tool, arguments } });

    public async Task PutLibraryAsync(string uid, string workspace, string? name = null)
    {
        using var client = McpHost.ClientWithBearer(AdminKey);
        using var response = await client.PutAsJsonAsync($"/admin/v1/libraries/{uid}", new { name = name ?? uid, workspace });
        Assert.True(response.IsSuccessStatusCode, $"PUT library {uid}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task PutDocumentAsync(string library, string uid, string title, string content)
    {
        using var client = McpHost.ClientWithBearer(AdminKey);
        using var response = await client.PutAsJsonAsync($"/admin/v1/libraries/{library}/documents/{uid}", new { title, content });
        Assert.True(response.IsSuccessStatusCode, $"PUT document {uid}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A library with one document whose content mentions <paramref name="word"/>; returns their uids.</summary>
    public async Task<(string Library, string Document)> AddLibraryWithDocumentAsync(string workspace, string word)
    {
        var library = AuthApi.Unique("lib");
        var document = AuthApi.Unique("doc");
        await PutLibraryAsync(library, workspace);
        await PutDocumentAsync(library, document, $"Notes on {word}", $"This document explains {word} in some detail.");
        return (library, document);
    }
}
