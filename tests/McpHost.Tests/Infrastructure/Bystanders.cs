using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.ServiceDefaults.Invalidation;
using StackExchange.Redis;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// Principals that no revocation scenario reaches — an opaque token of their own user, a turn JWT signed with an
/// older key, a team token of their own team and workspace — with their cached decisions on each mcp-host, read from
/// the cache itself (the same entry object before and after: kept, not dropped and resolved again). An entry must be
/// kept through the revocation unless a change announced meanwhile reached what it depends on: the scenario's own
/// (deactivating the service user reaches every JWT) or one another test class made on the run's Redis (whose
/// service user has the same name). Which changes came is read from the announcements' log, so a cache that drops
/// more than the changes reached fails, and so does one that keeps what they reached.
/// </summary>
public sealed class Bystanders
{
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    private readonly Dictionary<string, string> _bearers;

    private Bystanders(Dictionary<string, string> bearers) => _bearers = bearers;

    /// <summary>The cached entries, and the oldest generation the mcp-hosts had heard of when they were read.</summary>
    public sealed record Snapshot(Dictionary<(int Host, string Kind), object> Entries, long Generation);

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

    /// <summary>
    /// Calls with each on each host until it is cached there, then reads the entries after the generation. A change
    /// another test class makes between the two may rightly drop an entry (deactivating its service user reaches every
    /// JWT): then all are warmed and read again; an entry gone with no change announced fails.
    /// </summary>
    public async Task<Snapshot> WarmAsync(McpHostFixture fixture, IReadOnlyList<TestHost> hosts)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var warmedFrom = hosts.Select(Generation).ToArray();
            await CacheEachAsync(fixture, hosts);
            // Read after the generation: a change between the two is in the window, and may rightly drop an entry.
            var generation = hosts.Min(Generation);
            var cached = new Dictionary<(int, string), object>();
            for (var host = 0; host < hosts.Count; host++)
            {
                foreach (var (kind, bearer) in _bearers)
                {
                    if (CachedDecisions.EntryOf(hosts[host], bearer) is { } entry)
                    {
                        cached[(host, kind)] = entry;
                    }
                }
            }

            if (cached.Count == hosts.Count * _bearers.Count)
            {
                return new(cached, generation);
            }

            // Only a change may drop one: with none reaching a host since, its cache lost an entry it should have kept.
            Assert.True(hosts.Select(Generation).Zip(warmedFrom).Any(g => g.First > g.Second),
                "a bystander's entry went with no change announced");
        }

        throw new Xunit.Sdk.XunitException("the bystanders' entries kept going before they could all be read (10 attempts)");
    }

    private async Task CacheEachAsync(McpHostFixture fixture, IReadOnlyList<TestHost> hosts)
    {
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
            }
        }
    }

    public async Task AssertKeptAsync(string revocation, IReadOnlyList<TestHost> hosts, Snapshot before, string redis)
    {
        var reached = await ReachedAsync(redis, before.Generation, hosts.Max(Generation));
        foreach (var ((host, kind), entry) in before.Entries)
        {
            var now = CachedDecisions.EntryOf(hosts[host], _bearers[kind]);
            if (reached.Any(reach => reach.Affects(CachedDecisions.DependsOnOf(entry))))
            {
                Assert.False(ReferenceEquals(entry, now), $"{revocation}: the {kind} bystander's entry on mcp-host {host} was kept");
            }
            else
            {
                Assert.True(ReferenceEquals(entry, now), $"{revocation}: the {kind} bystander's entry on mcp-host {host} was dropped");
            }
        }
    }

    private static long Generation(TestHost host) => host.Services.GetRequiredService<InvalidationListener>().Generation;

    /// <summary>What the changes after <paramref name="from"/> up to <paramref name="to"/> reached, from the log.</summary>
    private static async Task<List<InvalidationReach>> ReachedAsync(string redis, long from, long to)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var logged = await connection.GetDatabase().SortedSetRangeByScoreAsync(InvalidationProtocol.Log, from + 1, to);
        var reached = new List<InvalidationReach>();
        foreach (var change in logged)
        {
            Assert.True(InvalidationProtocol.TryParseChange(change, out _, out var reach), $"unreadable change: {change}");
            reached.Add(reach);
        }

        return logged.Length == to - from ? reached : [InvalidationReach.Everything];
    }
}
