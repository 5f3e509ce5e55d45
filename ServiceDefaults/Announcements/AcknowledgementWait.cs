using System.Collections.Concurrent;

namespace Mnemosyne.ServiceDefaults.Announcements;

/// <summary>
/// One announcement waiting (<see cref="UntilAcknowledgedAsync"/>) until every replica its transport listed has
/// acknowledged its generation or later, or has reached the end of its lease: past that, a replica that heard nothing
/// no longer trusts what it cached, so either way no replica answers from before the change once this returns.
/// Made by <see cref="Acknowledgements.Open"/>.
/// </summary>
public sealed class AcknowledgementWait : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<AcknowledgementWait> _close;
    private readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);
    private TaskCompletionSource _arrived = NewSignal();

    internal AcknowledgementWait(TimeProvider time, Action<AcknowledgementWait> close)
    {
        _time = time;
        _close = close;
    }

    internal void Add(Acknowledgement acknowledgement)
    {
        _acknowledged.AddOrUpdate(acknowledgement.Replica, acknowledgement.Generation, (_, known) => Math.Max(known, acknowledgement.Generation));
        Interlocked.Exchange(ref _arrived, NewSignal()).TrySetResult();
    }

    /// <summary>
    /// Waits for <paramref name="leasesLeft"/>' replicas (each with how long its lease may still last, from now) to
    /// acknowledge <paramref name="generation"/>; returns those whose lease ran out first, for the transport to log.
    /// </summary>
    public async Task<IReadOnlyList<string>> UntilAcknowledgedAsync(
        long generation, IReadOnlyDictionary<string, TimeSpan> leasesLeft, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var pending = leasesLeft.ToDictionary(
            l => l.Key, l => start + (long)(l.Value.TotalSeconds * _time.TimestampFrequency), StringComparer.Ordinal);
        var leaseEnded = new List<string>();
        while (true)
        {
            var arrived = Volatile.Read(ref _arrived).Task;
            var now = _time.GetTimestamp();
            foreach (var (replica, leaseEnd) in pending.ToList())
            {
                if (_acknowledged.TryGetValue(replica, out var acknowledged) && acknowledged >= generation)
                {
                    pending.Remove(replica);
                }
                else if (now >= leaseEnd)
                {
                    leaseEnded.Add(replica);
                    pending.Remove(replica);
                }
            }

            if (pending.Count == 0)
            {
                return leaseEnded;
            }

            try
            {
                await arrived.WaitAsync(_time.GetElapsedTime(now, pending.Values.Min()), _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The nearest lease has ended: the next pass removes it.
            }
        }
    }

    public void Dispose() => _close(this);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
