using System.Collections.Concurrent;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// One copy of the strings and lists that many cached decisions repeat — a kind, a user, the same libraries, the same
/// <c>Dependency</c> names — instead of one per decision as each answer from auth-service is read: a cached decision
/// is mostly such values, so 100,000 of them would otherwise hold 100,000 copies. A list is found by its content and a
/// header by its text, so reading an answer whose values are known allocates no key and parses nothing again.
/// Bounded: once full, values are kept as read (still correct, only larger).
/// </summary>
public sealed class SharedValues
{
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IReadOnlyList<string>, string[]> _lists = new(SameStrings.Instance);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _headers = new(StringComparer.Ordinal);

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

        if (_lists.TryGetValue(values, out var shared))
        {
            return shared;
        }

        var list = values.Select(Share).ToArray();
        return _lists.Count < Capacity ? _lists.GetOrAdd(list, list) : list;
    }

    /// <summary>The shared list a header's text parses to (<paramref name="parse"/>; null stays null), parsed once per text.</summary>
    public IReadOnlyList<string>? Share(string? header, Func<string?, IReadOnlyList<string>?> parse)
    {
        if (header is not null && _headers.TryGetValue(header, out var known))
        {
            return known;
        }

        var list = Share(parse(header));
        return header is null || list is null || _headers.Count >= Capacity ? list : _headers.GetOrAdd(header, list);
    }

    /// <summary>Lists are equal when they hold the same strings in the same order.</summary>
    private sealed class SameStrings : IEqualityComparer<IReadOnlyList<string>>
    {
        public static readonly SameStrings Instance = new();

        public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x is null || y is null || x.Count != y.Count)
            {
                return false;
            }

            for (var i = 0; i < x.Count; i++)
            {
                if (!string.Equals(x[i], y[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(IReadOnlyList<string> list)
        {
            var hash = new HashCode();
            hash.Add(list.Count);
            for (var i = 0; i < list.Count; i++)
            {
                hash.Add(list[i], StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
