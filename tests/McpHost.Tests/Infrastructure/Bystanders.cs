using System.Net;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// Principals that no revocation scenario reaches — an opaque token of their own user, a turn JWT signed with an
/// older key, a team token of their own team and workspace — with their cached decisions on each mcp-host, read from
/// the cache itself (the same entry object before and after: kept, not dropped and resolved again). Deactivating the
/// service user rightly reaches every JWT, so there only the opaque token must keep its entry, and the JWTs' must go.
/// </summary>
public sealed class Bystanders
{
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    private readonly Dictionary<string, string> _bearers;

    private Bystanders(Dictionary<string, string> bearers) => _bearers = bearers;

    public static async Task<Bystanders> ArrangeAsync(McpHostFixture fixture, RevocationScenarios.LibraryAdmin libraries)
    {
        var workspace = AuthApi.Unique("ws");
        var library = AuthApi.Unique("lib");
        await libraries.PutAsync(library, workspace);
        var (kid, secret) = await fixture.Auth.CreateSigningKeyAsync();
        var (_, opaque) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);
        var team = await fixture.Auth.MintTeamTokenAsync(await fixture.Auth.CreateTeamAsync(workspace));
        var turn = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow(), c =>
        {
            c["sub"] = AuthApi.Unique("bystander");
            c["libs"] = new[] { library };
        });
        return new(new() { ["opaque"] = opaque, ["turn"] = turn, ["team"] = team });
    }

    /// <summary>Calls with each on each host until it is cached there; the cached entries.</summary>
    public async Task<Dictionary<(int Host, string Kind), object>> WarmAsync(McpHostFixture fixture, IReadOnlyList<TestHost> hosts)
    {
        var cached = new Dictionary<(int, string), object>();
        for (var host = 0; host < hosts.Count; host++)
        {
            foreach (var (kind, bearer) in _bearers)
            {
                for (var attempt = 0; CachedDecisions.EntryOf(hosts[host], bearer) is null; attempt++)
                {
                    Assert.True(attempt < 50, $"the {kind} bystander was never cached on mcp-host {host}");
                    using var response = await fixture.PostMcpAsync(ListLibraries, bearer, host: hosts[host]);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                cached[(host, kind)] = CachedDecisions.EntryOf(hosts[host], bearer)!;
            }
        }

        return cached;
    }

    public void AssertKept(string revocation, IReadOnlyList<TestHost> hosts, Dictionary<(int Host, string Kind), object> before)
    {
        foreach (var ((host, kind), entry) in before)
        {
            var reached = revocation == "service user deactivated" && kind != "opaque";
            var now = CachedDecisions.EntryOf(hosts[host], _bearers[kind]);
            if (reached)
            {
                Assert.False(ReferenceEquals(entry, now), $"{revocation}: the {kind} bystander's entry on mcp-host {host} was kept");
            }
            else
            {
                Assert.True(ReferenceEquals(entry, now), $"{revocation}: the {kind} bystander's entry on mcp-host {host} was dropped");
            }
        }
    }
}
