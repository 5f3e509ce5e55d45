namespace Mnemosyne.ServiceDefaults;

/// <summary>A lock-free "keep the larger": for generations, sequence numbers and timestamps that only move forward.</summary>
public static class AtomicMax
{
    /// <summary>Sets <paramref name="location"/> to <paramref name="value"/> if that is larger; true when it did.</summary>
    public static bool Raise(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
