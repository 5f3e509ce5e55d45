using System.Text;
using System.Text.RegularExpressions;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// A short extract of a document around the first match of the query's words, matches marked <c>**word**</c> — what
/// Postgres' <c>ts_headline</c> gives, for stores without one (Neo4j).
/// </summary>
public static partial class Snippet
{
    private const int Radius = 120;

    public static string Of(string content, string query)
    {
        var words = Words().Matches(query).Select(m => m.Value).Where(w => !w.StartsWith('-')).Select(w => w.Trim('"'))
            .Where(w => w.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (words.Length == 0)
        {
            return Shorten(content, 0);
        }

        var pattern = new Regex(string.Join('|', words.Select(w => $@"\b{Regex.Escape(w)}\w*")), RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
        var first = pattern.Match(content);
        var window = Shorten(content, first.Success ? first.Index : 0);
        return pattern.Replace(window, m => $"**{m.Value}**");
    }

    private static string Shorten(string content, int around)
    {
        var start = Math.Max(0, around - Radius);
        var end = Math.Min(content.Length, around + Radius);
        var builder = new StringBuilder();
        if (start > 0)
        {
            builder.Append('…');
        }

        builder.Append(content.AsSpan(start, end - start).Trim());
        if (end < content.Length)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    [GeneratedRegex("""-?"[^"]*"|\S+""")]
    private static partial Regex Words();
}
