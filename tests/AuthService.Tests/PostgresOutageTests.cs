using System.Net;
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
}
