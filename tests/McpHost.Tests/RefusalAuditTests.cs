using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;
using StackExchange.Redis;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// CONTRACT §8: a refused <c>tools/call</c> names the principal and kind whenever the credential was identified —
/// whether auth-service refused it or mcp-host did on a cached decision — and the <c>principal=</c> filter finds it;
/// a credential no one can be identified by (missing, unknown, a signature that is not ours) names no one.
/// </summary>
public sealed class RefusalAuditTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });
    private static readonly string Search = McpHostFixture.ToolCall("search", new { query = "x" });

    [Fact]
    public async Task Opaque_token_refusals_name_its_masked_principal()
    {
        var user = await fixture.Auth.CreateUserAsync();
        var (_, limitedTools) = await fixture.Auth.CreateTokenAsync(user, ["lib-r"], ["list_libraries"]);
        var (deactivatedId, deactivated) = await fixture.Auth.CreateTokenAsync(user, ["lib-r"]);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{deactivatedId}/deactivate")).Status);

        await ExpectAsync(HttpStatusCode.Forbidden, Search, limitedTools);
        await ExpectAsync(HttpStatusCode.Unauthorized, ListLibraries, deactivated);
        await fixture.FlushAuditAsync();

        Assert.Equal([("refused", "tool_not_allowed", "opaque", "search")], await DecisionsOfAsync(Masked(limitedTools)));
        Assert.Equal([("refused", "deactivated", "opaque", "list_libraries")], await DecisionsOfAsync(Masked(deactivated)));
    }

    [Fact]
    public async Task A_rate_limit_on_a_cached_decision_names_the_cached_principal()
    {
        var created = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = await fixture.Auth.CreateUserAsync(), name = "limited", libraries = new[] { "lib-r" }, rateLimitPerMinute = 1 });
        var token = created.Body.GetProperty("token").GetString()!;
        await AwayFromAMinuteBoundaryAsync();

        await ExpectAsync(HttpStatusCode.OK, ListLibraries, token);              // a miss: auth-service decides, mcp-host caches
        await ExpectAsync(HttpStatusCode.TooManyRequests, ListLibraries, token); // a hit: mcp-host refuses on the cached decision
        await fixture.FlushAuditAsync();

        Assert.Equal([("refused", "rate_limited", "opaque", "list_libraries"), ("allowed", null, "opaque", "list_libraries")],
            await DecisionsOfAsync(Masked(token)));
    }

    [Fact]
    public async Task Turn_jwt_refusals_name_its_subject_when_the_signature_is_ours_and_no_one_otherwise()
    {
        var (kid, secret) = await fixture.Auth.CreateSigningKeyAsync();
        var now = fixture.Time.GetUtcNow();
        var expiredSubject = AuthApi.Unique("expired");
        var expired = TestJwt.Turn(kid, secret, now.AddMinutes(-10), c => c["sub"] = expiredSubject);
        var forgedSubject = AuthApi.Unique("forged");
        var forged = TestJwt.Turn(kid, new byte[32], now, c => c["sub"] = forgedSubject);
        var retiredSubject = AuthApi.Unique("retired");
        var (oldKid, oldSecret) = await fixture.Auth.CreateSigningKeyAsync();
        var onRetiredKey = TestJwt.Turn(oldKid, oldSecret, now, c => c["sub"] = retiredSubject);
        var forgedOnRetired = TestJwt.Turn(oldKid, new byte[32], now, c => c["sub"] = forgedSubject);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{oldKid}/retire")).Status);

        await ExpectAsync(HttpStatusCode.Unauthorized, ListLibraries, expired);
        await ExpectAsync(HttpStatusCode.Unauthorized, ListLibraries, onRetiredKey);
        await ExpectAsync(HttpStatusCode.Unauthorized, ListLibraries, forged);
        await ExpectAsync(HttpStatusCode.Unauthorized, ListLibraries, forgedOnRetired);
        await fixture.FlushAuditAsync();

        Assert.Equal([("refused", "expired", "turn", "list_libraries")], await DecisionsOfAsync("jwt:" + expiredSubject));
        Assert.Equal([("refused", "retired_key", "turn", "list_libraries")], await DecisionsOfAsync("jwt:" + retiredSubject));
        Assert.Empty(await DecisionsOfAsync("jwt:" + forgedSubject)); // a signature that is not ours names no one
    }

    [Fact]
    public async Task Missing_and_unknown_credentials_name_no_one()
    {
        var tool = AuthApi.Unique("tool");
        var call = McpHostFixture.ToolCall(tool, new { });
        await ExpectAsync(HttpStatusCode.Unauthorized, call, null);
        await ExpectAsync(HttpStatusCode.Unauthorized, call, "mnm_" + new string('u', 43));
        await fixture.FlushAuditAsync();

        var items = await ItemsAsync($"tool={tool}");
        Assert.Equal(["invalid_token", "missing_token"], items.Select(i => i.GetProperty("reason").GetString()));
        Assert.All(items, i => Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (i.GetProperty("principal").ValueKind, i.GetProperty("kind").ValueKind)));
    }

    private static string Masked(string token) => "mcptoken:" + token[..12] + "…";

    private async Task<List<(string?, string?, string?, string?)>> DecisionsOfAsync(string principal) =>
        [.. (await ItemsAsync("principal=" + Uri.EscapeDataString(principal))).Select(i => (
            i.GetProperty("outcome").GetString(), i.GetProperty("reason").GetString(), i.GetProperty("kind").GetString(), i.GetProperty("tool").GetString()))];

    private async Task<List<JsonElement>> ItemsAsync(string query)
    {
        var reply = await fixture.Auth.AdminAsync(HttpMethod.Get, "/admin/v1/audit?" + query);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return [.. reply.Body.GetProperty("items").EnumerateArray()];
    }

    private async Task ExpectAsync(HttpStatusCode status, string body, string? token)
    {
        using var response = await fixture.PostMcpAsync(body, token);
        Assert.Equal(status, response.StatusCode);
    }

    /// <summary>Budgets are per clock minute (Redis's clock): two calls must not straddle a boundary.</summary>
    private async Task AwayFromAMinuteBoundaryAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);
        var now = await redis.GetServers()[0].TimeAsync();
        if (now.Second > 50)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - now.Second), TestContext.Current.CancellationToken);
        }
    }
}
