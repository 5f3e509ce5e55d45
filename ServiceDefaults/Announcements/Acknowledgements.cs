using System.Collections.Concurrent;

namespace Mnemosyne.ServiceDefaults.Announcements;

/// <summary>
/// The announcing side's inbox: every acknowledgement its transport receives goes to each announcement still waiting
/// (<see cref="Open"/>). An announcement opens its wait before it is published, so no acknowledgement of it can be
/// missed, and hears only acknowledgements sent after that, so none left over from before (a restarted server
/// whose generations started again lower) can answer it.
/// </summary>
public sealed class Acknowledgements(TimeProvider time)
{
    private readonly ConcurrentDictionary<AcknowledgementWait, byte> _open = new();

    /// <summary>Starts collecting for one announcement; dispose it when the announcement is done.</summary>
    public AcknowledgementWait Open()
    {
        var wait = new AcknowledgementWait(time, w => _open.TryRemove(w, out _));
        _open[wait] = 0;
        return wait;
    }

    public void Record(Acknowledgement acknowledgement)
    {
        foreach (var wait in _open.Keys)
        {
            wait.Add(acknowledgement);
        }
    }
}
