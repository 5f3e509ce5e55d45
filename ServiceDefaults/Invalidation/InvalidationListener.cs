using System.Globalization;
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
/// waiting for it. A generation learnt from a message or a renewal raises <see cref="Advanced"/> first (the cache
/// drops its entries) and is acknowledged after. Its heartbeat is not traced (it runs twice a second).
/// </summary>
public sealed partial class InvalidationListener(IConnectionMultiplexer redis, ILogger<InvalidationListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan TrustMargin = TimeSpan.FromMilliseconds(250);
    private readonly ReplicaLease _lease = new(InvalidationProtocol.Lease - TrustMargin, TimeProvider.System);
    private long _generation = -1;
    private bool _failing;

    public string Replica { get; } = Acknowledgement.NewReplicaId();

    /// <summary>The newest generation this replica has applied; entries cached under an older one are stale.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>True while this replica is sure to have heard of every change announced before now.</summary>
    public bool IsTrusted => _lease.IsHeld;

    /// <summary>Raised (synchronously, before acknowledging) when the generation moves on.</summary>
    public event Action<long>? Advanced;

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
                    if (long.TryParse((string?)message, NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
                    {
                        Advance(generation);
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
            Advance(generation);
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

    private void Advance(long generation)
    {
        if (AtomicMax.Raise(ref _generation, generation))
        {
            Advanced?.Invoke(generation);
            _ = AcknowledgeAsync(generation);
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
