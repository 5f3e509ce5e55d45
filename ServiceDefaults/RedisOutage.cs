using StackExchange.Redis;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Whether an exception from a Redis command means Redis could not be reached or did not answer (an outage: caches
/// untrusted, budgets local, turn JWTs 503), rather than a bug. Besides its own exceptions and timeouts,
/// StackExchange.Redis fails the commands pending on a socket it gives up as dead (no reads for 5 s: Redis
/// black-holed, the connection still open) with a <see cref="TaskCanceledException"/> or, from its closed pipe, an
/// <see cref="InvalidOperationException"/> ("Reading is not allowed after reader was completed"). Both found by the
/// fault harness, where either stopped mcp-host's invalidation listener and with it the whole host.
/// </summary>
public static class RedisOutage
{
    public static bool Is(Exception exception) =>
        exception is RedisException or TimeoutException or TaskCanceledException or InvalidOperationException;
}
