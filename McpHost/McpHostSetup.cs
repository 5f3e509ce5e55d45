using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Libraries;
using Mnemosyne.McpHost.Options;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.McpHost.Tools;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.McpHost;

/// <summary>Everything McpHost registers and maps; Program.cs only calls these two.</summary>
public static partial class McpHostSetup
{
    public static WebApplicationBuilder AddMcpHost(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<McpAuthOptions>().BindConfiguration(McpAuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                // Also accept one comma-separated value: Mcp__AllowedOrigins=https://a.example,https://b.example
                if (configuration[$"{McpOptions.SectionName}:{nameof(McpOptions.AllowedOrigins)}"] is { Length: > 0 } list)
                {
                    options.AllowedOrigins = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                }
            });

        var mcp = builder.Configuration.GetSection(McpOptions.SectionName).Get<McpOptions>() ?? new McpOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = mcp.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        });

        builder.AddLibraryStore();

        var timeout = TimeSpan.FromMilliseconds(mcp.AuthTimeoutMilliseconds);
        // The service defaults' resilience (30 s total) would hold a tool call far too long; this client gets its own.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is the documented way to replace the default pipeline.
        services.AddHttpClient<AuthServiceClient>(http => http.BaseAddress = new Uri(mcp.AuthServiceUrl))
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            // Four Information lines per call about a request whose outcome the decision line already logs.
            .RemoveAllLoggers()
            .AddStandardResilienceHandler(resilience =>
            {
                // One retry inside a hard overall limit: a slow or absent auth-service means 503, quickly.
                resilience.TotalRequestTimeout.Timeout = timeout;
                resilience.AttemptTimeout.Timeout = timeout / 2;
                resilience.Retry.MaxRetryAttempts = 1;
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, 2 * timeout.TotalSeconds));
            });

        services.AddMcpTelemetry();
        services.AddHttpContextAccessor();
        services.AddMcpServer()
            .WithHttpTransport(transport => transport.Stateless = true)
            .WithTools<HealthTools>()
            .WithTools<LibraryTools>();

        services.AddApiErrors(mcp.MaxRequestBodyBytes);
        services.AddAdminApiDocs("Mnemosyne mcp-host library admin API", "admin/");
        return builder;
    }

    public static WebApplication MapMcpHost(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<McpAuthOptions>>().Value.RequireAuth)
        {
            LogAuthNotRequired(app.Logger);
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<OriginCheckMiddleware>();
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/mcp"),
            mcp => mcp.UseMiddleware<McpAuthMiddleware>());
        app.MapDefaultEndpoints();
        app.MapProtectedResourceMetadata();
        app.MapLibraryAdminApi();
        app.MapAdminApiDocs();
        app.MapMcp("/mcp");
        return app;
    }

    /// <summary>Neo4j when <c>ConnectionStrings:neo4j</c> is set, else Postgres <c>librarydb</c>; neither stops the service.</summary>
    private static void AddLibraryStore(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (builder.Configuration.HasNeo4j())
        {
            builder.AddNeo4jHttpClient();
            services.AddSingleton<ILibraryStore, Neo4jLibraryStore>();
        }
        else if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("librarydb")))
        {
            builder.AddNpgsqlDbContext<LibraryDbContext>("librarydb", settings =>
            {
                settings.DisableRetry = true;
                settings.ConnectionString = PostgresConnections.WithAutoPrepare(settings.ConnectionString);
            });
            services.AddScoped<ILibraryStore, PostgresLibraryStore>();
        }
        else
        {
            throw new InvalidOperationException(
                "No library store is configured: set ConnectionStrings__neo4j (Neo4j) or ConnectionStrings__librarydb " +
                "(Postgres), or run the stack with `dotnet run --project AppHost`.");
        }

        services.AddSingleton<LibraryStoreInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<LibraryStoreInitializer>());
        services.AddHealthChecks().AddCheck<LibraryStoreInitializer>("library-store");
    }

    [LoggerMessage(LogLevel.Warning, "mcp.auth.not_required: Auth:RequireAuth=false, tool calls without a valid token run seeing no library")]
    private static partial void LogAuthNotRequired(ILogger logger);
}
