namespace Mnemosyne.AuthService.Data;

/// <summary>Completes once migrations are applied and the service user exists; endpoints and caches wait on it.</summary>
public sealed class DatabaseReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public void MarkReady() => _ready.TrySetResult();
}
