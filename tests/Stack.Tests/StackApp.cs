using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

[assembly: AssemblyFixture(typeof(Mnemosyne.Stack.Tests.StackApp))]

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// The whole AppHost, started once for these tests in local mode (no container runtime needed): Postgres and Redis from
/// local binaries with their data in a temp folder, both services, and the dashboard with its API enabled.
/// </summary>
public sealed class StackApp : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private DistributedApplication? _app;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "mnemosyne-stack-" + Guid.NewGuid().ToString("N")[..10]);

    public string AdminKey { get; } = RandomKey();

    public string DashboardApiKey { get; } = RandomKey();

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The stack is not started.");

    public bool Stopped { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                "--Infrastructure=local",
                $"--AppHost:DataDirectory={DataDirectory}",
                $"--AppHost:DashboardApiKey={DashboardApiKey}",
                $"--Parameters:admin-key={AdminKey}",
                $"--Parameters:internal-key={RandomKey()}",
                $"--Parameters:postgres-password={RandomKey()}",
            ],
            cancellation.Token);
        // The testing builder turns the dashboard's input prompts off; the browser test runs commands that ask for input.
        builder.Configuration["ASPIRE_INTERACTIVITY_ENABLED"] = "true";
        _app = await builder.BuildAsync(cancellation.Token);
        await _app.StartAsync(cancellation.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("mcp-host", cancellation.Token);
    }

    /// <summary>Stops everything (once); the stop test calls it, and disposal does too.</summary>
    /// <summary>
    /// Calls <paramref name="tool"/> through mcp-host with <paramref name="token"/> as a plain HTTP client does and
    /// returns the status (a refusal is an HTTP status, which the MCP client would turn into an exception).
    /// </summary>
    public async Task<System.Net.HttpStatusCode> CallToolAsync(string token, string tool, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(App.GetEndpoint("mcp-host", "http"), "/mcp"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new
            {
                jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name = tool, arguments = new { } },
            }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    public async Task StopAsync()
    {
        if (_app is not null && !Stopped)
        {
            Stopped = true;
            await _app.StopAsync().WaitAsync(TimeSpan.FromMinutes(1));
            await _app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private static string RandomKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
}
