using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// The operator's commands on the dashboard, run through the AppHost's command service (what the dashboard calls):
/// each answers success with what it did, or a clear failure, and a token they mint works through mcp-host.
/// </summary>
public sealed partial class OperatorCommandTests(StackApp stack)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

//#if (SampleLibrary)
    [Fact]
    public async Task The_sample_library_and_a_minted_token_let_a_new_user_search_at_once()
    {
        var loaded = await RunAsync("mcp-host", "load-sample-library");
        var username = "op-" + Guid.NewGuid().ToString("N")[..8];
        var minted = await RunAsync("auth-service", "mint-token",
            ("username", username), ("libraries", "sample"), ("tools", "search"), ("name", "from-dashboard"));

        Assert.True(loaded.Success, loaded.Message);
        Assert.Contains("'sample' loaded with 4 documents", loaded.Message, StringComparison.Ordinal);
        Assert.True(minted.Success, minted.Message);
        Assert.True(minted.Data?.DisplayImmediately);
        var token = TokenPattern().Match(minted.Data!.Value).Value;
        Assert.DoesNotContain(token, minted.Message ?? "", StringComparison.Ordinal);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(stack.App.GetEndpoint("mcp-host", "http"), "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }), cancellationToken: Cancel);
        var result = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "revocation" }, cancellationToken: Cancel);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("\"document\":\"revocation\"", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }
//#endif

    [Fact]
    public async Task Keys_are_created_and_retired_and_refusals_say_what_went_wrong()
    {
        var created = await RunAsync("auth-service", "create-signing-key");
        var kid = Regex.Match(created.Message ?? "", "k-[0-9a-f]+").Value;
        var retired = await RunAsync("auth-service", "retire-signing-key", ("kid", kid));
        var unknown = await RunAsync("auth-service", "retire-signing-key", ("kid", "k-nothing"));
        var badToken = await RunAsync("auth-service", "deactivate-token", ("id", "not-a-token-id"));

        Assert.True(created.Success, created.Message);
        Assert.Matches("^[0-9a-f]{64}$", Regex.Match(created.Data!.Value, "[0-9a-f]{64}").Value);
        Assert.True(retired.Success, retired.Message);
        Assert.Equal($"Signing key {kid} retired: JWTs signed with it are refused everywhere.", retired.Message);
        Assert.False(unknown.Success);
        Assert.Equal("404: Signing key 'k-nothing' does not exist.", unknown.Message);
        Assert.False(badToken.Success);
        Assert.StartsWith("404:", badToken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latest_refusals_opens_the_newest_refused_calls_naming_who_was_refused()
    {
        var username = "refused-" + Guid.NewGuid().ToString("N")[..8];
        var minted = await RunAsync("auth-service", "mint-token", ("username", username), ("libraries", "sample"), ("tools", "search"));
        var token = TokenPattern().Match(minted.Data!.Value).Value;
        var principal = "mcptoken:" + token[..12] + "…";

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await stack.CallToolAsync(token, "list_libraries", Cancel));
        var mine = await LatestRefusalsAsync(principal);
        var everyone = await RunAsync("auth-service", "latest-refusals");
        var nobody = await RunAsync("auth-service", "latest-refusals", ("principal", "mcptoken:mnm_nobody…"));

        Assert.True(mine.Data?.DisplayImmediately);
        Assert.Contains($"| {principal} | opaque | list_libraries | tool_not_allowed |", mine.Data!.Value, StringComparison.Ordinal);
        Assert.Equal("1 refused tool call of " + principal + ".", mine.Message);
        Assert.Contains(principal, everyone.Data!.Value, StringComparison.Ordinal);
        Assert.Equal("No refused tool calls of mcptoken:mnm_nobody….", nobody.Message);
        Assert.DoesNotContain(token, mine.Data.Value + everyone.Data.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OAuth_clients_are_listed_and_blocked_and_a_users_sign_ins_revoked_from_the_dashboard()
    {
        using var http = new HttpClient { BaseAddress = stack.App.GetEndpoint("mcp-host", "http") };
        using var registered = await http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { "http://127.0.0.1/callback" }, client_name = "Dashboard | test client",
        }, Cancel);
        var clientId = (await registered.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("client_id").GetString()!;

        var before = await RunAsync("auth-service", "oauth-clients");
        var blocked = await RunAsync("auth-service", "block-oauth-client", ("clientId", clientId));
        var after = await RunAsync("auth-service", "oauth-clients");
        var unknown = await RunAsync("auth-service", "block-oauth-client", ("clientId", "dcr_nothing"));
        var revoked = await RunAsync("auth-service", "revoke-sign-ins", ("username", "nobody-signed-in"));

        Assert.True(before.Success, before.Message);
        Assert.Contains($"| {clientId} | Dashboard \\| test client | dcr | no |", before.Data!.Value, StringComparison.Ordinal);
        Assert.Equal($"OAuth client {clientId} blocked: its tokens are refused everywhere.", blocked.Message);
        Assert.Contains($"| {clientId} | Dashboard \\| test client | dcr | yes |", after.Data!.Value, StringComparison.Ordinal);
        Assert.False(unknown.Success);
        Assert.Equal("404: No OAuth client 'dcr_nothing'.", unknown.Message);
        Assert.True(revoked.Success, revoked.Message);
        Assert.Equal("'nobody-signed-in' has no OAuth grants.", revoked.Message);
    }

    /// <summary>The command, again until the refusal is there: audit entries reach authdb about two seconds later.</summary>
    private async Task<ExecuteCommandResult> LatestRefusalsAsync(string principal)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await RunAsync("auth-service", "latest-refusals", ("principal", principal));
            Assert.True(result.Success, result.Message);
            if (result.Data?.Value.Contains("tool_not_allowed", StringComparison.Ordinal) == true || attempt == 30)
            {
                return result;
            }

            await Task.Delay(500, Cancel);
        }
    }

    private Task<ExecuteCommandResult> RunAsync(string resource, string command, params (string Name, string Value)[] arguments)
    {
        var commands = stack.App.Services.GetRequiredService<ResourceCommandService>();
        var inputs = new InteractionInputCollection(
            [.. arguments.Select(a => new InteractionInput { Name = a.Name, InputType = InputType.Text, Value = a.Value })]);
        return commands.ExecuteCommandAsync(resource, command, inputs, Cancel).WaitAsync(TimeSpan.FromSeconds(60), Cancel);
    }

    [GeneratedRegex("mnm_[A-Za-z0-9_-]{20,}")]
    private static partial Regex TokenPattern();
}
