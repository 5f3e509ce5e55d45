namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// A task started on first use and shared by every later caller, started again only once it has failed or been
/// cancelled: a one-time set-up (a subscription, a service-discovery lookup) that must not stay failed for ever, as
/// <see cref="Lazy{T}"/> of a task would. Hand-written because it is these few lines; no async-lazy library is
/// referenced. Two racing callers may both start it and only one task is kept, so starting must be safe to repeat.
/// </summary>
public sealed class RetriedLazyTask<TTask>(Func<TTask> start) where TTask : Task
{
    private TTask? _current;

    /// <summary>The running or finished task; a new one when there was none or the last one failed.</summary>
    public TTask Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            if (current is null || current.IsFaulted || current.IsCanceled)
            {
                Interlocked.CompareExchange(ref _current, start(), current);
                current = Volatile.Read(ref _current)!;
            }

            return current;
        }
    }
}
