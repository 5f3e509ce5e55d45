namespace Mnemosyne.ServiceDefaults.Announcements;

/// <summary>
/// The caching side's lease: what a replica caches is trusted only while its last successful renewal — a round trip
/// over the transport that announcements travel on, so one committed before it started has arrived by its answer —
/// started less than its length ago. An announcer that hears nothing from a replica waits longer than that, so a
/// replica cut off from its transport stops trusting its cache before any announcement stops waiting for it.
/// The services give it the system clock, not the host's <see cref="TimeProvider"/> (which tests fake to move token
/// lifetimes): a lease is real time between processes.
/// </summary>
public sealed class ReplicaLease(TimeSpan length, TimeProvider time)
{
    private long _renewedFrom;
    private volatile bool _ended;

    /// <summary>Take this just before the round trip that renews; pass it to <see cref="Renewed"/> once it answered.</summary>
    public long BeginRenewal() => time.GetTimestamp();

    /// <summary>A round trip that started at <paramref name="startedAt"/> succeeded (an older one never shortens the lease).</summary>
    public void Renewed(long startedAt) => AtomicMax.Raise(ref _renewedFrom, startedAt);

    /// <summary>Gives the lease up for good (the replica is stopping): nothing cached is trusted from now on.</summary>
    public void End() => _ended = true;

    public bool IsHeld
    {
        get
        {
            var renewedFrom = Interlocked.Read(ref _renewedFrom);
            return !_ended && renewedFrom != 0 && time.GetElapsedTime(renewedFrom) < length;
        }
    }
}
