using System.Diagnostics;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Announcements;
using Npgsql;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// The acknowledgement protocol over its Postgres transport (LISTEN/NOTIFY, replicas named in pg_stat_activity), on
/// this class's own authdb: a change is acknowledged by every listening replica, and a replica that is
/// listed but never answers is waited for until its lease has surely ended. The protocol itself, on a fake clock:
/// ServiceDefaults.Tests' <c>AcknowledgementWaitTests</c>; that revocation reaches every host: <see cref="MultiInstanceTests"/>.
/// </summary>
public sealed class KeyRingSyncTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    /// <summary>The ring's lease (3 s): an unanswered change waits at least this long.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_change_is_acknowledged_by_every_listening_replica_so_none_is_waited_for()
    {
        var second = await fixture.StartHostAsync();
        var onSecond = fixture.Api(second);

        var (kid, secret) = await onSecond.CreateSigningKeyAsync(); // announced by the second, heard by both hosts
        await onSecond.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{kid}/retire");

        Assert.DoesNotContain(second.Logs.Lines(), l => l.Contains("key_ring.unacknowledged", StringComparison.Ordinal));
        Assert.Equal("retired_key", (await fixture.Api().ResolveAsync(TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow()))).Reason);
    }

    [Fact]
    public async Task A_replica_that_is_listed_but_never_acknowledges_is_waited_for_until_its_lease_has_ended()
    {
        var api = fixture.Api();
        await api.CreateSigningKeyAsync();
        var silent = Acknowledgement.NewReplicaId();
        await using (var listed = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(
                         fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase))
                     {
                         ApplicationName = "mnemosyne-keyring:" + silent,
                         Pooling = false,
                     }.ConnectionString))
        {
            await listed.OpenAsync(TestContext.Current.CancellationToken);

            var started = Stopwatch.GetTimestamp();
            await api.CreateSigningKeyAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);

            Assert.True(elapsed >= Lease, $"creating a key took only {elapsed} though a listed replica never acknowledged");
            Assert.Contains(fixture.Host.Logs.Lines(), l => l.Contains("key_ring.unacknowledged", StringComparison.Ordinal)
                                                          && l.Contains(silent, StringComparison.Ordinal));
        }

        // Gone from pg_stat_activity (a closed connection's backend leaves it a moment later), it is no longer waited for.
        await WaitUntilUnlistedAsync(silent);
        var mentioned = fixture.Host.Logs.Lines().Count(l => l.Contains(silent, StringComparison.Ordinal));
        await api.CreateSigningKeyAsync();
        Assert.Equal(mentioned, fixture.Host.Logs.Lines().Count(l => l.Contains(silent, StringComparison.Ordinal)));
    }

    private async Task WaitUntilUnlistedAsync(string replica)
    {
        await using var authdb = NpgsqlDataSource.Create(fixture.Servers.Postgres.ConnectionString(fixture.AuthDatabase));
        for (var attempt = 0; ; attempt++)
        {
            await using var command = authdb.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = "mnemosyne-keyring:" + replica });
            var listed = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            if (listed == 0)
            {
                return;
            }

            Assert.True(attempt < 100, "the closed connection stayed in pg_stat_activity");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
