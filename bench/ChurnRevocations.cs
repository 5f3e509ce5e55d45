namespace Mnemosyne.Bench;

/// <summary>
/// The churn mode's revocations: one revoking admin change on a principal the load does not use
/// (<see cref="BenchServices.RevokeUnusedAsync"/>) at <see cref="Start"/> and every <c>interval</c> after, until
/// disposed, which rethrows what failed. (A churn slice is shorter than two seconds: the first change is made at once,
/// so that every slice has at least one a second.) Counts them (<see cref="Made"/>), so a run shows how many it
/// measured under.
/// </summary>
public sealed class ChurnRevocations : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Every revoking change made by every churn phase so far.</summary>
    public static int Made => _made;

    private static int _made;

    public static ChurnRevocations Start(BenchServices services, TimeSpan interval)
    {
        var revocations = new ChurnRevocations();
        revocations._loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            do
            {
                await services.RevokeUnusedAsync();
                Interlocked.Increment(ref _made);
            }
            while (await WaitAsync(timer, revocations._stop.Token));
        });
        return revocations;
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
