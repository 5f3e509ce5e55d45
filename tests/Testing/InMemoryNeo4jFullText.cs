using System.Text;
using System.Text.RegularExpressions;

namespace Mnemosyne.Testing;

/// <summary>
/// What <see cref="InMemoryNeo4j"/> does for <c>db.index.fulltext.queryNodes</c>: reads the Lucene queries the
/// library store writes (<c>+word</c>, <c>-word</c>, <c>+"a phrase"</c>, backslash escapes) and matches them, as
/// Neo4j's default analyzer does, on lower-cased runs of letters and digits of a document's title and content. A
/// clause that analyses to no term is dropped; a query left without a required term matches nothing. The score
/// counts each required clause's matches, a title match twice (as BM25 ranks a match in a short field higher), so
/// title matches come first.
/// </summary>
internal static partial class InMemoryNeo4jFullText
{
    /// <summary>One clause: required (<c>+</c>) or excluded (<c>-</c>), and its terms in order (a phrase has several).</summary>
    public sealed record Clause(bool Required, string[] Terms);

    public static IReadOnlyList<Clause> Parse(string lucene)
    {
        var clauses = new List<Clause>();
        var i = 0;
        while (i < lucene.Length)
        {
            if (char.IsWhiteSpace(lucene[i]))
            {
                i++;
                continue;
            }

            var required = lucene[i] != '-';
            if (lucene[i] is '+' or '-')
            {
                i++;
            }

            var text = new StringBuilder();
            var quoted = i < lucene.Length && lucene[i] == '"';
            i += quoted ? 1 : 0;
            for (; i < lucene.Length && (quoted ? lucene[i] != '"' : !char.IsWhiteSpace(lucene[i])); i++)
            {
                if (lucene[i] == '\\' && i + 1 < lucene.Length)
                {
                    i++;
                }

                text.Append(lucene[i]);
            }

            i += quoted ? 1 : 0;
            if (Terms(text.ToString()) is { Length: > 0 } terms)
            {
                clauses.Add(new Clause(required, terms));
            }
        }

        return clauses;
    }

    /// <summary>The score of a document whose fields analyse to these terms, or null when it does not match.</summary>
    public static int? Score(IReadOnlyList<Clause> clauses, string[] titleTerms, string[] contentTerms)
    {
        var score = 0;
        foreach (var clause in clauses)
        {
            var matches = 2 * Occurrences(titleTerms, clause.Terms) + Occurrences(contentTerms, clause.Terms);
            if (clause.Required ? matches == 0 : matches > 0)
            {
                return null;
            }

            score += matches;
        }

        return clauses.Any(c => c.Required) ? score : null;
    }

    /// <summary>What the analyzer makes of <paramref name="text"/>: its runs of letters and digits, lower-cased.</summary>
    public static string[] Terms(string text) =>
        [.. Term().Matches(text).Select(m => m.Value.ToLowerInvariant())];

    private static int Occurrences(string[] terms, string[] phrase)
    {
        var count = 0;
        for (var start = 0; start + phrase.Length <= terms.Length; start++)
        {
            if (terms.AsSpan(start, phrase.Length).SequenceEqual(phrase))
            {
                count++;
            }
        }

        return count;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Term();
}
