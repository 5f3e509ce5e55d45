using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// How every replica that caches decisions learns of a revoking change (CONTRACT §9), in Redis, shared by
/// <see cref="InvalidationAnnouncer"/> (the side that changed something) and <see cref="InvalidationListener"/> (the
/// side that caches). A change bumps a generation and publishes it; each caching replica holds a lease in a sorted
/// set, renewed by a heartbeat that also reads the generation, and acknowledges every generation it has applied.
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
    public static readonly RedisChannel Changes = RedisChannel.Literal("mnemosyne:invalidation");
    public static readonly RedisChannel Acknowledgements = RedisChannel.Literal("mnemosyne:invalidation:ack");

    /// <summary>How long a replica's registration lasts without a heartbeat.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    /// <summary>How often a replica renews its lease (and rereads the generation).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);

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
    /// Bumps the generation, publishes it, and returns it with Redis's time, when the registry started, and every live
    /// replica's lease end: { generation, now, since, replica1, end1, replica2, end2, … }.
    /// </summary>
    public static readonly LuaScript Announce = LuaScript.Prepare(Start + "\n" +
        """
        local generation = redis.call('INCR', @generation)
        local live = redis.call('ZRANGEBYSCORE', @replicas, now, '+inf', 'WITHSCORES')
        redis.call('PUBLISH', @channel, string.format('%d', generation))
        local answer = { generation, now, tonumber(redis.call('GET', @since) or '0') }
        for i = 1, #live do answer[#answer + 1] = live[i] end
        return answer
        """);
}
