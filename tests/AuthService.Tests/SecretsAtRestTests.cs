using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Npgsql;

namespace Mnemosyne.AuthService.Tests;

/// <summary>No token plaintext, signing secret or shared key in any table row or log line.</summary>
public sealed class SecretsAtRestTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    [Fact]
    public async Task Tokens_and_secrets_appear_in_no_row_and_no_log_line()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var user = await _api.CreateUserAsync();
        var (tokenId, opaque) = await _api.CreateTokenAsync(user, ["lib"], ["search"]);
        var team = await _api.MintTeamTokenAsync(await _api.CreateTeamAsync("ws"));
        var turn = (await _api.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "s", libraries = new[] { "lib" } })).Body.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(opaque, "search")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ResolveAsync(opaque, "get_document")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(team)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(turn)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ResolveAsync(opaque[..^2] + "xx")).Status);
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{tokenId}/deactivate");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ResolveAsync(opaque)).Status);

        string[] secrets =
        [
            opaque, opaque[12..], opaque[..^2] + "xx", team, team.Split('.')[2], turn, turn.Split('.')[2],
            Convert.ToHexStringLower(secret), Convert.ToHexString(secret), Convert.ToBase64String(secret),
            fixture.AdminKey, fixture.InternalKey,
        ];
        var rows = await AllRowsAsync();
        var logs = fixture.Host.Logs.Lines().ToList();

        Assert.Contains(rows, row => row.Contains(kid, StringComparison.Ordinal)); // the dump really holds the tables
        Assert.Contains(logs, line => line.Contains("auth.resolved", StringComparison.Ordinal)); // and the logs really were captured
        foreach (var value in secrets)
        {
            Assert.DoesNotContain(rows, row => row.Contains(value, StringComparison.Ordinal));
            Assert.DoesNotContain(logs, line => line.Contains(value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Signing_secrets_are_encrypted_so_a_host_with_another_encryption_key_cannot_use_them()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var token = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow());
        var otherHost = await fixture.StartHostAsync(c => c["Auth:EncryptionKey"] = new string('e', 40));
        var other = _api.On(otherHost);

        var here = await _api.ResolveAsync(token);
        var there = await other.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.OK, here.Status);
        Assert.Equal("invalid_token", there.Reason);
        Assert.Contains(otherHost.Logs.Lines(), line => line.Contains("signing_keys.undecryptable", StringComparison.Ordinal));
    }

    private async Task<List<string>> AllRowsAsync()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        var rows = new List<string>();
        foreach (var table in new[] { "Users", "OpaqueTokens", "SigningKeys", "Teams", "TeamWorkspaces" })
        {
            // bytea columns render as hex in row_to_json, so a raw secret stored as bytes would show up too.
            await using var command = db.CreateCommand($"SELECT row_to_json(t)::text FROM \"{table}\" t");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
        }

        return rows;
    }
}
