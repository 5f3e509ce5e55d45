using System.Globalization;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using StackExchange.Redis;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// The turn-JWT replay cache, in Redis so every instance shares it. A jti may be presented again and again while
/// its token is valid (one chat turn makes several tool calls); a jti seen again after the expiry first recorded
/// for it (plus leeway) is a replay. Entries expire by themselves an hour after their token.
/// Redis unreachable → <c>unavailable</c> (fail closed).
/// </summary>
public sealed class JtiReplayCache(IConnectionMultiplexer redis, IOptions<AuthOptions> options, TimeProvider time)
{
    private const string KeyPrefix = "mnemosyne:jti:";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    // Atomically: return the expiry already recorded for this jti, or record this one and return nil.
    private static readonly LuaScript RememberScript = LuaScript.Prepare(
        """
        local seen = redis.call('GET', @key)
        if seen then return seen end
        redis.call('SET', @key, @exp, 'EX', @ttl)
        return false
        """);

    public async Task<bool> IsReplayAsync(string jti, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ttl = Math.Max(1, (long)Math.Ceiling((expiresAt + Retention - now).TotalSeconds) + options.Value.LeewaySeconds);
        RedisResult seen;
        try
        {
            seen = await redis.GetDatabase().ScriptEvaluateAsync(RememberScript, new
            {
                key = (RedisKey)(KeyPrefix + jti),
                exp = expiresAt.ToUnixTimeMilliseconds(),
                ttl,
            }).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (RedisOutage.Is(exception))
        {
            throw new DependencyUnavailableException("Redis (jti replay cache) is unavailable.", exception);
        }

        if (seen.IsNull)
        {
            return false;
        }

        var firstExpiry = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)seen!, CultureInfo.InvariantCulture));
        return now > firstExpiry.AddSeconds(options.Value.LeewaySeconds);
    }
}
