using System.Text;
using System.Text.RegularExpressions;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// Turns a search box query into a Lucene query for Neo4j's full-text index with the same meaning as Postgres'
/// <c>websearch_to_tsquery</c>: every word required, <c>"quoted phrases"</c>, <c>-excluded</c> words. Everything else
/// is escaped, so no query the caller types can be Lucene syntax.
/// </summary>
public static partial class LuceneQuery
{
    public static string From(string query)
    {
        var clauses = new List<string>();
        foreach (Match token in Tokens().Matches(query))
        {
            var excluded = token.Groups["minus"].Success;
            var text = token.Groups["phrase"].Success ? token.Groups["phrase"].Value : token.Groups["word"].Value;
            if (text.Trim().Length == 0)
            {
                continue;
            }

            // Lucene's parser reads a bare AND, OR or NOT as an operator even after "+"; an escaped letter is a term.
            var escaped = text is "AND" or "OR" or "NOT" ? "\\" + text : Escape(text);
            clauses.Add((excluded ? "-" : "+") + (token.Groups["phrase"].Success ? $"\"{escaped}\"" : escaped));
        }

        // Lucene needs one required clause; a query of exclusions only matches nothing, as in Postgres.
        return clauses.Any(c => c[0] == '+') ? string.Join(' ', clauses) : "";
    }

    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if ("+-&|!(){}[]^\"~*?:\\/".Contains(c, StringComparison.Ordinal))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    [GeneratedRegex("""(?<minus>-)?(?:"(?<phrase>[^"]*)"|(?<word>[^\s"]+))""")]
    private static partial Regex Tokens();
}
