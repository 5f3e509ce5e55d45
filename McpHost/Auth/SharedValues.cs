using System.Collections.Concurrent;
using System.Globalization;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// One copy of the strings and lists that many cached decisions repeat — a kind, a user, the same libraries, the same
/// <c>Dependency</c> names — instead of one per decision as each answer from auth-service is read: a cached decision
/// is mostly such values, so 100,000 of them would otherwise hold 100,000 copies. Bounded: once full, values are kept
/// as read (still correct, only larger).
/// </summary>
public sealed class SharedValues
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _lists = new(StringComparer.Ordinal);

    public string Share(string value) =>
        _strings.TryGetValue(value, out var shared) ? shared
        : _strings.Count < Capacity ? _strings.GetOrAdd(value, value)
        : value;

    public IReadOnlyList<string>? Share(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return null;
        }

        // Each value with its length before it: two different lists never have the same key, whatever they hold.
        var key = string.Concat(values.Select(value => value.Length.ToString(CultureInfo.InvariantCulture) + ":" + value));
        if (_lists.TryGetValue(key, out var shared))
        {
            return shared;
        }

        var list = values.Select(Share).ToArray();
        return _lists.Count < Capacity ? _lists.GetOrAdd(key, list) : list;
    }
}
