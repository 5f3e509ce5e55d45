using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// CONTRACT §9 with warm decision caches: a second auth-service and a second mcp-host beside the fixture's, on one
/// Redis, 16 clients calling through both mcp-hosts; a revoking admin call through the other auth-service (or
/// mcp-host, for the library store), and no call that started after that admin call answered may be allowed or see
/// what was revoked. Beside the load, principals the change does not reach (<see cref="Bystanders"/>) keep their
/// cached decisions on both mcp-hosts: a revocation drops what it reaches, not everything.
/// </summary>
public static class RevocationUnderLoad
{
    private const int Clients = 16;
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    /// <summary>The replicas a scenario is arranged on: the fixture's first, the second ones for the revocation.</summary>
    public sealed record Replicas(AuthApi FirstAuth, AuthApi SecondAuth, RevocationScenarios.LibraryAdmin FirstLibraries,
        RevocationScenarios.LibraryAdmin SecondLibraries);

    public static async Task RunAsync(McpHostFixture fixture, string kind, Func<Replicas, Task<RevocationScenarios.Scenario>> arrange)
    {
        await using var secondAuth = await TestHost.StartAuthServiceAsync(fixture.AuthServiceSettings(), fixture.Time);
        await using var secondMcp = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
            ["services:auth-service:http:0"] = secondAuth.Address.ToString().TrimEnd('/'),
        });
        var hosts = new[] { fixture.McpHost, secondMcp };
        using var firstLibraries = fixture.McpHost.ClientWithBearer(fixture.AdminKey);
        using var secondLibraries = secondMcp.ClientWithBearer(fixture.AdminKey);
        var bystanders = await Bystanders.ArrangeAsync(fixture, new(firstLibraries));
        var scenario = await arrange(new(fixture.Auth, fixture.Auth.On(secondAuth), new(firstLibraries), new(secondLibraries)));
        await WaitUntilAllowedAsync(fixture, scenario.Bearer, secondMcp);

        var calls = new ConcurrentBag<(long Started, bool Stale, string Answer)>();
        using var stop = new CancellationTokenSource();
        using var warm = new CountdownEvent(Clients * 4);
        var clients = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await fixture.PostMcpAsync(ListLibraries, scenario.Bearer, host: hosts[(i + n) % 2]);
                var body = await response.Content.ReadAsStringAsync();
                calls.Add((started, IsStale(response, body, scenario), $"{(int)response.StatusCode} {body[..Math.Min(body.Length, 160)]}"));
                if (n < 4)
                {
                    warm.Signal();
                }
            }
        })).ToList();

        Assert.True(warm.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the clients did not get going");
        var cachedBefore = await bystanders.WarmAsync(fixture, hosts);
        var allowedBefore = calls.Count(c => c.Stale);
        var revoked = await scenario.Revoke();
        Assert.True(revoked.Succeeded, $"{kind}: the admin call answered {(int)revoked.Status} {revoked.Body}");
        var answered = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromMilliseconds(600), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        if (scenario.Restore is not null)
        {
            await scenario.Restore();
        }

        await bystanders.AssertKeptAsync(kind, hosts, cachedBefore, fixture.Servers.Redis.ConnectionString);
        var after = calls.Where(c => c.Started > answered).ToList();
        Assert.True(allowedBefore >= Clients * 4, $"{kind}: only {allowedBefore} calls were allowed before revoking; the others: " +
            string.Join("; ", calls.Where(c => !c.Stale).Select(c => c.Answer).Distinct().Take(3)));
        Assert.True(after.Count >= Clients, $"{kind}: only {after.Count} calls started after the admin call answered");
        Assert.Equal(0, after.Count(c => c.Stale));
        TestContext.Current.SendDiagnosticMessage($"{kind}: {calls.Count} calls, {after.Count} after the revocation, 0 stale");
    }

    private static bool IsStale(HttpResponseMessage response, string body, RevocationScenarios.Scenario scenario) =>
        RevocationScenarios.IsStale(scenario, response.StatusCode == HttpStatusCode.OK && !body.Contains("\"error\"", StringComparison.Ordinal), body);

    /// <summary>Allowed through the other replicas too (a new signing key is known there once its lookup of unknown kids has run).</summary>
    private static async Task WaitUntilAllowedAsync(McpHostFixture fixture, string token, TestHost secondMcp)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await fixture.PostMcpAsync(ListLibraries, token, host: secondMcp);
            if (response.StatusCode == HttpStatusCode.OK || attempt == 50)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return;
            }

            await Task.Delay(50);
        }
    }
}
