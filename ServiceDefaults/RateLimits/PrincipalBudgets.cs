using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.RateLimits;

/// <summary>
/// Tool calls per minute per principal, one budget shared by every replica of both services (CONTRACT §7). A
/// replica takes the budget from Redis in slices (a twentieth of it, at least one call) and spends a slice locally,
/// so most calls make no Redis round trip; Redis grants at most the budget per minute window in all, so no principal
/// ever gets more, and unspent slices (at most one per replica) are all it can get less. Hand-written because
/// RedisRateLimiting makes a round trip on every call; System.Threading.RateLimiting serves the fallback: when Redis
/// does not answer, each replica limits on its own to its share (the budget divided by the replicas last seen).
/// </summary>
public sealed partial class PrincipalBudgets(IConnectionMultiplexer redis, ILogger<PrincipalBudgets> logger)
{
    private const string KeyPrefix = "mnemosyne:ratelimit:";
    private static readonly RedisKey Participants = "mnemosyne:ratelimit:replicas";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Grants up to a slice of this window's budget. ARGV: key prefix, principal, slice, budget, replica.
    /// Answers { granted, ms until the window ends, replicas taking part in the last two minutes }.
    /// </summary>
    private static readonly LuaScript Lease = LuaScript.Prepare(
        """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        local window = math.floor(now / 60000)
        local key = @prefix .. @principal .. ':' .. window
        local used = tonumber(redis.call('GET', key) or '0')
        local granted = math.max(0, math.min(tonumber(@slice), tonumber(@budget) - used))
        if granted > 0 then
            redis.call('INCRBY', key, granted)
            redis.call('PEXPIRE', key, 120000)
        end
        redis.call('ZADD', @participants, now, @replica)
        redis.call('ZREMRANGEBYSCORE', @participants, '-inf', now - 120000)
        return { granted, (window + 1) * 60000 - now, redis.call('ZCARD', @participants) }
        """);

    private readonly string _replica = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, Slice> _slices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FixedWindowRateLimiter> _fallback = new(StringComparer.Ordinal);
    private int _replicas = 1;
    private bool _fallingBack;

    /// <summary>What a call may do: go ahead, or wait <see cref="RetryAfter"/>.</summary>
    public readonly record struct Decision(bool Allowed, TimeSpan RetryAfter);

    /// <summary>
    /// How <c>/v1/resolve</c> tells mcp-host a principal's budget (IETF draft RateLimit-Policy: <c>600;w=60</c>);
    /// absent means unlimited.
    /// </summary>
    public const string PolicyHeader = "RateLimit-Policy";

    public static string Policy(int perMinute) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{perMinute};w=60");

    /// <summary>The per-minute budget in a <see cref="PolicyHeader"/> value; 0 (unlimited) when there is none.</summary>
    public static int PerMinuteOf(string? policy) =>
        policy?.Split(';')[0] is { } quota && int.TryParse(quota, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var perMinute) ? perMinute : 0;

    /// <summary>A <c>Retry-After</c> value: whole seconds, rounded up, at least one.</summary>
    public static string RetryAfterHeader(TimeSpan wait) =>
        Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Whose budget a call spends: an opaque token's own (by SHA-256 of the token, lower-case hex — what both services
    /// can compute, and never the token), else the principal (a turn JWT's subject, a team, an OAuth subject).
    /// </summary>
    public static string KeyOf(string kind, string principal, Func<string> tokenSha256Hex) =>
        kind == "opaque" ? "token:" + tokenSha256Hex() : principal;

    private sealed class Slice
    {
        public int Budget; // what the slice was leased under: a changed budget starts afresh
        public long Remaining;
        public long EndsAt; // Stopwatch timestamp of the window's end
        public bool Exhausted;
        public Task<bool>? Leasing; // one lease at a time per principal: concurrent callers wait for it
    }

    /// <summary>Spends one call of <paramref name="principal"/>'s budget of <paramref name="perMinute"/> (0 = unlimited).</summary>
    public async ValueTask<Decision> TakeAsync(string principal, int perMinute, CancellationToken cancellationToken)
    {
        if (perMinute <= 0)
        {
            return new Decision(true, TimeSpan.Zero);
        }

        var slice = _slices.GetOrAdd(principal, static _ => new Slice());
        while (true)
        {
            Task<bool> leasing;
            lock (slice)
            {
                Rebudget(slice, perMinute);
                if (Stopwatch.GetTimestamp() < slice.EndsAt)
                {
                    if (slice.Remaining > 0)
                    {
                        slice.Remaining--;
                        return new Decision(true, TimeSpan.Zero);
                    }

                    if (slice.Exhausted)
                    {
                        return new Decision(false, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), slice.EndsAt));
                    }
                }

                leasing = slice.Leasing ?? StartLease(slice, principal, perMinute);
            }

            // A slice granted (or refused) is in place: take from it on the next pass.
            if (!await leasing.WaitAsync(cancellationToken))
            {
                return Fallback(principal, perMinute);
            }
        }
    }

    /// <summary>
    /// Starts taking a slice of <paramref name="principal"/>'s budget in the background when this replica holds none
    /// and is not already taking one; spends nothing. mcp-host calls it when auth-service has just decided (and spent
    /// for) a call it will keep, so the next call, decided from the cache, spends locally instead of waiting for Redis
    /// — without it, every team or OAuth principal's first cached call after its scope was read again waited for a
    /// round trip (in the bench's churn mode, up to 70 % of the calls of a slice). Redis grants the same slices as it would have on that
    /// next call, only earlier: the budget is kept exactly as before.
    /// </summary>
    public void Prepare(string principal, int perMinute)
    {
        if (perMinute <= 0 || _fallingBack)
        {
            return;
        }

        var slice = _slices.GetOrAdd(principal, static _ => new Slice());
        lock (slice)
        {
            Rebudget(slice, perMinute);
            if (Stopwatch.GetTimestamp() < slice.EndsAt || slice.Leasing is not null)
            {
                return;
            }

            StartLease(slice, principal, perMinute);
        }
    }

    /// <summary>Starts the next lease of <paramref name="slice"/>, which leaves <c>Leasing</c> when it ends. Call under the lock.</summary>
    private Task<bool> StartLease(Slice slice, string principal, int perMinute)
    {
        var leasing = slice.Leasing = LeaseAsync(slice, principal, perMinute);
        leasing.ContinueWith(done =>
        {
            lock (slice)
            {
                if (ReferenceEquals(slice.Leasing, done))
                {
                    slice.Leasing = null;
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return leasing;
    }

    /// <summary>
    /// A budget raised or lowered by an admin (or a cached decision older than the change): what this replica knew
    /// about the old budget no longer applies; Redis counts what was used this window either way. Call under the lock.
    /// </summary>
    private static void Rebudget(Slice slice, int perMinute)
    {
        if (slice.Budget != perMinute)
        {
            (slice.Budget, slice.EndsAt, slice.Remaining, slice.Exhausted) = (perMinute, 0, 0, false);
        }
    }

    /// <summary>Takes the next slice from Redis into <paramref name="slice"/>; false when Redis did not answer.</summary>
    private async Task<bool> LeaseAsync(Slice slice, string principal, int perMinute)
    {
        try
        {
            var answer = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Lease, new
            {
                prefix = (RedisValue)KeyPrefix,
                principal = (RedisValue)principal,
                slice = Math.Max(1, perMinute / 20),
                budget = perMinute,
                replica = (RedisValue)_replica,
                participants = Participants,
            }))!;
            var granted = (long)answer[0];
            var untilEnd = TimeSpan.FromMilliseconds((long)answer[1]);
            Volatile.Write(ref _replicas, Math.Max(1, (int)(long)answer[2]));
            Recovered();
            lock (slice)
            {
                slice.EndsAt = Stopwatch.GetTimestamp() + (long)(untilEnd.TotalSeconds * Stopwatch.Frequency);
                slice.Remaining = granted;
                slice.Exhausted = granted == 0;
            }

            return true;
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            if (!_fallingBack)
            {
                _fallingBack = true;
                LogFallback(logger, exception, Volatile.Read(ref _replicas));
            }

            return false;
        }
    }

    /// <summary>Redis does not answer: each replica limits on its own to its share of the budget.</summary>
    private Decision Fallback(string principal, int perMinute)
    {
        var share = Math.Max(1, perMinute / Volatile.Read(ref _replicas));
        var limiter = _fallback.GetOrAdd($"{principal}|{share}", _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = share,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = limiter.AttemptAcquire();
        return lease.IsAcquired
            ? new Decision(true, TimeSpan.Zero)
            : new Decision(false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window);
    }

    private void Recovered()
    {
        if (_fallingBack)
        {
            _fallingBack = false;
            LogRecovered(logger);
        }
    }

    [LoggerMessage(LogLevel.Warning, "ratelimit.local_fallback: Redis does not answer; each replica now allows its own share of every budget (1/{Replicas})")]
    private static partial void LogFallback(ILogger logger, Exception exception, int replicas);

    [LoggerMessage(LogLevel.Information, "ratelimit.shared_again: budgets are shared through Redis again")]
    private static partial void LogRecovered(ILogger logger);
}
