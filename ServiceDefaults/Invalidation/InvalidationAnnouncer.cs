using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// The side that changed something: <see cref="AnnounceAsync"/> returns once every replica that caches decisions
/// has dropped what it cached before the change — it acknowledged the new generation, or its lease ran out, after
/// which it does not trust its cache (<see cref="InvalidationListener"/>). Redis unreachable → 503 <c>unavailable</c>:
/// the change is saved, but the caller is told it may not have reached every cache.
/// </summary>
public sealed partial class InvalidationAnnouncer(IConnectionMultiplexer redis, ILogger<InvalidationAnnouncer> logger)
{
    /// <summary>A little past a lease's end, so a replica's own (earlier) end of trust has surely passed.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);
    private TaskCompletionSource _acknowledgement = NewSignal();
    private Task? _subscription;

    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        RedisResult[] answer;
        try
        {
            await SubscribeOnceAsync();
            answer = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(InvalidationProtocol.Announce, new
            {
                generation = InvalidationProtocol.Generation,
                replicas = InvalidationProtocol.Replicas,
                since = InvalidationProtocol.Since,
                channel = (RedisValue)InvalidationProtocol.Changes.ToString(),
            }).WaitAsync(cancellationToken))!;
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            throw new DependencyUnavailableException(
                "Redis is unavailable: the change is saved, but cached decisions on other replicas could not be invalidated.",
                exception);
        }

        var generation = (long)answer[0];
        var redisNow = (long)answer[1];
        var localNow = Stopwatch.GetTimestamp();
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 3; i + 1 < answer.Length; i += 2)
        {
            var leaseEnd = long.Parse((string)answer[i + 1]!, NumberStyles.Float, CultureInfo.InvariantCulture);
            pending[(string)answer[i]!] = LocalTime(leaseEnd);
        }

        await WaitAsync(generation, pending, cancellationToken);

        // A registry younger than a lease (Redis restarted empty) cannot list replicas registered before: they may
        // trust their caches until their leases end, so that is waited for too.
        var registryLeaseEnd = LocalTime((long)answer[2] + (long)InvalidationProtocol.Lease.TotalMilliseconds);
        if (registryLeaseEnd > Stopwatch.GetTimestamp())
        {
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), registryLeaseEnd), cancellationToken);
        }

        long LocalTime(long redisMilliseconds) =>
            localNow + (long)((redisMilliseconds - redisNow + Margin.TotalMilliseconds) / 1000.0 * Stopwatch.Frequency);
    }

    private async Task WaitAsync(long generation, Dictionary<string, long> pending, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _acknowledgement);
            var now = Stopwatch.GetTimestamp();
            foreach (var (replica, deadline) in pending.ToList())
            {
                if (now >= deadline)
                {
                    LogLeaseWaited(logger, replica, generation);
                    pending.Remove(replica);
                }
                else if (_acknowledged.TryGetValue(replica, out var acknowledged) && acknowledged >= generation)
                {
                    pending.Remove(replica);
                }
            }

            if (pending.Count == 0)
            {
                return;
            }

            var wait = Stopwatch.GetElapsedTime(now, pending.Values.Min());
            try
            {
                await signal.Task.WaitAsync(wait, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The nearest lease has run out: the next pass removes it.
            }
        }
    }

    /// <summary>Listens for acknowledgements before the first announcement (and again after a failed attempt).</summary>
    private Task SubscribeOnceAsync()
    {
        var current = Volatile.Read(ref _subscription);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            // Two racing callers may both subscribe: acknowledgements are idempotent.
            Interlocked.CompareExchange(ref _subscription,
                redis.GetSubscriber().SubscribeAsync(InvalidationProtocol.Acknowledgements, (_, message) => OnAcknowledged(message)),
                current);
            current = Volatile.Read(ref _subscription)!;
        }

        return current;
    }

    /// <summary>An acknowledgement is <c>generation:replica</c>.</summary>
    private void OnAcknowledged(RedisValue message)
    {
        var text = (string?)message;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0 || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return;
        }

        _acknowledged.AddOrUpdate(text![(colon + 1)..], generation, (_, known) => Math.Max(known, generation));
        Interlocked.Exchange(ref _acknowledgement, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(LogLevel.Warning, "invalidation.lease_waited {Replica} did not acknowledge generation {Generation}; its lease ran out, so it no longer trusts its cache")]
    private static partial void LogLeaseWaited(ILogger logger, string replica, long generation);
}
