using Mnemosyne.McpHost.Libraries;

namespace Mnemosyne.McpHost.Tests.Unit;

/// <summary>The Neo4j store's stand-in for Postgres' <c>ts_headline</c>.</summary>
public sealed class SnippetTests
{
    [Fact]
    public void Matches_are_marked_whatever_their_case_and_suffix() =>
        Assert.Equal("The **Quick** fox runs **quickly**.", Snippet.Of("The Quick fox runs quickly.", "quick"));

    [Fact]
    public void Excluded_words_are_not_marked_and_a_phrase_is_marked_whole() =>
        Assert.Equal("**red fox** and blue bird", Snippet.Of("red fox and blue bird", "\"red fox\" -blue"));

    [Fact]
    public void A_long_document_is_cut_around_the_first_match()
    {
        var content = new string('a', 500) + " needle " + new string('b', 500);

        var snippet = Snippet.Of(content, "needle");

        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.Contains("**needle**", snippet, StringComparison.Ordinal);
        Assert.True(snippet.Length < 260, $"snippet of {snippet.Length} characters");
    }

    [Fact]
    public void Without_a_match_the_start_of_the_document_is_shown() =>
        Assert.Equal("short text", Snippet.Of("short text", "absent"));

    [Fact]
    public void Regex_syntax_in_a_query_is_matched_literally()
    {
        Assert.Equal("aab **a+b**", Snippet.Of("aab a+b", "a+b"));
        Assert.Equal("see (( here", Snippet.Of("see (( here", "(("));
    }
}
