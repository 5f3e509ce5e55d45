using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// How every replica that caches decisions learns of a revoking change (CONTRACT §9), in Redis, shared by
/// <see cref="InvalidationAnnouncer"/> (the side that changed something) and <see cref="InvalidationListener"/> (the
/// side that caches). A change bumps a generation and publishes it with its reach (<see cref="InvalidationReach"/>);
/// each caching replica holds a lease in a sorted set, renewed by a heartbeat that also reads the generation, and
/// acknowledges every generation it has applied. The last <see cref="LogLength"/> changes are kept in a log by
/// generation, so a replica that learns of a change without its message (from a renewal, or a message that overtook
/// another) reads what it reached there; one older than the log (or lost with it) empties the replica's whole cache.
/// Both scripts run atomically on Redis's clock, so a replica either was registered when a change was announced (and
/// the announcer waits for its acknowledgement or the end of its lease) or reads the new generation when it renews.
/// <para>
/// Redis may lose all of it (a restart without persistence). So the generation starts from Redis's clock in
/// microseconds, never from zero: it only moves forward across a restart, and every replica empties its cache at its
/// next renewal. And the registry remembers when it was started (<see cref="Since"/>): until a lease has passed since
/// then, a replica registered before the loss may still trust its cache, so an announcer waits for that too.
/// </para>
/// </summary>
public static class InvalidationProtocol
{
    public static readonly RedisKey Generation = "mnemosyne:invalidation:generation";
    public static readonly RedisKey Replicas = "mnemosyne:invalidation:replicas";
    public static readonly RedisKey Since = "mnemosyne:invalidation:since";
    public static readonly RedisKey Log = "mnemosyne:invalidation:log";
    public static readonly RedisChannel Changes = RedisChannel.Literal("mnemosyne:invalidation");
    public static readonly RedisChannel Acknowledgements = RedisChannel.Literal("mnemosyne:invalidation:ack");

    /// <summary>How long a replica's registration lasts without a heartbeat.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    /// <summary>How often a replica renews its lease (and rereads the generation).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The response header of <c>POST /v1/resolve</c> with the generation auth-service had applied when it began
    /// (<see cref="InvalidationListener.Applied"/>): mcp-host keeps the decision only when that covers its own, since
    /// auth-service answers from caches of its own (team rows, workspaces) that may not have heard of a newer change yet.
    /// </summary>
    public const string AppliedHeader = "Mnemosyne-Applied-Generation";

    /// <summary>How many changes the log keeps: a replica further behind than this empties its cache.</summary>
    public const int LogLength = 1000;

    /// <summary>Both scripts start here: Redis's time in ms (<c>now</c>), and a registry started if Redis has none.</summary>
    private const string Start =
        """
        local t = redis.call('TIME')
        local now = t[1] * 1000 + math.floor(t[2] / 1000)
        if redis.call('EXISTS', @generation) == 0 then
          redis.call('SET', @generation, t[1] .. string.format('%06d', tonumber(t[2])))
          redis.call('SET', @since, now)
        end
        """;

    /// <summary>
    /// Registers (or renews) a replica until now + lease on Redis's clock, drops long-dead registrations, and returns
    /// the current generation. Parameters: replicas, generation, since, replica id, lease in ms.
    /// </summary>
    public static readonly LuaScript Renew = LuaScript.Prepare(Start + "\n" +
        """
        redis.call('ZADD', @replicas, now + tonumber(@lease), @replica)
        redis.call('ZREMRANGEBYSCORE', @replicas, '-inf', now - 60000)
        return redis.call('GET', @generation)
        """);

    /// <summary>
    /// Bumps the generation, logs and publishes the change (<see cref="FormatChange"/>), and returns the generation with
    /// Redis's time, when the registry started, and every live replica's lease end:
    /// { generation, now, since, replica1, end1, replica2, end2, … }. Parameters: generation, replicas, since, log,
    /// channel, reach (<see cref="InvalidationReach.ToString"/>), logLength.
    /// </summary>
    public static readonly LuaScript Announce = LuaScript.Prepare(Start + "\n" +
        """
        local generation = redis.call('INCR', @generation)
        local change = string.format('%d', generation) .. '|' .. @reach
        redis.call('ZADD', @log, generation, change)
        redis.call('ZREMRANGEBYRANK', @log, 0, -1 - tonumber(@logLength))
        local live = redis.call('ZRANGEBYSCORE', @replicas, now, '+inf', 'WITHSCORES')
        redis.call('PUBLISH', @channel, change)
        local answer = { generation, now, tonumber(redis.call('GET', @since) or '0') }
        for i = 1, #live do answer[#answer + 1] = live[i] end
        return answer
        """);

    /// <summary>A change as logged and published: <c>generation|reach</c>.</summary>
    public static string FormatChange(long generation, InvalidationReach reach) =>
        generation.ToString(CultureInfo.InvariantCulture) + "|" + reach;

    public static bool TryParseChange(string? text, out long generation, [NotNullWhen(true)] out InvalidationReach? reach)
    {
        generation = 0;
        reach = null;
        var bar = text?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        return bar > 0
            && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out generation)
            && InvalidationReach.TryParse(text.AsSpan(bar + 1), out reach);
    }
}
