using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mnemosyne.ServiceDefaults.Announcements;
using OpenTelemetry;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// The caching side of <see cref="InvalidationProtocol"/>: holds this replica's lease, follows the generation, and
/// says whether a cache may be trusted right now. Trust (a <see cref="ReplicaLease"/>) lasts from the start of the last
/// successful renewal until just before that registration ends, so a replica cut off from Redis stops trusting its cache before any announcer stops
/// waiting for it. A generation learnt from a message or a renewal raises <see cref="Advanced"/> first, with what the
/// changes since the last one reached (the next change's own message, else the log; <see cref="InvalidationReach.Everything"/>
/// when the log no longer has them or cannot be read), and is acknowledged after; changes are applied one at a time,
/// in order. Its heartbeat is not traced (it runs twice a second). A replica that stops gives up its lease and leaves
/// the registry, so announcements do not wait for it.
/// </summary>
public sealed partial class InvalidationListener(IConnectionMultiplexer redis, ILogger<InvalidationListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan TrustMargin = TimeSpan.FromMilliseconds(250);
    private readonly ReplicaLease _lease = new(InvalidationProtocol.Lease - TrustMargin, TimeProvider.System);
    private readonly SemaphoreSlim _applying = new(1, 1);
    private long _generation = -1;
    private long _applied = -1;
    private bool _failing;

    public string Replica { get; } = Acknowledgement.NewReplicaId();

    /// <summary>
    /// The newest generation this replica has heard of: it moves on before the change is applied, so a value read
    /// under an older one and stored after is known to be suspect.
    /// </summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// The newest generation this replica has finished applying: what it answers from its caches now reflects every
    /// change up to it. A replica that caches what this one answered keeps it only if that covers its own
    /// <see cref="Generation"/> (auth-service says it beside each resolution, <see cref="InvalidationProtocol.AppliedHeader"/>).
    /// </summary>
    public long Applied => Volatile.Read(ref _applied);

    /// <summary>True while this replica is sure to have heard of every change announced before now.</summary>
    public bool IsTrusted => _lease.IsHeld;

    /// <summary>
    /// Raised (synchronously, after <see cref="Generation"/> moves on and before acknowledging) with what the changes
    /// reached: what was cached before them and depends on it must be dropped.
    /// </summary>
    public event Action<InvalidationReach>? Advanced;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        await SubscribeAsync(stoppingToken);
        using var timer = new PeriodicTimer(InvalidationProtocol.Heartbeat);
        do
        {
            await RenewAsync();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(InvalidationProtocol.Changes, (_, message) =>
                {
                    if (InvalidationProtocol.TryParseChange(message, out var generation, out var reach))
                    {
                        AdvanceSoon(generation, reach);
                    }
                });
                return;
            }
            catch (Exception exception) when (RedisOutage.Is(exception))
            {
                // Renewals keep the cache correct meanwhile; messages only make announcements fast.
                LogFailing(exception);
                await Task.Delay(InvalidationProtocol.Heartbeat, stoppingToken);
            }
        }
    }

    private async Task RenewAsync()
    {
        var started = _lease.BeginRenewal();
        try
        {
            var generation = (long)await redis.GetDatabase().ScriptEvaluateAsync(InvalidationProtocol.Renew, new
            {
                replicas = InvalidationProtocol.Replicas,
                generation = InvalidationProtocol.Generation,
                since = InvalidationProtocol.Since,
                replica = (RedisValue)Replica,
                lease = (long)InvalidationProtocol.Lease.TotalMilliseconds,
            });
            await AdvanceAsync(generation, null);
            _lease.Renewed(started);
            if (_failing)
            {
                _failing = false;
                LogRecovered(logger);
            }
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            LogFailing(exception);
        }
    }

    /// <summary>From a message: applied after those before it, without holding up the subscription.</summary>
    private void AdvanceSoon(long generation, InvalidationReach reach) => _ = AdvanceAsync(generation, reach);

    /// <summary>
    /// Moves to <paramref name="generation"/>; <paramref name="reach"/> is that change's own when known (its message).
    /// </summary>
    private async Task AdvanceAsync(long generation, InvalidationReach? reach)
    {
        await _applying.WaitAsync();
        try
        {
            var current = Generation;
            if (generation <= current)
            {
                return;
            }

            var reached = current < 0 ? InvalidationReach.Everything
                : generation == current + 1 && reach is not null ? reach
                : await ReachSinceAsync(current, generation);
            // Exchanged, not written: a full fence before the caches enumerate their entries (InvalidatedCache.Store
            // fences the other way).
            Interlocked.Exchange(ref _generation, generation);
            Advanced?.Invoke(reached);
            Volatile.Write(ref _applied, generation);
        }
        finally
        {
            _applying.Release();
        }

        _ = AcknowledgeAsync(generation);
    }

    /// <summary>What the changes after <paramref name="from"/> up to <paramref name="to"/> reached, from the log.</summary>
    private async Task<InvalidationReach> ReachSinceAsync(long from, long to)
    {
        if (to - from > InvalidationProtocol.LogLength)
        {
            return InvalidationReach.Everything;
        }

        try
        {
            var logged = await redis.GetDatabase().SortedSetRangeByScoreAsync(InvalidationProtocol.Log, from + 1, to);
            var reaches = new List<InvalidationReach>(logged.Length);
            var expected = from + 1;
            foreach (var change in logged)
            {
                if (!InvalidationProtocol.TryParseChange(change, out var generation, out var reach) || generation != expected++)
                {
                    return InvalidationReach.Everything;
                }

                reaches.Add(reach);
            }

            return expected == to + 1 ? InvalidationReach.Union(reaches) : InvalidationReach.Everything;
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            LogFailing(exception);
            return InvalidationReach.Everything;
        }
    }

    private async Task AcknowledgeAsync(long generation)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(InvalidationProtocol.Acknowledgements,
                new Acknowledgement(generation, Replica).ToString());
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            // The announcer waits for this replica's lease instead.
            LogFailing(exception);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _lease.End();
        await base.StopAsync(cancellationToken);
        try
        {
            using var untraced = SuppressInstrumentationScope.Begin();
            await redis.GetDatabase().SortedSetRemoveAsync(InvalidationProtocol.Replicas, Replica).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (RedisOutage.Is(exception) || exception is OperationCanceledException)
        {
            // Its registration runs out with its lease instead.
        }
    }

    private void LogFailing(Exception exception)
    {
        if (!_failing)
        {
            _failing = true;
            LogUnreachable(logger, exception);
        }
    }

    [LoggerMessage(LogLevel.Warning, "invalidation.unreachable: Redis does not answer; cached decisions are not used until it does")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "invalidation.recovered: cached decisions are used again")]
    private static partial void LogRecovered(ILogger logger);
}
