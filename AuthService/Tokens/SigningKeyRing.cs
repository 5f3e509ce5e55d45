using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Announcements;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// The in-memory copy of every signing key and of the service user's state, so resolving a JWT needs no Postgres
/// round trip. <see cref="KeyRingSync"/> keeps it current: it re-reads on every change notification and confirms,
/// at least every second, that its notification channel still reaches Postgres. The copy is trusted only while the
/// last confirmation started less than <see cref="Lease"/> ago (its <see cref="Confirmation"/> lease; fail closed: JWTs are then refused with
/// <c>unavailable</c>); JWT resolution first waits for any announced change to be read (<see cref="CatchUpAsync"/>).
/// </summary>
public sealed partial class SigningKeyRing(
    IServiceScopeFactory scopes,
    SecretProtector protector,
    IOptions<AuthOptions> options,
    ILogger<SigningKeyRing> logger) : IDisposable
{
    /// <summary>How long one confirmation that the notification channel works keeps the copy trusted.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _unknownKidReads = new(1, 1);
    private volatile Snapshot? _snapshot;
    private long _announced;
    private long _applied;
    private TaskCompletionSource _caughtUp = NewSignal();

    public sealed record Key(string Kid, byte[]? Secret, bool Retired);

    private sealed record Snapshot(IReadOnlyDictionary<string, Key> Keys, bool ServiceUserActive, long LoadedAt);

    /// <summary>The key named by <paramref name="kid"/>, or null when there is none. Throws when the copy is not trusted.</summary>
    public Key? Find(string kid) => Current().Keys.GetValueOrDefault(kid);

    public bool ServiceUserActive => Current().ServiceUserActive;

    /// <summary>True while the copy can be trusted: loaded, and its notification channel confirmed within the lease.</summary>
    public bool IsTrusted => _snapshot is not null && Confirmation.IsHeld;

    /// <summary>Renewed by each round trip on the notification channel (<see cref="KeyRingSync"/>).</summary>
    public ReplicaLease Confirmation { get; } = new(Lease, TimeProvider.System);

    private bool IsBehind => Interlocked.Read(ref _applied) < Interlocked.Read(ref _announced);

    /// <summary>
    /// Another replica changed keys or the service user: until a read that starts after this call has been
    /// published, lookups wait for it (<see cref="CatchUpAsync"/>) instead of answering from the old copy.
    /// </summary>
    public void MarkChanged() => Interlocked.Increment(ref _announced);

    /// <summary>Waits (briefly) for a change this replica was told about to be read; fails closed when it is not.</summary>
    public async ValueTask CatchUpAsync(CancellationToken cancellationToken)
    {
        while (IsBehind)
        {
            var signal = Volatile.Read(ref _caughtUp).Task;
            if (!IsBehind)
            {
                return;
            }

            try
            {
                await signal.WaitAsync(CatchUpTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new DependencyUnavailableException("Postgres (authdb) is unavailable: a signing-key change cannot be read.");
            }
        }
    }

    /// <summary>
    /// A JWT named a kid this copy does not know: re-read once before refusing (CONTRACT §2). One read at a time;
    /// a caller whose question was already answered by a read that started after it arrived does not read again.
    /// </summary>
    public async Task<Key?> FindAfterRereadAsync(string kid, CancellationToken cancellationToken)
    {
        var arrivedAt = Stopwatch.GetTimestamp();
        await _unknownKidReads.WaitAsync(cancellationToken);
        try
        {
            if (_snapshot is not { } snapshot || snapshot.LoadedAt < arrivedAt)
            {
                await RefreshAsync(cancellationToken);
            }
        }
        finally
        {
            _unknownKidReads.Release();
        }

        return Find(kid);
    }

    /// <summary>Re-reads keys and the service user now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var covers = Interlocked.Read(ref _announced);
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
        MarkApplied(covers);
    }

    /// <summary>
    /// Keeps the snapshot whose read started last: a refresh that read the table before a change must not
    /// overwrite one made after it.
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

    private void MarkApplied(long covers)
    {
        AtomicMax.Raise(ref _applied, covers);
        Interlocked.Exchange(ref _caughtUp, NewSignal()).TrySetResult();
    }

    private Snapshot Current()
    {
        var snapshot = _snapshot;
        if (snapshot is null || !Confirmation.IsHeld)
        {
            throw new DependencyUnavailableException("Postgres (authdb) is unavailable: signing keys cannot be confirmed current.");
        }

        return snapshot;
    }

    public void Dispose() => _unknownKidReads.Dispose();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(LogLevel.Error, "signing_keys.undecryptable {Kid}: encrypted with another Auth:EncryptionKey; tokens signed with it are refused")]
    private static partial void LogUndecryptable(ILogger logger, string kid);
}
