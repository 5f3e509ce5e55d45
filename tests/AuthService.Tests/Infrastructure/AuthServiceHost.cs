using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>
/// A real AuthService (the same setup Program.cs runs) on Kestrel at a random loopback port, with its clock and
/// configuration supplied by the test.
/// </summary>
public sealed class AuthServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AuthServiceHost(WebApplication app, Uri address, CapturedLogs logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public CapturedLogs Logs { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AuthServiceHost> StartAsync(
        IDictionary<string, string?> configuration, TimeProvider time, bool waitUntilHealthy = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AuthServiceSetup).Assembly.GetName().Name,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Replace(ServiceDescriptor.Singleton(time));

        builder.AddServiceDefaults();
        builder.AddAuthService();
        var app = builder.Build();
        app.MapAuthService();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var host = new AuthServiceHost(app, new Uri(app.Urls.Single()), logs);
        if (waitUntilHealthy)
        {
            await host.WaitUntilHealthyAsync();
        }

        return host;
    }

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient AdminClient(string adminKey)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
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
                throw new TimeoutException($"AuthService at {Address} did not become healthy: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(100);
        }
    }
}
