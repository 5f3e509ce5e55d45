using Mnemosyne.McpHost.Auth;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.McpHost.Tests;

/// <summary>One copy of what many cached decisions repeat (no servers).</summary>
public sealed class SharedValuesTests
{
    [Fact]
    public void Lists_with_the_same_strings_in_the_same_order_are_one_list()
    {
        var shared = new SharedValues();

        var first = shared.Share(["alpha", "beta"]);
        var again = shared.Share(new List<string> { string.Concat("al", "pha"), "beta" });

        Assert.Same(first, again);
        Assert.Equal(["alpha", "beta"], again!);
    }

    [Fact]
    public void Lists_that_differ_in_order_length_or_a_string_are_not_shared()
    {
        var shared = new SharedValues();
        var list = shared.Share(["alpha", "beta"]);

        Assert.NotSame(list, shared.Share(["beta", "alpha"]));
        Assert.NotSame(list, shared.Share(["alpha"]));
        Assert.NotSame(list, shared.Share(["alpha", "beta", ""]));
        Assert.NotSame(list, shared.Share(["alpha", "Beta"]));
        Assert.Equal(["beta", "alpha"], shared.Share(["beta", "alpha"])!);
    }

    [Fact]
    public void A_header_is_parsed_once_per_text_and_its_names_are_the_shared_list()
    {
        var shared = new SharedValues();
        var parses = 0;
        IReadOnlyList<string>? Parse(string? header)
        {
            parses++;
            return Dependency.FromHeader(header);
        }

        var first = shared.Share("token%3Aabc,user%3Aalice", Parse);
        var again = shared.Share(string.Concat("token%3Aabc", ",user%3Aalice"), Parse);

        Assert.Equal(1, parses);
        Assert.Same(first, again);
        Assert.Equal(["token:abc", "user:alice"], first!);
        Assert.Same(first, shared.Share(["token:abc", "user:alice"]));
    }

    [Fact]
    public void No_header_stays_null_which_means_everything()
    {
        var shared = new SharedValues();

        Assert.Null(shared.Share(null, Dependency.FromHeader));
        Assert.Null(shared.Share(new string('x', Dependency.MaxHeaderLength + 1), Dependency.FromHeader));
        Assert.Empty(shared.Share("", Dependency.FromHeader)!);
    }
}
