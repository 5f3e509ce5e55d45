using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// The in-memory copy of every signing key and of the service user's state, so resolving a JWT needs no Postgres
/// round trip. Each instance re-reads the (small) table every <see cref="AuthOptions.KeyRefreshMilliseconds"/>;
/// a snapshot older than <see cref="MaxAge"/> is refused (fail closed), so a retired key or a disabled service
/// user stops working on every instance within one second even when Postgres is unreachable.
/// </summary>
public sealed partial class SigningKeyRing(
    IServiceScopeFactory scopes,
    StartupStep<AuthDbMigration> migration,
    SecretProtector protector,
    IOptions<AuthOptions> options,
    ILogger<SigningKeyRing> logger) : BackgroundService
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private volatile Snapshot? _snapshot;
    private bool _failing;

    public sealed record Key(string Kid, byte[]? Secret, bool Retired);

    private sealed record Snapshot(IReadOnlyDictionary<string, Key> Keys, bool ServiceUserActive, long LoadedAt);

    /// <summary>The key named by <paramref name="kid"/>, or null when there is none. Throws when the copy is stale.</summary>
    public Key? Find(string kid) => Current().Keys.GetValueOrDefault(kid);

    public bool ServiceUserActive => Current().ServiceUserActive;

    /// <summary>True while the copy is recent enough to be trusted.</summary>
    public bool IsFresh => _snapshot is { } snapshot && Stopwatch.GetElapsedTime(snapshot.LoadedAt) <= MaxAge;

    /// <summary>Re-reads keys now (after this instance changed them, so it never waits for the next tick).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var started = Stopwatch.GetTimestamp();
        var rows = await db.SigningKeys.AsNoTracking()
            .Select(k => new { k.Kid, k.EncryptedSecret, Retired = k.RetiredAt != null })
            .ToListAsync(cancellationToken);
        var serviceUserActive = await db.Users.AsNoTracking()
            .AnyAsync(u => u.Username == options.Value.ServiceUsername && u.Active, cancellationToken);

        var previous = _snapshot?.Keys;
        var keys = new Dictionary<string, Key>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            // A kid's secret never changes, so only keys new to this instance are decrypted (and reported).
            byte[]? secret;
            if (previous is not null && previous.TryGetValue(row.Kid, out var known))
            {
                secret = known.Secret;
            }
            else if ((secret = protector.Unprotect(row.Kid, row.EncryptedSecret)) is null)
            {
                LogUndecryptable(logger, row.Kid);
            }

            keys[row.Kid] = new Key(row.Kid, secret, row.Retired);
        }

        Publish(new Snapshot(keys, serviceUserActive, started));
    }

    /// <summary>
    /// Keeps the snapshot whose read started last: a periodic refresh that read the table before a change must not
    /// overwrite the on-demand refresh made after it.
    /// </summary>
    private void Publish(Snapshot fresh)
    {
        var current = _snapshot;
        while (current is null || current.LoadedAt < fresh.LoadedAt)
        {
            var seen = Interlocked.CompareExchange(ref _snapshot, fresh, current);
            if (ReferenceEquals(seen, current))
            {
                return;
            }

            current = seen;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migration.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.KeyRefreshMilliseconds));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (_failing)
                {
                    _failing = false;
                    LogRecovered(logger);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogRefreshFailed(logger, exception);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot is null || Stopwatch.GetElapsedTime(snapshot.LoadedAt) > MaxAge)
        {
            throw new DependencyUnavailableException("Postgres (authdb) is unavailable: signing keys cannot be refreshed.");
        }

        return snapshot;
    }

    [LoggerMessage(LogLevel.Error, "signing_keys.undecryptable {Kid}: encrypted with another Auth:EncryptionKey; tokens signed with it are refused")]
    private static partial void LogUndecryptable(ILogger logger, string kid);

    [LoggerMessage(LogLevel.Warning, "signing_keys.refresh_failed: JWTs are refused until Postgres answers again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "signing_keys.refresh_recovered")]
    private static partial void LogRecovered(ILogger logger);
}
