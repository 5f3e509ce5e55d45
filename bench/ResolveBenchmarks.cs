using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.Bench;

/// <summary>
/// Resolving one bearer of each kind inside AuthService, as <c>POST /v1/resolve</c> does after its filters: a DI
/// scope (the request's), then <see cref="TokenResolver"/> against the real Postgres and Redis.
/// </summary>
[Config(typeof(InProcessConfig))]
public class ResolveBenchmarks
{
    private BenchServices _services = null!;
    private IServiceScopeFactory _scopes = null!;

    [Params("opaque", "turn", "team", "oauth")]
    public string Kind { get; set; } = "";

    [GlobalSetup]
    public void Start()
    {
        _services = BenchServices.StartAsync().GetAwaiter().GetResult();
        _scopes = _services.AuthService.Services.GetRequiredService<IServiceScopeFactory>();
    }

    [GlobalCleanup]
    public void Stop() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> Resolve()
    {
        await using var scope = _scopes.CreateAsyncScope();
        var kept = await scope.ServiceProvider.GetRequiredService<TokenResolver>()
            .ResolveAsync(_services.Tokens[Kind], "search", CancellationToken.None);
        return kept.Resolution.Libraries.Count;
    }
}
