using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Mnemosyne.AuthService;

namespace Mnemosyne.Testing;

/// <summary>
/// A real service (the same setup its Program.cs runs) on Kestrel at a random loopback port, with its clock and
/// configuration supplied by the test and every log line collected. The clock replaces the host's whole
/// <see cref="TimeProvider"/>, Polly's timeouts and delays included.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestHost(WebApplication app, Uri address, FakeLogCollector logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>Every line logged, at every level (see <see cref="LogLines.Lines"/>).</summary>
    public FakeLogCollector Logs { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts AuthService.</summary>
    /// <param name="environment">The host environment (Production unless a test needs Development-only behaviour).</param>
    /// <param name="services">
    /// What a test adds to AuthService's own registrations, after them: only what the test's outside parts need, such as
    /// trusting the certificate of a server the test started.
    /// </param>
    public static Task<TestHost> StartAuthServiceAsync(
        IDictionary<string, string?> configuration, TimeProvider time, bool waitUntilHealthy = true, string? environment = null,
        Action<IServiceCollection>? services = null) =>
        StartAsync(typeof(AuthServiceSetup).Assembly.GetName().Name!, configuration, time,
            builder =>
            {
                builder.AddAuthService();
                services?.Invoke(builder.Services);
            },
            app => app.MapAuthService(), waitUntilHealthy, environment: environment);

    public static async Task<TestHost> StartAsync(
        string applicationName,
        IDictionary<string, string?> configuration,
        TimeProvider time,
        Action<WebApplicationBuilder> addService,
        Action<WebApplication> mapService,
        bool waitUntilHealthy = true,
        int port = 0,
        string? environment = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = applicationName,
            EnvironmentName = environment ?? Environments.Production,
        });
        // Mnemosyne's own authorization server needs mcp-host's origin as its issuer: off unless a test turns it on.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:AuthorizationServer:Enabled"] = "false" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFilter("Mnemosyne", LogLevel.Trace); // over appsettings.json: our Debug lines are checked for secrets too
        builder.Services.Replace(ServiceDescriptor.Singleton(time));

        builder.AddServiceDefaults();
        addService(builder);
        var app = builder.Build();
        var logs = app.Services.GetFakeLogCollector();
        mapService(app);
        try
        {
            await app.StartAsync();
        }
        catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await app.DisposeAsync();
            throw new StoppedDuringStartException(logs);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var host = new TestHost(app, new Uri(app.Urls.Single()), logs);
        if (waitUntilHealthy)
        {
            await host.WaitUntilHealthyAsync();
        }

        return host;
    }

    /// <summary>
    /// Starts a service that is expected to stop by itself (a start-up check refusing to go on) and returns its log
    /// once it has begun to stop — whether that happened while it was still starting or after it had started.
    /// </summary>
    public static async Task<FakeLogCollector> RunUntilItStopsAsync(Func<Task<TestHost>> start, TimeSpan timeout)
    {
        try
        {
            await using var host = await start();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = host._app.Lifetime.ApplicationStopping.Register(() => done.TrySetResult());
            await done.Task.WaitAsync(timeout);
            return host.Logs;
        }
        catch (StoppedDuringStartException stopped)
        {
            return stopped.Logs;
        }
    }

    /// <summary>A client that sends <c>Authorization: Bearer</c> with <paramref name="token"/>.</summary>
    public HttpClient ClientWithBearer(string token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Stops the service (to test an outage); dispose still cleans up.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task WaitUntilHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await Http.GetAsync(new Uri("/health", UriKind.Relative));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var warnings = Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).TakeLast(10)
                    .Select(r => $"{r.Level} {r.Category}: {r.Message} {r.Exception?.GetType().Name} {r.Exception?.Message}");
                throw new TimeoutException($"{Address} did not become healthy: {await response.Content.ReadAsStringAsync()}\n" +
                    string.Join('\n', warnings));
            }

            await Task.Delay(100);
        }
    }
}
