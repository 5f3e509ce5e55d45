using System.Diagnostics;
using Microsoft.Extensions.Logging.Testing;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.Testing;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Tests.Invalidation;

/// <summary>
/// The acknowledgement protocol over its Redis transport (a generation, a lease registry, acknowledgements as
/// messages), on a Redis of each test's own: an announcement answers once every listening replica has dropped its
/// cache, a replica that stops answering is waited for until it no longer trusts its cache, and a Redis that lost
/// its registry is waited out for a lease. A change's reach travels with it, and a replica that missed its message
/// reads it from the log, or empties everything when the log cannot tell. The protocol itself, on a fake clock:
/// <c>AcknowledgementWaitTests</c>.
/// </summary>
public sealed class InvalidationTransportTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_announcement_answers_once_every_listening_replica_has_moved_to_its_generation()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        await using var first = await StartListenerAsync(connection);
        await using var second = await StartListenerAsync(connection);
        var announcer = new InvalidationAnnouncer(connection, new FakeLogger<InvalidationAnnouncer>());
        await WaitUntilAsync(() => (first.Listener.IsTrusted && second.Listener.IsTrusted), "the replicas never held a lease");
        await WaitForRegistryOlderThanALeaseAsync();
        var before = (first.Listener.Generation, second.Listener.Generation);
        var advanced = new List<InvalidationReach>();
        first.Listener.Advanced += reach => { lock (advanced) { advanced.Add(reach); } };

        var started = Stopwatch.GetTimestamp();
        await announcer.AnnounceAsync(InvalidationReach.Of("user:alice"), Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(first.Listener.Generation > before.Item1 && second.Listener.Generation > before.Item2);
        Assert.Equal(["user:alice"], Assert.Single(advanced).Names!);
        // A heartbeating replica's lease has at least this much left: answering sooner means it was acknowledged.
        Assert.True(elapsed < InvalidationProtocol.Lease - InvalidationProtocol.Heartbeat,
            $"the announcement took {elapsed}: it waited for leases, not acknowledgements");
    }

    [Fact]
    public async Task A_value_read_while_a_change_is_being_applied_is_not_kept_by_a_cache_already_emptied()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        await using var replica = await StartListenerAsync(connection);
        var announcer = new InvalidationAnnouncer(connection, new FakeLogger<InvalidationAnnouncer>());
        await WaitUntilAsync(() => replica.Listener.IsTrusted, "the replica never held a lease");
        // As in auth-service: resolutions (emptied first, made first) are read from team rows (emptied after them).
        var resolutions = new InvalidatedCache<string, string>(replica.Listener, 10, TimeProvider.System);
        var teamRows = new Dictionary<string, bool> { ["team:x"] = true };
        replica.Listener.Advanced += reach =>
        {
            // A resolution between the two: it reads the team row the change has not reached yet, and stores.
            var ticket = resolutions.Begin();
            var active = teamRows["team:x"];
            resolutions.Store(ticket, "bearer", active ? "allowed" : "refused", DateTimeOffset.UtcNow.AddMinutes(1), ["team:x"]);
            teamRows["team:x"] = !reach.Affects(["team:x"]);
        };

        await announcer.AnnounceAsync(InvalidationReach.Of("team:x"), Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);

        Assert.False(teamRows["team:x"]);
        Assert.False(resolutions.TryGet("bearer", out var kept), $"a resolution read mid-change was kept: {kept}");
    }

    [Fact]
    public async Task A_replica_that_stops_answering_is_waited_for_until_it_no_longer_trusts_its_cache()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        var logger = new FakeLogger<InvalidationAnnouncer>();
        var announcer = new InvalidationAnnouncer(connection, logger);
        var cutOff = await ConnectAsync(redis);
        await using var stopped = await StartListenerAsync(cutOff);
        await WaitUntilAsync(() => stopped.Listener.IsTrusted, "the replica never held a lease");
        await WaitForRegistryOlderThanALeaseAsync();
        await cutOff.DisposeAsync(); // its registration stays until its lease ends; it hears and acknowledges nothing more

        var started = Stopwatch.GetTimestamp();
        await announcer.AnnounceAsync(InvalidationReach.Everything, Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.False(stopped.Listener.IsTrusted, "the announcement answered while the silent replica still trusted its cache");
        Assert.True(elapsed > TimeSpan.FromSeconds(1), $"the announcement took only {elapsed}: the silent replica was not waited for");
        var waited = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.StartsWith("invalidation.lease_waited", StringComparison.Ordinal));
        Assert.Contains(stopped.Listener.Replica, waited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_redis_restarts_empty_announcements_wait_out_a_lease_and_generations_still_move_forward()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        var announcer = new InvalidationAnnouncer(connection, new FakeLogger<InvalidationAnnouncer>());
        await using var replica = await StartListenerAsync(connection);
        await WaitUntilAsync(() => replica.Listener.IsTrusted, "the replica never held a lease");
        var before = replica.Listener.Generation;

        await redis.RestartAsync();
        await WaitUntilAsync(() => connection.IsConnected && replica.Listener.Generation > before,
            "the replica never read the restarted Redis's generation");
        var started = Stopwatch.GetTimestamp();
        await announcer.AnnounceAsync(InvalidationReach.Everything, Cancellation).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        var elapsed = Stopwatch.GetElapsedTime(started);

        // The registry is younger than a lease: replicas registered before the loss may still trust their caches.
        Assert.True(elapsed > InvalidationProtocol.Lease - TimeSpan.FromSeconds(1), $"the announcement took only {elapsed}");
    }

    [Fact]
    public async Task A_replica_that_missed_the_messages_reads_what_the_changes_reached_from_the_log()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        using var deaf = await ConnectAsync(redis);
        var announcer = new InvalidationAnnouncer(connection, new FakeLogger<InvalidationAnnouncer>());
        await using var replica = await StartListenerAsync(deaf);
        await WaitUntilAsync(() => replica.Listener.IsTrusted, "the replica never held a lease");
        await WaitForRegistryOlderThanALeaseAsync();
        await deaf.GetSubscriber().UnsubscribeAsync(InvalidationProtocol.Changes); // it learns of changes by renewing only
        var advanced = new List<InvalidationReach>();
        replica.Listener.Advanced += reach => { lock (advanced) { advanced.Add(reach); } };

        await Task.WhenAll(
            announcer.AnnounceAsync(InvalidationReach.Of("user:alice"), Cancellation),
            announcer.AnnounceAsync(InvalidationReach.Of("team:x", "group:y"), Cancellation)).WaitAsync(TimeSpan.FromSeconds(10), Cancellation);

        var reached = advanced.SelectMany(reach => reach.Names ?? throw new Xunit.Sdk.XunitException("a change reached everything"));
        Assert.Equal(["group:y", "team:x", "user:alice"], reached.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_replica_further_behind_than_the_log_drops_everything()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        await using var replica = await StartListenerAsync(connection);
        await WaitUntilAsync(() => replica.Listener.IsTrusted, "the replica never held a lease");
        var advanced = new List<InvalidationReach>();
        replica.Listener.Advanced += reach => { lock (advanced) { advanced.Add(reach); } };

        // More changes than the log keeps, as if announced while the replica heard nothing.
        await connection.GetDatabase().StringIncrementAsync(InvalidationProtocol.Generation, InvalidationProtocol.LogLength + 1);
        await WaitUntilAsync(() => { lock (advanced) { return advanced.Count > 0; } }, "the replica never renewed");

        Assert.True(Assert.Single(advanced).IsEverything);
    }

    [Fact]
    public async Task A_stopped_replica_leaves_the_registry_so_no_announcement_waits_for_it()
    {
        await using var redis = await RedisServer.StartAsync();
        using var connection = await ConnectAsync(redis);
        var listener = new InvalidationListener(connection, new FakeLogger<InvalidationListener>());
        await listener.StartAsync(Cancellation);
        await WaitUntilAsync(() => listener.IsTrusted, "the replica never held a lease");

        await listener.StopAsync(Cancellation);
        listener.Dispose();

        Assert.False(listener.IsTrusted);
        Assert.Null(await connection.GetDatabase().SortedSetScoreAsync(InvalidationProtocol.Replicas, listener.Replica));
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(RedisServer redis) =>
        await ConnectionMultiplexer.ConnectAsync($"{redis.ConnectionString},abortConnect=false,connectTimeout=2000");

    private static async Task<RunningListener> StartListenerAsync(IConnectionMultiplexer connection)
    {
        var listener = new InvalidationListener(connection, new FakeLogger<InvalidationListener>());
        await listener.StartAsync(Cancellation);
        return new RunningListener(listener);
    }

    /// <summary>A fresh Redis's registry is younger than a lease, so its first announcements wait a lease anyway.</summary>
    private static Task WaitForRegistryOlderThanALeaseAsync() =>
        Task.Delay(InvalidationProtocol.Lease + TimeSpan.FromMilliseconds(100), Cancellation);

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        for (var attempt = 0; attempt < 200 && !condition(); attempt++)
        {
            await Task.Delay(25, Cancellation);
        }

        Assert.True(condition(), failure);
    }

    private sealed class RunningListener(InvalidationListener listener) : IAsyncDisposable
    {
        public InvalidationListener Listener => listener;

        public async ValueTask DisposeAsync()
        {
            await listener.StopAsync(CancellationToken.None);
            listener.Dispose();
        }
    }
}
