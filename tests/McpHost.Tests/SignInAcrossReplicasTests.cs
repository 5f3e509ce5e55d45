using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Mnemosyne.McpHost.Tests.Infrastructure;
using Npgsql;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The sign-in and consent pages behind a load balancer: every form is posted to another auth-service replica than
/// the one that served the page, and the sign-in cookie one replica set is read by the other. Both need the Data
/// Protection keys every replica shares in authdb, sealed there: on one machine the framework's default (a folder in
/// the user's home) would also be shared, so the test also reads authdb; in containers that folder is per replica.
/// </summary>
public sealed class SignInAcrossReplicasTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    [Fact]
    public async Task A_sign_in_whose_pages_and_forms_reach_different_replicas_completes()
    {
        var settings = fixture.Settings();
        settings["Auth:AuthorizationServer:Enabled"] = "true";
        settings["Auth:AuthorizationServer:Issuer"] = fixture.Issuer;
        await using var replica = await TestHost.StartAuthServiceAsync(settings, fixture.Time, environment: Environments.Development);
        var clientId = await new OAuthFlow(fixture.Issuer).RegisterAsync();
        using var browser = new SignInDriver(AuthApi.Unique("user")) { FormOrigin = replica.Address };
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = OAuthFlow.Redirect.ToString(),
            ["scope"] = "mnemosyne.read", ["resource"] = fixture.Resource, ["state"] = "st",
            ["code_challenge"] = OAuthFlow.Pkce().Challenge, ["code_challenge_method"] = "S256",
        };

        var landing = await browser.AuthorizeAsync(new Uri(fixture.AuthService.Address, "oauth/authorize" + QueryString.Create(parameters)),
            OAuthFlow.Redirect, TestContext.Current.CancellationToken);

        Assert.NotNull(OAuthFlow.Query(landing, "code"));
        Assert.Equal(1, browser.ConsentPages);
        var keys = await StoredKeysAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<sealedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    private async Task<List<string>> StoredKeysAsync()
    {
        await using var authdb = NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        await using var command = authdb.CreateCommand("""SELECT "Xml" FROM "DataProtectionKeys" """);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }
}
