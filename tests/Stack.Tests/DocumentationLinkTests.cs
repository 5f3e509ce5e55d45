using System.Text;
using System.Text.RegularExpressions;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// Every relative link in <c>README.md</c> and <c>docs/</c> resolves: the file or folder exists, and a <c>#anchor</c>
/// names a heading of the target as GitHub spells it (lower case, punctuation dropped, spaces as hyphens, a repeated
/// heading numbered). Links inside code are not links; web addresses are not checked (no network here).
/// </summary>
public sealed partial class DocumentationLinkTests
{
    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_resolves()
    {
        var documents = Documents().ToList();
        Assert.Contains(documents, d => d.EndsWith("architecture.md", StringComparison.Ordinal));

        var broken = new List<string>();
        var links = 0;
        foreach (var document in documents)
        {
            foreach (var (line, target) in Links(File.ReadAllLines(document)))
            {
                links++;
                if (Problem(document, target) is { } problem)
                {
                    broken.Add($"{Path.GetRelativePath(Repository.Root, document)}:{line}: ({target}) {problem}");
                }
            }
        }

        Assert.True(links > 20, $"only {links} links found: is the parser still reading the documents?");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Theory]
    [InlineData("Operator's tour: the dashboard as the control room", "operators-tour-the-dashboard-as-the-control-room")]
    [InlineData("What `./test.sh` runs", "what-testsh-runs")]
    [InlineData("0003 — A decision cache in mcp-host", "0003--a-decision-cache-in-mcp-host")]
    [InlineData("DNS-rebinding protection (Host and Origin)", "dns-rebinding-protection-host-and-origin")]
    public void Headings_become_anchors_as_github_spells_them(string heading, string anchor) =>
        Assert.Equal(anchor, Anchor(heading));

    [Fact]
    public void A_missing_file_or_heading_is_reported()
    {
        var readme = Path.Combine(Repository.Root, "README.md");
        Assert.NotNull(Problem(readme, "docs/no-such-file.md"));
        Assert.NotNull(Problem(readme, "docs/architecture.md#no-such-heading"));
        Assert.Null(Problem(readme, "docs/architecture.md#folders"));
    }

    private static IEnumerable<string> Documents() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Prepend(Path.Combine(Repository.Root, "README.md"));

    /// <summary>Inline links and images outside fenced code blocks and code spans, with their line numbers.</summary>
    private static IEnumerable<(int Line, string Target)> Links(string[] lines)
    {
        var inFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence)
            {
                continue;
            }

            foreach (Match link in LinkPattern().Matches(CodeSpan().Replace(lines[i], "")))
            {
                yield return (i + 1, link.Groups["target"].Value);
            }
        }
    }

    private static string? Problem(string document, string target)
    {
        if (WebAddress().IsMatch(target))
        {
            return null;
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? target : target[..hash];
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        var resolved = path.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(path)));
        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return "no such file or folder";
        }

        if (anchor is null)
        {
            return null;
        }

        return resolved.EndsWith(".md", StringComparison.Ordinal) && Anchors(File.ReadAllLines(resolved)).Contains(anchor)
            ? null
            : "no such heading";
    }

    private static HashSet<string> Anchors(string[] lines)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && Heading().Match(line) is { Success: true } heading)
            {
                var anchor = Anchor(heading.Groups["text"].Value);
                var count = seen.GetValueOrDefault(anchor);
                seen[anchor] = count + 1;
                anchors.Add(count == 0 ? anchor : $"{anchor}-{count}");
            }
        }

        return anchors;
    }

    private static string Anchor(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), "${text}");
        var anchor = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                anchor.Append(c);
            }
            else if (c == ' ')
            {
                anchor.Append('-');
            }
        }

        return anchor.ToString();
    }

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*$")]
    private static partial Regex Heading();

    [GeneratedRegex("^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex WebAddress();
}
