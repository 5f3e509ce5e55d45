using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Announcements;
using Npgsql;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Keeps every replica's <see cref="SigningKeyRing"/> in step through Postgres LISTEN/NOTIFY, so no replica polls.
/// Each replica holds one dedicated connection named <c>mnemosyne-keyring:&lt;replica&gt;</c> that listens for
/// changes, round-trips once a second (which confirms the ring's lease: a notification committed before that round
/// trip started has been received by the time it answers) and re-reads everything every
/// <see cref="AuthOptions.KeyRingSafetyPollSeconds"/>. A replica that changes keys or the service user calls
/// <see cref="AnnounceAsync"/>: it notifies, then waits until every replica listening at that moment has re-read and
/// acknowledged — or, for a replica that does not answer, until its lease has run out, after which it refuses JWTs.
/// Either way, when the admin call answers, no replica still accepts what was retired or deactivated. The waiting and
/// the acknowledgements are the shared ones (<see cref="Acknowledgements"/>, as over Redis); the generation a change
/// is announced under is the id of the transaction that notifies (<c>pg_current_xact_id()</c>), which Postgres hands
/// out in order, so an acknowledgement of a later one also answers an earlier one.
/// This background work is not traced: it would otherwise fill the trace view with a span a second per replica.
/// </summary>
public sealed partial class KeyRingSync(
    SigningKeyRing ring,
    IServiceScopeFactory scopes,
    StartupStep<AuthDbMigration> migration,
    IConfiguration configuration,
    IOptions<AuthOptions> options,
    ILogger<KeyRingSync> logger) : BackgroundService
{
    // Quoted where they are identifiers (LISTEN): a solution made from the template puts its own name here, dots and all.
    private const string ChangeChannel = "mnemosyne_key_ring";
    private const string AckChannel = "mnemosyne_key_ring_ack";
    private const string ApplicationNamePrefix = "mnemosyne-keyring:";
    // Six renewals a lease (as the Redis transport has four): a loaded machine that delays one or two keep-alives must
    // not lapse the key ring's trust and refuse every turn JWT for a moment (seen in bench -- chaos with 1 s).
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>Past this, a replica that has not acknowledged no longer trusts its copy (its lease has run out).</summary>
    private static readonly TimeSpan AckTimeout = SigningKeyRing.Lease + TimeSpan.FromMilliseconds(250);

    private readonly string _replica = Acknowledgement.NewReplicaId();
    private readonly Acknowledgements _acknowledgements = new(TimeProvider.System);
    private bool _failing;

    /// <summary>
    /// Tells every replica that keys or the service user changed (call after the change committed) and answers once
    /// each of them has re-read or can no longer trust its copy. This replica re-reads before announcing.
    /// </summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        await ring.RefreshAsync(cancellationToken);

        using var wait = _acknowledgements.Open();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var replicas = await db.Database.SqlQuery<string>(
                $"""
                SELECT DISTINCT substr(application_name, {ApplicationNamePrefix.Length + 1}) AS "Value" FROM pg_stat_activity
                WHERE datname = current_database() AND starts_with(application_name, {ApplicationNamePrefix})
                """)
            .ToListAsync(cancellationToken);
        // A transaction id is taken after the change committed: any change announced under a lower one committed before.
        var generation = (await db.Database.SqlQuery<long>(
                $"""
                SELECT pg_current_xact_id()::text::bigint AS "Value" FROM pg_notify({ChangeChannel}, pg_current_xact_id()::text)
                """)
            .ToListAsync(cancellationToken)).Single();

        var unacknowledged = await wait.UntilAcknowledgedAsync(
            generation, replicas.ToDictionary(r => r, _ => AckTimeout, StringComparer.Ordinal), cancellationToken);
        if (unacknowledged.Count > 0)
        {
            LogUnacknowledged(logger, string.Join(", ", unacknowledged));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migration.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogListenFailed(logger, exception);
                }

                await Task.Delay(ReconnectDelay, stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("authdb"))
        {
            ApplicationName = ApplicationNamePrefix + _replica,
            Pooling = false,
            Enlist = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        connection.Notification += (_, notification) => OnNotification(notification.Channel, notification.Payload);
        await Untraced.RunAsync(() => connection.OpenAsync(stoppingToken));
        await using (var listen = new NpgsqlCommand($"LISTEN \"{ChangeChannel}\"; LISTEN \"{AckChannel}\"", connection))
        {
            await Untraced.RunAsync(() => listen.ExecuteNonQueryAsync(stoppingToken));
        }

        // Listening before reading: a change committed after this read started is announced on this connection.
        var confirmedFrom = ring.Confirmation.BeginRenewal();
        await Untraced.RunAsync(() => ring.RefreshAsync(stoppingToken));
        ring.Confirmation.Renewed(confirmedFrom);
        if (_failing)
        {
            _failing = false;
            LogListenRecovered(logger);
        }

        await using var keepAlive = new NpgsqlCommand("SELECT 1", connection);
        var safetyPoll = TimeSpan.FromSeconds(options.Value.KeyRingSafetyPollSeconds);
        var lastPoll = Stopwatch.GetTimestamp();
        while (true)
        {
            await Untraced.RunAsync(() => connection.WaitAsync(KeepAliveInterval, stoppingToken));
            var started = ring.Confirmation.BeginRenewal();
            await Untraced.RunAsync(() => keepAlive.ExecuteScalarAsync(stoppingToken));
            ring.Confirmation.Renewed(started);
            if (Stopwatch.GetElapsedTime(lastPoll) >= safetyPoll)
            {
                lastPoll = Stopwatch.GetTimestamp();
                await Untraced.RunAsync(() => ring.RefreshAsync(stoppingToken));
            }
        }
    }

    private void OnNotification(string channel, string payload)
    {
        if (channel == ChangeChannel)
        {
            // Synchronously, before the round trip that delivered it counts as a confirmation.
            ring.MarkChanged();
            using (ExecutionContext.SuppressFlow())
            {
                // Not inside the listener's untraced round trip: the work below chooses what is traced and logged.
                _ = Task.Run(() => ApplyAndAcknowledgeAsync(payload));
            }
        }
        else if (channel == AckChannel && Acknowledgement.TryParse(payload, out var acknowledgement))
        {
            _acknowledgements.Record(acknowledgement.Value);
        }
    }

    /// <summary>Re-reads, then acknowledges the generation (a payload that is none, from another version, is not answered).</summary>
    private async Task ApplyAndAcknowledgeAsync(string payload)
    {
        try
        {
            await Untraced.RunAsync(async () =>
            {
                await ring.RefreshAsync(CancellationToken.None);
                if (long.TryParse(payload, NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
                    var acknowledgement = new Acknowledgement(generation, _replica).ToString();
                    await db.Database.ExecuteSqlAsync($"SELECT pg_notify({AckChannel}, {acknowledgement})");
                }
            });
        }
        catch (Exception exception)
        {
            // The ring stays behind, so JWT resolution here fails closed until a later read succeeds.
            LogApplyFailed(logger, exception);
        }
    }

    [LoggerMessage(LogLevel.Warning, "key_ring.listen_failed: JWTs are refused here once the lease runs out, until Postgres answers again")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "key_ring.listen_recovered")]
    private static partial void LogListenRecovered(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "key_ring.apply_failed: JWTs are refused here until signing keys can be read")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Warning, "key_ring.unacknowledged {Replicas}: answered after their lease ran out instead")]
    private static partial void LogUnacknowledged(ILogger logger, string replicas);
}
