using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Tests;

public sealed class OpaqueTokenTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    [Fact]
    public async Task Opaque_token_resolves_to_its_user_libraries_and_tools()
    {
        var user = await _api.CreateUserAsync();
        var expiresAt = fixture.Time.GetUtcNow().AddDays(1);
        var (_, token) = await _api.CreateTokenAsync(user, ["lib-1", "lib-2", "lib-1"], ["search"], expiresAt);

        var reply = await _api.ResolveAsync(token, "search");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("opaque", reply.Body.GetProperty("kind").GetString());
        Assert.Equal(user, reply.Body.GetProperty("user").GetString());
        Assert.Equal(["lib-1", "lib-2"], AuthApi.Strings(reply.Body.GetProperty("libraries")));
        Assert.Equal(["search"], AuthApi.Strings(reply.Body.GetProperty("tools")));
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), reply.Body.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        var principal = reply.Body.GetProperty("principal").GetString()!;
        Assert.Equal("mcptoken:" + token[..12] + "…", principal);
    }

    [Fact]
    public async Task Token_without_tool_list_may_call_any_tool_and_empty_library_list_means_nothing()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, []);

        var reply = await _api.ResolveAsync(token, "get_document");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Empty(reply.Body.GetProperty("libraries").EnumerateArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reply.Body.GetProperty("tools").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reply.Body.GetProperty("expiresAt").ValueKind);
    }

    [Fact]
    public async Task Tool_outside_the_allow_list_is_forbidden()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib"], ["search"]);

        var reply = await _api.ResolveAsync(token, "get_document");

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("tool_not_allowed", reply.Reason);
        Assert.Equal("Token does not have permission to call 'get_document'.", reply.Title);
        Assert.Equal("application/problem+json", reply.ContentType);
    }

    [Theory]
    [InlineData("mnm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("ab.cd.ef")]
    [InlineData("mnm_")]
    public async Task Unknown_or_garbage_bearer_is_an_invalid_token(string bearer)
    {
        var reply = await _api.ResolveAsync(bearer);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("invalid_token", reply.Reason);
        Assert.Equal("Invalid MCP token.", reply.Title);
    }

    [Fact]
    public async Task Oversized_bearer_is_refused_without_a_lookup_and_oversized_headers_get_431()
    {
        var reply = await _api.ResolveAsync(new string('x', 5000));
        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("invalid_token", reply.Reason);

        var huge = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", new { },
            ("X-Internal-Key", fixture.InternalKey), ("Authorization", "Bearer " + new string('x', 20_000)));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, huge.Status);
    }

    [Fact]
    public async Task Deactivated_token_is_refused()
    {
        var user = await _api.CreateUserAsync();
        var (id, token) = await _api.CreateTokenAsync(user, ["lib"]);

        var deactivate = await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        var reply = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.NoContent, deactivate.Status);
        Assert.Equal("deactivated", reply.Reason);
        Assert.Equal("Token has been deactivated.", reply.Title);
    }

    [Fact]
    public async Task Token_past_its_expiry_is_refused()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib"], expiresAt: fixture.Time.GetUtcNow().AddMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(token)).Status);

        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        var reply = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("expired", reply.Reason);
        Assert.Equal("Token has expired.", reply.Title);
    }

    [Fact]
    public async Task Token_of_a_deactivated_user_is_refused_until_the_user_is_activated()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib"]);

        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{user}/deactivate");
        var refused = await _api.ResolveAsync(token);
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{user}/activate");
        var accepted = await _api.ResolveAsync(token);

        Assert.Equal("user_disabled", refused.Reason);
        Assert.Equal("User account is disabled.", refused.Title);
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    public async Task Request_without_a_bearer_needs_authentication(string? authorization)
    {
        var headers = new List<(string, string)> { ("X-Internal-Key", fixture.InternalKey) };
        if (authorization is not null)
        {
            headers.Add(("Authorization", authorization));
        }

        var reply = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", new { }, [.. headers]);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("missing_token", reply.Reason);
        Assert.Equal("Authentication required. Provide a Bearer token.", reply.Title);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-internal-key-wrong-internal-key")]
    public async Task Resolve_needs_the_internal_key(string? internalKey)
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib"]);
        var headers = new List<(string, string)> { ("Authorization", "Bearer " + token) };
        if (internalKey is not null)
        {
            headers.Add(("X-Internal-Key", internalKey));
        }

        var reply = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", new { }, [.. headers]);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("internal_key", reply.Reason);
    }

    [Fact]
    public async Task Resolve_accepts_an_empty_body_and_refuses_a_bad_tool_field()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib"]);
        var auth = ("Authorization", "Bearer " + token);
        var key = ("X-Internal-Key", fixture.InternalKey);

        var empty = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", null, auth, key);
        var wrongType = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", """{"tool": 5}""", auth, key);
        var tooLong = await _api.SendAsync(HttpMethod.Post, "/v1/resolve", new { tool = new string('t', 200) }, auth, key);

        Assert.Equal(HttpStatusCode.OK, empty.Status);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
        Assert.Contains("'tool'", wrongType.Title, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Contains("'tool'", tooLong.Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_is_counted_in_memory_shown_at_once_and_written_in_one_flush()
    {
        // A host of its own whose timed flush cannot come between the calls and the first read (the real clock ticks it).
        var host = await fixture.StartHostAsync(settings => settings["Auth:UsageFlushSeconds"] = "300");
        var api = fixture.Api(host);
        var user = await api.CreateUserAsync();
        var (id, token) = await api.CreateTokenAsync(user, ["lib"]);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.ResolveAsync(token)).Status);
        }

        var before = await TokenRowAsync(id);
        var listed = (await api.AdminAsync(HttpMethod.Get, $"/admin/v1/tokens?username={user}")).Body[0];
        await host.Services.GetRequiredService<TokenUsageRecorder>().FlushAsync(CancellationToken.None);
        var after = await TokenRowAsync(id);

        Assert.Equal((0L, false), before);
        Assert.Equal(3, listed.GetProperty("useCount").GetInt64());
        Assert.Equal(fixture.Time.GetUtcNow().ToUnixTimeSeconds(), listed.GetProperty("lastUsedAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal((3L, true), after);
    }

    private async Task<(long UseCount, bool HasLastUsed)> TokenRowAsync(string id)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        await using var command = db.CreateCommand("""SELECT "UseCount", "LastUsedAt" IS NOT NULL FROM "OpaqueTokens" WHERE "Id" = $1""");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Guid.Parse(id) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }
}
