using System.Globalization;
using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official MCP conformance runner's authorization-server scenarios (<c>conformance authorization</c>, only in the
/// 0.2.x release, <c>conformance-next</c>; 0.1.16 has none) against Mnemosyne's authorization server on mcp-host's
/// origin, one scenario per test; every check must pass (a WARNING fails too). For the code grant the runner prints
/// the authorization URL and waits for the redirect on its own loopback callback server: the test registers a client
/// with that redirect URI (RFC 7591), signs a fresh user in with <see cref="SignInDriver"/> and delivers the redirect
/// to the runner, which then redeems the code itself.
/// </summary>
public sealed class AuthorizationServerConformanceTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    private const string MetadataScenario = "authorization-server-metadata-endpoint";
    private const string CodeGrantScenario = "authorization-code-grant";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly OAuthFlow _oauth = new(fixture.Issuer);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_authorization_server_metadata_scenario_passes()
    {
        var (run, checks) = await RunAsync(["--scenario", MetadataScenario], _ => Task.CompletedTask);

        AssertPassed(run, checks, MetadataScenario, "authorization-server-metadata", "authorization-server-metadata-cimd");
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task The_authorization_code_grant_scenario_passes()
    {
        var port = TestAuthorizationServer.FreePort();
        var callback = new Uri($"http://127.0.0.1:{port}/callback");
        var clientId = await _oauth.RegisterAsync("Conformance runner", callback);

        // No --scenario: run alone, the code grant has no metadata to read its endpoints from (the runner passes each
        // scenario the details of the ones before it), so the runner runs the metadata scenario first.
        var (run, checks) = await RunAsync(["--client-id", clientId, "--resource", fixture.Resource, "-p", port.ToString(CultureInfo.InvariantCulture)], async runner =>
        {
            var authorize = await runner.ReadLineAsync(line => line.StartsWith(fixture.Issuer + "oauth/authorize?", StringComparison.Ordinal), Timeout);
            using var browser = new SignInDriver(AuthApi.Unique("user"));
            var landing = await browser.AuthorizeAsync(new Uri(authorize), callback, Cancel);
            using var http = new HttpClient();
            using var delivered = await http.GetAsync(landing, Cancel).WaitAsync(Timeout, Cancel);
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode); // the runner's callback server took the redirect
        });

        AssertPassed(run, checks, MetadataScenario, "authorization-server-metadata", "authorization-server-metadata-cimd");
        AssertPassed(run, checks, CodeGrantScenario, "authorization-code-grant");
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    /// <summary>
    /// Runs <c>conformance-next authorization</c> against this issuer with <paramref name="arguments"/>, lets
    /// <paramref name="drive"/> act while it runs, and returns what it printed and each scenario's checks (from the
    /// <c>checks.json</c> it saved).
    /// </summary>
    private async Task<(NodeClients.Run Run, Dictionary<string, List<JsonElement>> Checks)> RunAsync(string[] arguments,
        Func<NodeProcess, Task> drive)
    {
        var results = Directory.CreateTempSubdirectory("mcp-as-conformance-");
        try
        {
            await using var runner = NodeClients.Start(NodeClients.ConformanceRunner("conformance-next"),
                ["authorization", "--url", fixture.Issuer, "-o", results.FullName, .. arguments]);
            runner.CloseInput();
            await drive(runner);
            var run = await runner.WaitForExitAsync(Timeout);

            var checks = new Dictionary<string, List<JsonElement>>();
            foreach (var folder in results.GetDirectories())
            {
                var scenario = new[] { MetadataScenario, CodeGrantScenario }
                    .Single(s => folder.Name.StartsWith($"authorization-server-{s}-", StringComparison.Ordinal));
                var file = await File.ReadAllTextAsync(Path.Combine(folder.FullName, "checks.json"), Cancel);
                checks.Add(scenario, [.. JsonDocument.Parse(file).RootElement.Clone().EnumerateArray()]);
            }

            return (run, checks);
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }

    /// <summary>Every check of <paramref name="scenario"/> is SUCCESS, and they are exactly <paramref name="expected"/>.</summary>
    private static void AssertPassed(NodeClients.Run run, Dictionary<string, List<JsonElement>> checks, string scenario, params string[] expected)
    {
        Assert.True(checks.TryGetValue(scenario, out var mine), $"{scenario} saved no checks:\n{run}");
        Assert.All(mine, check => Assert.True(check.GetProperty("status").GetString() == "SUCCESS",
            $"{check.GetProperty("id").GetString()}: {check.GetProperty("status").GetString()} " +
            $"{(check.TryGetProperty("errorMessage", out var message) ? message.GetString() : "")}\n{run}"));
        Assert.Equal(expected.Order(), mine.Select(c => c.GetProperty("id").GetString()!).Order());
    }
}
