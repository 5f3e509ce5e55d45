using Microsoft.Extensions.Time.Testing;
using Mnemosyne.ServiceDefaults.Announcements;

namespace Mnemosyne.ServiceDefaults.Tests.Announcements;

/// <summary>
/// The announcing side of the one acknowledgement protocol, on a fake clock: an announcement answers when every
/// listed replica acknowledged it or later, or when that replica's lease has ended — never before either.
/// The same behaviour over the real transports: <c>InvalidationTransportTests</c> (Redis) and auth-service's
/// <c>KeyRingSyncTests</c> (Postgres).
/// </summary>
public sealed class AcknowledgementWaitTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new();
    private readonly string _a = Acknowledgement.NewReplicaId();
    private readonly string _b = Acknowledgement.NewReplicaId();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task It_answers_as_soon_as_every_listed_replica_has_acknowledged_without_waiting_for_a_lease()
    {
        var acknowledgements = new Acknowledgements(_time);
        using var wait = acknowledgements.Open();
        var waiting = wait.UntilAcknowledgedAsync(7, Leases(_a, _b), Cancellation);

        acknowledgements.Record(new Acknowledgement(7, _a));
        Assert.False(waiting.IsCompleted);
        acknowledgements.Record(new Acknowledgement(7, _b));

        Assert.Empty(await waiting.WaitAsync(TimeSpan.FromSeconds(5), Cancellation));
    }

    [Fact]
    public async Task An_acknowledgement_of_a_later_generation_answers_an_earlier_one_and_an_earlier_one_does_not()
    {
        var acknowledgements = new Acknowledgements(_time);
        using var wait = acknowledgements.Open();
        var waiting = wait.UntilAcknowledgedAsync(7, Leases(_a, _b), Cancellation);

        acknowledgements.Record(new Acknowledgement(9, _a));
        acknowledgements.Record(new Acknowledgement(6, _b));
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        _time.Advance(Lease);

        Assert.Equal([_b], await AnsweredAsync(waiting));
    }

    [Fact]
    public async Task A_silent_replica_is_waited_for_until_its_lease_ends_and_not_a_tick_less()
    {
        var acknowledgements = new Acknowledgements(_time);
        using var wait = acknowledgements.Open();
        var waiting = wait.UntilAcknowledgedAsync(7, new Dictionary<string, TimeSpan> { [_a] = Lease, [_b] = Lease * 2 }, Cancellation);

        _time.Advance(Lease - TimeSpan.FromTicks(1));
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));
        acknowledgements.Record(new Acknowledgement(7, _b));

        Assert.Equal([_a], await AnsweredAsync(waiting));
    }

    [Fact]
    public async Task An_acknowledgement_that_arrived_between_opening_and_waiting_counts_and_one_from_before_opening_does_not()
    {
        var acknowledgements = new Acknowledgements(_time);
        acknowledgements.Record(new Acknowledgement(7, _b)); // left over from before this announcement
        using var wait = acknowledgements.Open();
        acknowledgements.Record(new Acknowledgement(7, _a)); // while the announcement was being published

        var waiting = wait.UntilAcknowledgedAsync(7, Leases(_a, _b), Cancellation);
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        _time.Advance(Lease);

        Assert.Equal([_b], await AnsweredAsync(waiting));
    }

    [Fact]
    public async Task A_closed_wait_hears_nothing_more_and_an_announcement_with_no_replica_answers_at_once()
    {
        var acknowledgements = new Acknowledgements(_time);
        var closed = acknowledgements.Open();
        closed.Dispose();
        acknowledgements.Record(new Acknowledgement(7, _a));
        var waiting = closed.UntilAcknowledgedAsync(7, Leases(_a), Cancellation);
        using var empty = acknowledgements.Open();

        Assert.Empty(await empty.UntilAcknowledgedAsync(7, Leases(), Cancellation).WaitAsync(TimeSpan.FromSeconds(5), Cancellation));
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        _time.Advance(Lease);
        Assert.Equal([_a], await AnsweredAsync(waiting));
    }

    [Fact]
    public async Task A_cancelled_announcement_stops_waiting()
    {
        var acknowledgements = new Acknowledgements(_time);
        using var wait = acknowledgements.Open();
        using var cancellation = new CancellationTokenSource();
        var waiting = wait.UntilAcknowledgedAsync(7, Leases(_a), cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5), Cancellation));
    }

    /// <summary>
    /// What <paramref name="waiting"/> answers once its lease ends on the fake clock. An acknowledgement wakes the wait
    /// on the thread pool, which reads the clock and then starts a timer for the time left: on a busy machine the clock
    /// may be advanced in between, and the timer then starts a whole lease late on a clock nobody moves again (a
    /// fresh-clone CI run hung so once). Real clocks move on; this one is moved on by a lease whenever 10 ms pass without
    /// an answer, which changes nothing the tests assert: each has checked that nothing answered before the lease
    /// ended, and every acknowledgement it counts was recorded before.
    /// </summary>
    private async Task<IReadOnlyList<string>> AnsweredAsync(Task<IReadOnlyList<string>> waiting)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!waiting.IsCompleted && !timeout.IsCancellationRequested)
        {
            if (await Task.WhenAny(waiting, Task.Delay(10, Cancellation)) != waiting)
            {
                _time.Advance(Lease);
            }
        }

        return await waiting.WaitAsync(TimeSpan.FromSeconds(1), Cancellation);
    }

    private static Dictionary<string, TimeSpan> Leases(params string[] replicas) =>
        replicas.ToDictionary(r => r, _ => Lease, StringComparer.Ordinal);
}
