using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The tools see only the resolved library list; outside it, libraries and documents do not exist.</summary>
public sealed class ScopeTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Opaque_token_lists_searches_and_reads_only_its_libraries()
    {
        var word = "zephyr" + Guid.NewGuid().ToString("N")[..6];
        var (mine, myDocument) = await fixture.AddLibraryWithDocumentAsync("ws-a", word);
        var (theirs, theirDocument) = await fixture.AddLibraryWithDocumentAsync("ws-a", word);
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [mine]);
        await using var client = await fixture.ConnectAsync(token);

        var libraries = await McpHostFixture.CallAsync(client, "list_libraries");
        var hits = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word });
        var document = await McpHostFixture.CallAsync(client, "get_document", new() { ["uid"] = myDocument });
        var outside = await McpHostFixture.CallRawAsync(client, "get_document", new() { ["uid"] = theirDocument });
        var missing = await McpHostFixture.CallRawAsync(client, "get_document", new() { ["uid"] = "no-such-doc" });
        var outsideLibrary = await McpHostFixture.CallRawAsync(client, "search", new() { ["query"] = word, ["library"] = theirs });
        var missingLibrary = await McpHostFixture.CallRawAsync(client, "search", new() { ["query"] = word, ["library"] = "no-such-lib" });

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
        Assert.EndsWith($"Document '{theirDocument}' not found.", McpHostFixture.Text(outside), StringComparison.Ordinal);
        Assert.Equal(McpHostFixture.Text(outside).Replace(theirDocument, "no-such-doc", StringComparison.Ordinal), McpHostFixture.Text(missing));
        Assert.True(outsideLibrary.IsError);
        Assert.EndsWith($"Library '{theirs}' not found.", McpHostFixture.Text(outsideLibrary), StringComparison.Ordinal);
        Assert.Equal(McpHostFixture.Text(outsideLibrary).Replace(theirs, "no-such-lib", StringComparison.Ordinal), McpHostFixture.Text(missingLibrary));
    }

    [Fact]
    public async Task Token_with_no_libraries_sees_nothing()
    {
        var word = "quasar" + Guid.NewGuid().ToString("N")[..6];
        var (_, document) = await fixture.AddLibraryWithDocumentAsync("ws-b", word);
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), []);
        await using var client = await fixture.ConnectAsync(token);

        Assert.Empty((await McpHostFixture.CallAsync(client, "list_libraries")).EnumerateArray());
        Assert.Empty((await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word })).EnumerateArray());
        Assert.True((await McpHostFixture.CallRawAsync(client, "get_document", new() { ["uid"] = document })).IsError);
    }

    [Fact]
    public async Task Search_ranks_title_matches_first_within_one_library_and_honours_the_limit()
    {
        var word = "nimbus" + Guid.NewGuid().ToString("N")[..6];
        var library = AuthApi.Unique("lib");
        await fixture.PutLibraryAsync(library, "ws-c");
        await fixture.PutDocumentAsync(library, library + "-body", "Weather log", $"Clouds today; one {word} over the hills.");
        await fixture.PutDocumentAsync(library, library + "-title", $"All about {word}", "A survey of cloud types.");
        await fixture.PutDocumentAsync(library, library + "-none", "Unrelated", "Nothing to see here.");
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);
        await using var client = await fixture.ConnectAsync(token);

        var all = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word, ["library"] = library });
        var one = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word, ["limit"] = 1 });

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
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        await using var client = await fixture.ConnectAsync(token);
        var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;

        var result = await McpHostFixture.CallRawAsync(client, tool, args);

        Assert.True(result.IsError);
        Assert.EndsWith(message, McpHostFixture.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Team_token_sees_its_workspaces_and_an_assignment_change_on_the_next_call()
    {
        var (first, second) = (AuthApi.Unique("ws"), AuthApi.Unique("ws"));
        var (firstLibrary, _) = await fixture.AddLibraryWithDocumentAsync(first, "alpha");
        var (secondLibrary, _) = await fixture.AddLibraryWithDocumentAsync(second, "beta");
        await fixture.Auth.CreateSigningKeyAsync();
        var team = await fixture.Auth.CreateTeamAsync(first);
        await using var client = await fixture.ConnectAsync(await fixture.Auth.MintTeamTokenAsync(team));

        var before = await McpHostFixture.CallAsync(client, "list_libraries");
        await fixture.Auth.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/workspaces", new { workspaces = new[] { second } });
        var after = await McpHostFixture.CallAsync(client, "list_libraries");

        Assert.Equal([firstLibrary], before.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
        Assert.Equal([secondLibrary], after.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
    }

    [Fact]
    public async Task Turn_jwt_from_the_admin_api_works_and_its_jti_replayed_after_expiry_is_refused()
    {
        var (library, _) = await fixture.AddLibraryWithDocumentAsync("ws-t", "gamma");
        var (kid, secret) = await fixture.Auth.CreateSigningKeyAsync();
        var minted = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "turn-1", libraries = new[] { library }, ttlSeconds = 60 });
        await using (var client = await fixture.ConnectAsync(minted.Body.GetProperty("token").GetString()))
        {
            var libraries = await McpHostFixture.CallAsync(client, "list_libraries");
            Assert.Equal([library], libraries.EnumerateArray().Select(l => l.GetProperty("uid").GetString()).ToArray());
        }

        var jti = Guid.NewGuid().ToString();
        var first = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow(), c => { c["jti"] = jti; c["libs"] = new[] { library }; }, 60);
        using var used = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), first);
        fixture.Time.Advance(TimeSpan.FromSeconds(60 + 30 + 1));
        var replayed = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow(), c => { c["jti"] = jti; c["libs"] = new[] { library }; }, 60);
        using var refused = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), replayed);

        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("replay", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
    }
}
