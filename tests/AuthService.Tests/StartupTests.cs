using System.Net;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class StartupTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Theory]
    [InlineData("Auth:AdminKey", null, "Auth:AdminKey is required")]
    [InlineData("Auth:AdminKey", "too-short", "Auth:AdminKey must be at least 32 characters.")]
    [InlineData("Auth:InternalKey", null, "Auth:InternalKey is required")]
    [InlineData("Auth:TeamIssuer", "daedalus", "Auth:TurnIssuer and Auth:TeamIssuer must differ")]
    public async Task A_wrong_auth_setting_stops_the_service_saying_which(string key, string? value, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(
            () => fixture.StartHostAsync(c => c[key] = value));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://idp.example/", "api", "must be an absolute https URL (http only for a loopback host)")]
    [InlineData("not a url", "api", "Auth:OAuth:Issuers:0:Issuer must be an absolute https URL")]
    [InlineData("https://idp.example/", null, "Auth:OAuth:Issuers:0:Audiences needs at least one accepted audience")]
    public async Task A_wrong_identity_provider_setting_stops_the_service_saying_which(string issuer, string? audience, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => fixture.StartHostAsync(c =>
        {
            c["Auth:OAuth:Issuers:0:Issuer"] = issuer;
            c["Auth:OAuth:Issuers:0:Audiences:0"] = audience;
        }));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://idp.example/", "mnemosyne", "Auth:AuthorizationServer:Upstream:0:Issuer must be an absolute https URL (http only for a loopback host")]
    [InlineData("https://idp.example/?tenant=1", "mnemosyne", "Auth:AuthorizationServer:Upstream:0:Issuer must be an absolute https URL")]
    [InlineData("https://idp.example/", null, "Auth:AuthorizationServer:Upstream:0:ClientId is required")]
    [InlineData("http://127.0.0.1:5999/", "mnemosyne", "Auth:AuthorizationServer:Upstream:0:Issuer is this authorization server itself")]
    public async Task A_wrong_upstream_sign_in_setting_stops_the_service_saying_which(string issuer, string? clientId, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => fixture.StartHostAsync(c =>
        {
            c["Auth:AuthorizationServer:Enabled"] = "true";
            c["Auth:AuthorizationServer:Issuer"] = "http://127.0.0.1:5999";
            c["Auth:AuthorizationServer:Upstream:0:Issuer"] = issuer;
            c["Auth:AuthorizationServer:Upstream:0:ClientId"] = clientId;
        }));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authdb")]
    [InlineData("redis")]
    [InlineData("librarydb")]
    public async Task A_missing_connection_string_stops_the_service_naming_it(string name)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => fixture.StartHostAsync(c => c["ConnectionStrings:" + name] = null));

        Assert.Contains($"ConnectionStrings:{name} is not set", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Until_migrations_are_applied_health_and_every_api_answer_503()
    {
        var unreachable = $"Host=127.0.0.1;Port={ExternalProcess.FreePort()};Username=postgres;Database=authdb;Timeout=2";
        await using var host = await TestHost.StartAuthServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:authdb"] = unreachable,
            ["ConnectionStrings:librarydb"] = unreachable,
            ["ConnectionStrings:redis"] = fixture.Servers.Redis.ConnectionString,
            ["Auth:AdminKey"] = fixture.AdminKey,
            ["Auth:InternalKey"] = fixture.InternalKey,
        }, fixture.Time, waitUntilHealthy: false);
        var api = fixture.Api(host);

        var health = await api.SendAsync(HttpMethod.Get, "/health", null);
        var resolve = await api.ResolveAsync("mnm_whatever");
        var admin = await api.AdminAsync(HttpMethod.Get, "/admin/v1/tokens");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (resolve.Status, resolve.Reason));
        Assert.Equal("Database migrations are still being applied.", resolve.Title);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, admin.Status);
    }

//#if (LibraryStore != "postgres")
    [Fact]
    public async Task Neo4j_refusing_the_credentials_stops_the_service_saying_so()
    {
        await using var neo4j = await RefusingNeo4j.StartAsync();
        var logs = await TestHost.RunUntilItStopsAsync(() => TestHost.StartAuthServiceAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:authdb"] = fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase),
            ["ConnectionStrings:neo4j"] = neo4j.ConnectionString,
            ["ConnectionStrings:redis"] = fixture.Servers.Redis.ConnectionString,
            ["Auth:AdminKey"] = fixture.AdminKey,
            ["Auth:InternalKey"] = fixture.InternalKey,
        }, fixture.Time, waitUntilHealthy: false), TimeSpan.FromSeconds(20));

        Assert.Contains(logs.Lines(), l => l.StartsWith("Critical", StringComparison.Ordinal)
            && l.Contains("startup.unrecoverable", StringComparison.Ordinal)
            && l.Contains("refused the credentials of user 'neo4j'", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines(), l => l.Contains("wrong-password", StringComparison.Ordinal));
    }
//#endif

    [Fact]
    public async Task The_service_user_exists_after_the_first_start()
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        await using var command = db.CreateCommand("""SELECT "Active" FROM "Users" WHERE "Username" = 'daedalus-service'""");

        Assert.Equal(true, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
