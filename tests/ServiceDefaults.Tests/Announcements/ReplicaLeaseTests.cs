using Microsoft.Extensions.Time.Testing;
using Mnemosyne.ServiceDefaults.Announcements;

namespace Mnemosyne.ServiceDefaults.Tests.Announcements;

/// <summary>The caching side's lease, on a fake clock: trusted from a renewal's start for the lease's length, no longer.</summary>
public sealed class ReplicaLeaseTests
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void It_is_not_held_before_its_first_renewal()
    {
        var lease = new ReplicaLease(Length, _time);
        var started = lease.BeginRenewal();

        Assert.False(lease.IsHeld); // a renewal under way is not one that answered
        lease.Renewed(started);
        Assert.True(lease.IsHeld);
    }

    [Fact]
    public void It_lasts_from_the_start_of_the_renewal_not_from_its_answer()
    {
        var lease = new ReplicaLease(Length, _time);
        var started = lease.BeginRenewal();
        _time.Advance(TimeSpan.FromMilliseconds(500)); // a slow round trip
        lease.Renewed(started);

        _time.Advance(Length - TimeSpan.FromMilliseconds(500) - TimeSpan.FromTicks(1));
        Assert.True(lease.IsHeld);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(lease.IsHeld);
    }

    [Fact]
    public void A_renewal_that_answers_late_does_not_shorten_a_newer_one()
    {
        var lease = new ReplicaLease(Length, _time);
        var older = lease.BeginRenewal();
        _time.Advance(TimeSpan.FromSeconds(1));
        lease.Renewed(lease.BeginRenewal());
        lease.Renewed(older);

        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(lease.IsHeld);
    }
}
