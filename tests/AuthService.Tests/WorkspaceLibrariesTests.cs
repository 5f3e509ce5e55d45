using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// A team's scope comes from workspaces kept in memory (<c>WorkspaceLibraries</c>): read from the library store once,
/// then kept until a change reaches the workspace — not re-read on every resolve, not dropped by unrelated changes.
/// Libraries are written straight into librarydb here, behind the admin API's back, so only the announcement can
/// make them show before the workspace's lifetime ends.
/// </summary>
public sealed class WorkspaceLibrariesTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task A_workspace_is_read_once_and_read_again_only_when_a_change_reaches_it()
    {
        await using var redis = await RedisServer.StartAsync();
        var (host, api, workspace, token) = await ArrangeAsync(redis);

        await fixture.AddLibraryAsync(workspace + "-second", workspace);
        var kept = await LibrariesAsync(api, token);
        var announcer = host.Services.GetRequiredService<InvalidationAnnouncer>();
        await announcer.AnnounceAsync(InvalidationReach.Of(Dependency.Workspace(AuthApi.Unique("ws"))), TestContext.Current.CancellationToken);
        var unrelated = await LibrariesAsync(api, token);
        await announcer.AnnounceAsync(InvalidationReach.Of(Dependency.Workspace(workspace)), TestContext.Current.CancellationToken);
        var reached = await LibrariesAsync(api, token);

        Assert.Equal([workspace + "-first"], kept);
        Assert.Equal([workspace + "-first"], unrelated);
        Assert.Equal([workspace + "-first", workspace + "-second"], reached);
    }

    [Fact]
    public async Task A_workspace_is_read_again_once_its_lifetime_has_passed()
    {
        await using var redis = await RedisServer.StartAsync();
        var (_, api, workspace, token) = await ArrangeAsync(redis);

        await fixture.AddLibraryAsync(workspace + "-second", workspace);
        fixture.Time.Advance(TimeSpan.FromSeconds(31)); // Auth:ScopeCacheSeconds is 30

        Assert.Equal([workspace + "-first", workspace + "-second"], await LibrariesAsync(api, token));
    }

    /// <summary>
    /// An auth-service on a Redis of the test's own (another test class's change reaching everything would empty its
    /// caches meanwhile), trusting its announcements, and a team token over a new workspace of one library, resolved once.
    /// </summary>
    private async Task<(TestHost Host, AuthApi Api, string Workspace, string Token)> ArrangeAsync(RedisServer redis)
    {
        var host = await fixture.StartHostAsync(redis.ConnectionString);
        var api = fixture.Api(host);
        await api.CreateSigningKeyAsync();
        var workspace = AuthApi.Unique("ws");
        await fixture.AddLibraryAsync(workspace + "-first", workspace);
        var token = await api.MintTeamTokenAsync(await api.CreateTeamAsync(workspace));
        await WaitUntilTrustedAsync(host);
        Assert.Equal([workspace + "-first"], await LibrariesAsync(api, token));
        return (host, api, workspace, token);
    }

    private static async Task<string[]> LibrariesAsync(AuthApi api, string token)
    {
        var reply = await api.ResolveAsync(token);
        Assert.Equal(System.Net.HttpStatusCode.OK, reply.Status);
        return AuthApi.Strings(reply.Body.GetProperty("libraries")).ToArray();
    }

    private static async Task WaitUntilTrustedAsync(TestHost host)
    {
        var invalidations = host.Services.GetRequiredService<InvalidationListener>();
        for (var attempt = 0; attempt < 100 && !invalidations.IsTrusted; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(invalidations.IsTrusted, "auth-service never trusted its announcements");
    }
}
