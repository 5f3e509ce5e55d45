using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults;

/// <summary>How both services connect to Redis.</summary>
public static class RedisConnections
{
    /// <summary>
    /// Answer at once when Redis is down (turn JWTs then fail closed with 503, caches stop being trusted) instead of
    /// queueing commands until it returns.
    /// </summary>
    public static void FailFast(ConfigurationOptions redis)
    {
        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        redis.ConnectTimeout = 2000;
        redis.AsyncTimeout = 1000;
        redis.SyncTimeout = 1000;
    }
}
