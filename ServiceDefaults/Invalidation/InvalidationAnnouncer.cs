using System.Globalization;
using Microsoft.Extensions.Logging;
using Mnemosyne.ServiceDefaults.Announcements;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// The side that changed something, over Redis: <see cref="AnnounceAsync"/> returns once every replica that caches
/// decisions has dropped what it cached before the change and within its reach — it acknowledged the new generation, or its lease ran out,
/// after which it does not trust its cache (<see cref="InvalidationListener"/>). The waiting is the shared
/// <see cref="AcknowledgementWait"/>; this class adds Redis's script and its clock. Redis unreachable → 503
/// <c>unavailable</c>: the change is saved, but the caller is told it may not have reached every cache.
/// </summary>
public sealed partial class InvalidationAnnouncer
{
    /// <summary>A little past a lease's end, so a replica's own (earlier) end of trust has surely passed.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);

    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<InvalidationAnnouncer> _logger;
    private readonly Acknowledgements _acknowledgements = new(TimeProvider.System);

    /// <summary>Listens for acknowledgements before the first announcement (and again after a failed attempt).</summary>
    private readonly RetriedLazyTask<Task> _subscription;

    public InvalidationAnnouncer(IConnectionMultiplexer redis, ILogger<InvalidationAnnouncer> logger)
    {
        _redis = redis;
        _logger = logger;
        var acknowledgements = _acknowledgements;
        // Two racing callers may both subscribe: acknowledgements are idempotent.
        _subscription = new(() => redis.GetSubscriber().SubscribeAsync(InvalidationProtocol.Acknowledgements, (_, message) =>
        {
            if (Acknowledgement.TryParse((string?)message, out var acknowledgement))
            {
                acknowledgements.Record(acknowledgement.Value);
            }
        }));
    }

    public async Task AnnounceAsync(InvalidationReach reach, CancellationToken cancellationToken)
    {
        using var wait = _acknowledgements.Open();
        RedisResult[] answer;
        try
        {
            await _subscription.Current;
            answer = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(InvalidationProtocol.Announce, new
            {
                generation = InvalidationProtocol.Generation,
                replicas = InvalidationProtocol.Replicas,
                since = InvalidationProtocol.Since,
                log = InvalidationProtocol.Log,
                channel = (RedisValue)InvalidationProtocol.Changes.ToString(),
                reach = (RedisValue)reach.ToString(),
                logLength = InvalidationProtocol.LogLength,
            }).WaitAsync(cancellationToken))!;
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            throw new DependencyUnavailableException(
                "Redis is unavailable: the change is saved, but cached decisions on other replicas could not be invalidated.",
                exception);
        }

        var answered = TimeProvider.System.GetTimestamp();
        var generation = (long)answer[0];
        var redisNow = (long)answer[1];
        var leasesLeft = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        for (var i = 3; i + 1 < answer.Length; i += 2)
        {
            leasesLeft[(string)answer[i]!] = Left(double.Parse((string)answer[i + 1]!, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        foreach (var replica in await wait.UntilAcknowledgedAsync(generation, leasesLeft, cancellationToken))
        {
            LogLeaseWaited(_logger, replica, generation);
        }

        // A registry younger than a lease (Redis restarted empty) cannot list replicas registered before: they may
        // trust their caches until their leases end, so that is waited for too.
        var registryLeft = Left((long)answer[2] + InvalidationProtocol.Lease.TotalMilliseconds) - TimeProvider.System.GetElapsedTime(answered);
        if (registryLeft > TimeSpan.Zero)
        {
            await Task.Delay(registryLeft, TimeProvider.System, cancellationToken);
        }

        TimeSpan Left(double redisMilliseconds) => TimeSpan.FromMilliseconds(redisMilliseconds - redisNow + Margin.TotalMilliseconds);
    }

    [LoggerMessage(LogLevel.Warning, "invalidation.lease_waited {Replica} did not acknowledge generation {Generation}; its lease ran out, so it no longer trusts its cache")]
    private static partial void LogLeaseWaited(ILogger logger, string replica, long generation);
}
