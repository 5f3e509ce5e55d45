using Mnemosyne.McpHost.Libraries;

namespace Mnemosyne.McpHost.Tests.Unit;

/// <summary>What a search box query may do on Neo4j: words, phrases and exclusions, and never Lucene syntax.</summary>
public sealed class LuceneQueryTests
{
    [Theory]
    [InlineData("alpha beta", "+alpha +beta")]
    [InlineData("\"exact phrase\" word", "+\"exact phrase\" +word")]
    [InlineData("alpha -beta", "+alpha -beta")]
    [InlineData("-\"not this\" but", "-\"not this\" +but")]
    [InlineData("  spaced   out  ", "+spaced +out")]
    public void Words_phrases_and_exclusions_mean_what_they_mean_in_postgres(string query, string lucene) =>
        Assert.Equal(lucene, LuceneQuery.From(query));

    [Theory]
    [InlineData("-alpha")]
    [InlineData("-alpha -\"beta gamma\"")]
    [InlineData("\"\"")]
    [InlineData("   ")]
    public void A_query_with_nothing_required_matches_nothing(string query) => Assert.Equal("", LuceneQuery.From(query));

    [Theory]
    [InlineData("title:secret", @"+title\:secret")]
    [InlineData("(a OR b)", @"+\(a +\OR +b\)")]
    [InlineData("wild* card? fuzzy~2 boost^9", @"+wild\* +card\? +fuzzy\~2 +boost\^9")]
    [InlineData("[a TO z] {x}", @"+\[a +TO +z\] +\{x\}")]
    [InlineData("a&&b c||d !e", @"+a\&\&b +c\|\|d +\!e")]
    [InlineData(@"/regex/ back\slash", @"+\/regex\/ +back\\slash")]
    [InlineData("cats AND dogs NOT birds", @"+cats +\AND +dogs +\NOT +birds")]
    [InlineData("\"a:b (c)\"", "+\"a\\:b \\(c\\)\"")]
    public void Lucene_syntax_in_a_query_is_escaped_into_plain_terms(string query, string lucene) =>
        Assert.Equal(lucene, LuceneQuery.From(query));

    [Fact]
    public void Lower_case_operator_words_are_ordinary_terms() =>
        Assert.Equal("+cats +and +dogs", LuceneQuery.From("cats and dogs"));
}
