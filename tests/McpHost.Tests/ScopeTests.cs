using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The tools see only the resolved library list; outside it, libraries and documents do not exist.</summary>
public sealed class ScopeTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Opaque_token_lists_searches_and_reads_only_its_libraries()
    {
        var word = "zephyr" + Guid.NewGuid().ToString("N")[..6];
        var (mine, myDocument) = await stack.AddLibraryWithDocumentAsync("ws-a", word);
        var (theirs, theirDocument) = await stack.AddLibraryWithDocumentAsync("ws-a", word);
        var (_, token) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), [mine]);
        await using var client = await stack.ConnectAsync(token);

        var libraries = await StackFixture.CallAsync(client, "list_libraries");
        var hits = await StackFixture.CallAsync(client, "search", new() { ["query"] = word });
        var document = await StackFixture.CallAsync(client, "get_document", new() { ["uid"] = myDocument });
        var outside = await StackFixture.CallRawAsync(client, "get_document", new() { ["uid"] = theirDocument });
        var missing = await StackFixture.CallRawAsync(client, "get_document", new() { ["uid"] = "no-such-doc" });
        var outsideLibrary = await StackFixture.CallRawAsync(client, "search", new() { ["query"] = word, ["library"] = theirs });
        var missingLibrary = await StackFixture.CallRawAsync(client, "search", new() { ["query"] = word, ["library"] = "no-such-lib" });

        var library = Assert.Single(libraries.EnumerateArray());
        Assert.Equal((mine, "ws-a", 1), (library.GetProperty("uid").GetString(), library.GetProperty("workspace").GetString(),
            library.GetProperty("documentCount").GetInt32()));
        var hit = Assert.Single(hits.EnumerateArray());
        Assert.Equal((mine, myDocument), (hit.GetProperty("library").GetString(), hit.GetProperty("document").GetString()));
        Assert.Contains($"**{word}**", hit.GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal(($"Notes on {word}", mine), (document.GetProperty("title").GetString(), document.GetProperty("library").GetString()));
        Assert.Equal($"This document explains {word} in some detail.", document.GetProperty("content").GetString());

        // Outside the scope answers exactly as "does not exist".
        Assert.True(outside.IsError);
        Assert.EndsWith($"Document '{theirDocument}' not found.", StackFixture.Text(outside), StringComparison.Ordinal);
        Assert.Equal(StackFixture.Text(outside).Replace(theirDocument, "no-such-doc", StringComparison.Ordinal), StackFixture.Text(missing));
        Assert.True(outsideLibrary.IsError);
        Assert.EndsWith($"Library '{theirs}' not found.", StackFixture.Text(outsideLibrary), StringComparison.Ordinal);
        Assert.Equal(StackFixture.Text(outsideLibrary).Replace(theirs, "no-such-lib", StringComparison.Ordinal), StackFixture.Text(missingLibrary));
    }

    [Fact]
    public async Task Token_with_no_libraries_sees_nothing()
    {
        var word = "quasar" + Guid.NewGuid().ToString("N")[..6];
        var (_, document) = await stack.AddLibraryWithDocumentAsync("ws-b", word);
        var (_, token) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), []);
        await using var client = await stack.ConnectAsync(token);

        Assert.Empty((await StackFixture.CallAsync(client, "list_libraries")).EnumerateArray());
        Assert.Empty((await StackFixture.CallAsync(client, "search", new() { ["query"] = word })).EnumerateArray());
        Assert.True((await StackFixture.CallRawAsync(client, "get_document", new() { ["uid"] = document })).IsError);
    }

    [Fact]
    public async Task Search_ranks_title_matches_first_within_one_library_and_honours_the_limit()
    {
        var word = "nimbus" + Guid.NewGuid().ToString("N")[..6];
        var library = AuthApi.Unique("lib");
        await stack.PutLibraryAsync(library, "ws-c");
        await stack.PutDocumentAsync(library, library + "-body", "Weather log", $"Clouds today; one {word} over the hills.");
        await stack.PutDocumentAsync(library, library + "-title", $"All about {word}", "A survey of cloud types.");
        await stack.PutDocumentAsync(library, library + "-none", "Unrelated", "Nothing to see here.");
        var (_, token) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), [library]);
        await using var client = await stack.ConnectAsync(token);

        var all = await StackFixture.CallAsync(client, "search", new() { ["query"] = word, ["library"] = library });
        var one = await StackFixture.CallAsync(client, "search", new() { ["query"] = word, ["limit"] = 1 });

        Assert.Equal([library + "-title", library + "-body"], all.EnumerateArray().Select(h => h.GetProperty("document").GetString()).ToArray());
        Assert.Equal(library + "-title", Assert.Single(one.EnumerateArray()).GetProperty("document").GetString());
    }

    [Theory]
    [InlineData("search", """{"query":""}""", "'query' must be 1 to 500 characters.")]
    [InlineData("search", """{"query":"x","limit":0}""", "'limit' must be 1 to 50.")]
    [InlineData("search", """{"query":"x","limit":51}""", "'limit' must be 1 to 50.")]
    [InlineData("get_document", """{"uid":" "}""", "'uid' must be 1 to 200 characters.")]
    public async Task Bad_arguments_get_a_clear_tool_error(string tool, string arguments, string message)
    {
        var (_, token) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), ["lib"]);
        await using var client = await stack.ConnectAsync(token);
        var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;

        var result = await StackFixture.CallRawAsync(client, tool, args);

        Assert.True(result.IsError);
        Assert.EndsWith(message, StackFixture.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Team_token_sees_its_workspaces_and_an_assignment_change_on_the_next_call()
    {
        var (first, second) = (AuthApi.Unique("ws"), AuthApi.Unique("ws"));
        var (firstLibrary, _) = await stack.AddLibraryWithDocumentAsync(first, "alpha");
        var (secondLibrary, _) = await stack.AddLibraryWithDocumentAsync(second, "beta");
        await stack.Auth.CreateSigningKeyAsync();
        var team = await stack.Auth.CreateTeamAsync(first);
        await using var client = await stack.ConnectAsync(await stack.Auth.MintTeamTokenAsync(team));

        var before = await StackFixture.CallAsync(client, "list_libraries");
        await stack.Auth.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/workspaces", new { workspaces = new[] { second } });
        var after = await StackFixture.CallAsync(client, "list_libraries");

        Assert.Equal([firstLibrary], before.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
        Assert.Equal([secondLibrary], after.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
    }

    [Fact]
    public async Task Turn_jwt_from_the_admin_api_works_and_its_jti_replayed_after_expiry_is_refused()
    {
        var (library, _) = await stack.AddLibraryWithDocumentAsync("ws-t", "gamma");
        var (kid, secret) = await stack.Auth.CreateSigningKeyAsync();
        var minted = await stack.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "turn-1", libraries = new[] { library }, ttlSeconds = 60 });
        await using (var client = await stack.ConnectAsync(minted.Body.GetProperty("token").GetString()))
        {
            var libraries = await StackFixture.CallAsync(client, "list_libraries");
            Assert.Equal([library], libraries.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
        }

        var jti = Guid.NewGuid().ToString();
        var first = TestJwt.Turn(kid, secret, stack.Time.GetUtcNow(), c => { c["jti"] = jti; c["libs"] = new[] { library }; }, 60);
        using var used = await stack.PostMcpAsync(StackFixture.ToolCall("list_libraries", new { }), first);
        stack.Time.Advance(TimeSpan.FromSeconds(60 + 30 + 1));
        var replayed = TestJwt.Turn(kid, secret, stack.Time.GetUtcNow(), c => { c["jti"] = jti; c["libs"] = new[] { library }; }, 60);
        using var refused = await stack.PostMcpAsync(StackFixture.ToolCall("list_libraries", new { }), replayed);

        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("replay", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
    }
}
