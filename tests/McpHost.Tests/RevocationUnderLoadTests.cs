using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// CONTRACT §9 with warm decision caches: two auth-service and two mcp-host replicas on one Redis, 16 clients
/// calling through both mcp-hosts; a revoking admin call through one auth-service (or mcp-host, for the library
/// store) and no call that started after that admin call answered may be allowed or see what was revoked.
/// </summary>
public sealed class RevocationUnderLoadTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private const int Clients = 16;
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    /// <summary>What one scenario calls with, how it revokes, and what a stale answer would contain.</summary>
    private sealed record Scenario(string Bearer, Func<Task> Revoke, string? StaleLibrary, Func<Task>? Restore = null);

    public static TheoryData<string> Kinds =>
    [
        "token deactivated", "user deactivated", "signing key retired", "service user deactivated", "team token rotated",
        "team deactivated", "team workspace removed", "library moved to another workspace", "library deleted",
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task No_call_started_after_the_revoking_admin_call_answered_is_allowed(string kind)
    {
        await using var secondAuth = await TestHost.StartAuthServiceAsync(fixture.Settings(), fixture.Time);
        await using var secondMcp = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
            ["services:auth-service:http:0"] = secondAuth.Address.ToString().TrimEnd('/'),
        });
        var hosts = new[] { fixture.McpHost, secondMcp };
        var scenario = await ArrangeAsync(kind, fixture.Auth.On(secondAuth), secondMcp);

        var calls = new ConcurrentBag<(long Started, bool Stale)>();
        using var stop = new CancellationTokenSource();
        using var warm = new CountdownEvent(Clients * 4);
        var clients = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await fixture.PostMcpAsync(ListLibraries, scenario.Bearer, host: hosts[(i + n) % 2]);
                calls.Add((started, await IsStaleAsync(response, scenario)));
                if (n < 4)
                {
                    warm.Signal();
                }
            }
        })).ToList();

        Assert.True(warm.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the clients did not get going");
        var allowedBefore = calls.Count(c => c.Stale);
        await scenario.Revoke();
        var answered = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromMilliseconds(600), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        if (scenario.Restore is not null)
        {
            await scenario.Restore();
        }

        var after = calls.Where(c => c.Started > answered).ToList();
        Assert.True(allowedBefore >= Clients * 4, $"{kind}: only {allowedBefore} calls were allowed before revoking");
        Assert.True(after.Count >= Clients, $"{kind}: only {after.Count} calls started after the admin call answered");
        Assert.Equal(0, after.Count(c => c.Stale));
        TestContext.Current.SendDiagnosticMessage($"{kind}: {calls.Count} calls, {after.Count} after the revocation, 0 stale");
    }

    private async Task<Scenario> ArrangeAsync(string kind, AuthApi second, TestHost secondMcp)
    {
        var first = fixture.Auth;
        var workspace = AuthApi.Unique("ws");
        var library = AuthApi.Unique("lib");
        await fixture.PutLibraryAsync(library, workspace);
        await first.CreateSigningKeyAsync(); // team tokens are signed with the newest key, and another scenario retires one
        switch (kind)
        {
            case "token deactivated":
            {
                var (id, token) = await first.CreateTokenAsync(await first.CreateUserAsync(), [library]);
                return new(token, () => NoContentAsync(second, $"/admin/v1/tokens/{id}/deactivate"), null);
            }

            case "user deactivated":
            {
                var user = await first.CreateUserAsync();
                var (_, token) = await first.CreateTokenAsync(user, [library]);
                return new(token, () => NoContentAsync(first, $"/admin/v1/users/{user}/deactivate"), null);
            }

            case "signing key retired":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow(), c => c["libs"] = new[] { library });
                await WaitUntilAllowedAsync(token, secondMcp);
                return new(token, () => NoContentAsync(second, $"/admin/v1/signing-keys/{kid}/retire"), null);
            }

            case "service user deactivated":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow(), c => c["libs"] = new[] { library });
                await WaitUntilAllowedAsync(token, secondMcp);
                return new(token, () => NoContentAsync(second, "/admin/v1/users/daedalus-service/deactivate"), null,
                    Restore: () => NoContentAsync(first, "/admin/v1/users/daedalus-service/activate"));
            }

            case "team token rotated":
            {
                var team = await first.CreateTeamAsync(workspace);
                var token = await TeamTokenAsync(team, secondMcp);
                return new(token, () => second.MintTeamTokenAsync(team), null);
            }

            case "team deactivated":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await TeamTokenAsync(team, secondMcp), () => NoContentAsync(second, $"/admin/v1/teams/{team}/deactivate"), null);
            }

            case "team workspace removed":
            {
                var kept = AuthApi.Unique("ws");
                await fixture.PutLibraryAsync(AuthApi.Unique("lib"), kept);
                var team = await first.CreateTeamAsync(workspace, kept);
                return new(await TeamTokenAsync(team, secondMcp),
                    () => NoContentAsync(second, $"/admin/v1/teams/{team}/workspaces", HttpMethod.Put, new { workspaces = new[] { kept } }),
                    library);
            }

            case "library moved to another workspace":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await TeamTokenAsync(team, secondMcp),
                    () => fixture.PutLibraryAsync(library, AuthApi.Unique("ws")), library);
            }

            case "library deleted":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await TeamTokenAsync(team, secondMcp), async () =>
                {
                    using var admin = secondMcp.ClientWithBearer(fixture.AdminKey);
                    using var response = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}", UriKind.Relative));
                    Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
                }, library);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown revocation");
        }
    }

    /// <summary>Allowed (for revocations that refuse) or still showing the revoked library (for ones that narrow).</summary>
    private static async Task<bool> IsStaleAsync(HttpResponseMessage response, Scenario scenario)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var body = await response.Content.ReadAsStringAsync();
        return scenario.StaleLibrary is null ? !body.Contains("\"error\"", StringComparison.Ordinal) : body.Contains(scenario.StaleLibrary, StringComparison.Ordinal);
    }

    private async Task<string> TeamTokenAsync(string team, TestHost secondMcp)
    {
        var token = await fixture.Auth.MintTeamTokenAsync(team);
        await WaitUntilAllowedAsync(token, secondMcp);
        return token;
    }

    /// <summary>A new signing key is known to the other auth-service once its lookup of unknown kids has run.</summary>
    private async Task WaitUntilAllowedAsync(string token, TestHost secondMcp)
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

    private static async Task NoContentAsync(AuthApi api, string path, HttpMethod? method = null, object? body = null)
    {
        var reply = await api.AdminAsync(method ?? HttpMethod.Post, path, body ?? new { });
        Assert.True(reply.Status == HttpStatusCode.NoContent, $"{path}: {(int)reply.Status} {reply.Body}");
    }
}
