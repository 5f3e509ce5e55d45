using System.Net;
using Npgsql;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// Postgres stopped under a running auth-service (its own server, so no other test notices): every call that needs
/// authdb answers 503 <c>unavailable</c>, never 500, and service resumes when Postgres is back, without a restart.
/// The fault harness (<c>bench -- chaos</c>) found the 500: EF Core wraps a transient Npgsql error in an
/// <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class PostgresOutageTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Stopped_postgres_answers_503_unavailable_and_service_resumes_when_it_is_back()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("authdb");
        var api = fixture.Api(await fixture.StartHostAsync(c => c["ConnectionStrings:authdb"] = postgres.ConnectionString("authdb")));
        var (_, token) = await api.CreateTokenAsync(await api.CreateUserAsync(), ["lib"]);

        await postgres.StopAsync();
        var resolve = await api.ResolveAsync(token, "search");
        var listing = await api.AdminAsync(HttpMethod.Get, "/admin/v1/tokens");
        await postgres.StartAgainAsync();
        var afterwards = await api.ResolveAsync(token, "search");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (resolve.Status, resolve.Reason));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (listing.Status, listing.Reason));
        Assert.Equal(HttpStatusCode.OK, afterwards.Status);
    }

    /// <summary>
    /// Npgsql does not check a pooled connection when it hands it out, so one a restart broke fails the first call that
    /// takes it, however late. Idle connections are pinged (<c>Keepalive</c>, added by <c>PostgresConnections</c>), so
    /// the broken ones have left the pool by the time Postgres is back. The fault harness found this once the caches
    /// left the library store's connections idle: team and OAuth misses answered 503 seven seconds after Postgres
    /// returned. Here librarydb is on a server of the test's own, which nothing else touches during the outage.
    /// </summary>
    [Fact]
    public async Task The_first_call_after_postgres_restarts_does_not_take_a_connection_the_restart_broke()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await postgres.CreateDatabaseAsync("librarydb");
        await using (var librarydb = NpgsqlDataSource.Create(postgres.ConnectionString("librarydb")))
        {
            await using var command = librarydb.CreateCommand(
                "CREATE TABLE libraries (uid text PRIMARY KEY, name text NOT NULL, workspace_id text NOT NULL); " +
                "INSERT INTO libraries VALUES ('lib', 'lib', 'ws')");
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var api = fixture.Api(await fixture.StartHostAsync(c =>
        {
            c["ConnectionStrings:librarydb"] = postgres.ConnectionString("librarydb");
            c["Auth:ScopeCacheSeconds"] = "0"; // every resolution of the team token reads librarydb
        }));
        await api.CreateSigningKeyAsync();
        var token = await api.MintTeamTokenAsync(await api.CreateTeamAsync("ws"));
        Assert.Equal(HttpStatusCode.OK, (await api.ResolveAsync(token)).Status);

        await postgres.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await postgres.StartAgainAsync();
        var first = await api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.OK, first.Status);
    }
}
