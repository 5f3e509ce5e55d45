using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Audit;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Libraries;
using Mnemosyne.McpHost.Options;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.McpHost.Tools;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;
//#if (LibraryStore != "postgres")
using Mnemosyne.ServiceDefaults.Neo4j;
//#endif
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.McpHost;

/// <summary>Everything McpHost registers and maps; Program.cs only calls these two.</summary>
public static partial class McpHostSetup
{
    public static WebApplicationBuilder AddMcpHost(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSharedKeys();
        services.AddOAuthOptions();
        services.AddOptions<McpAuthOptions>().BindConfiguration(McpAuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                // Also accept one comma-separated value: Mcp__AllowedOrigins=https://a.example,https://b.example
                if (configuration[$"{McpOptions.SectionName}:{nameof(McpOptions.AllowedOrigins)}"] is { Length: > 0 } origins)
                {
                    options.AllowedOrigins = origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                }

                if (configuration[$"{McpOptions.SectionName}:{nameof(McpOptions.AllowedHosts)}"] is { Length: > 0 } hosts)
                {
                    options.AllowedHosts = hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                }
            });
        services.AddRequestLimits<McpOptions>(mcp => mcp.MaxRequestBodyBytes);

        builder.AddLibraryStore();

        builder.AddDecisionCache();
        services.AddSingleton<AuditForwarder>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<AuditForwarder>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditForwarder>());

        services.AddMcpTelemetry();
        services.AddHttpContextAccessor();
        services.AddMcpServer()
            .WithHttpTransport(transport => transport.Stateless = true)
            .WithTools<HealthTools>()
            .WithTools<LibraryTools>()
            .WithRequestFilters(filters =>
            {
                filters.AddCallToolFilter(StoreOutageFilter.Apply);
                filters.AddListToolsFilter(ToolListCaching.Apply);
            });

        if (builder.Configuration.GetValue(AuthorizationServerOptions.SectionName + ":Enabled", true))
        {
            services.AddAuthorizationServerProxy();
        }

        services.AddApiErrors();
        services.AddAdminApiDocs("Mnemosyne mcp-host library admin API", "admin/");
        return builder;
    }

    public static WebApplication MapMcpHost(this WebApplication app) =>
        app.MapMcpHost(mcp => mcp.UseMiddleware<McpAuthMiddleware>());

    /// <summary>
    /// Maps McpHost with <paramref name="gate"/> in front of <c>/mcp</c>: the auth gate, or (for the benchmark's
    /// baseline) something that stands in for it, so the two can never differ in anything else.
    /// </summary>
    public static WebApplication MapMcpHost(this WebApplication app, Action<IApplicationBuilder> gate)
    {
        if (!app.Services.GetRequiredService<IOptions<McpAuthOptions>>().Value.RequireAuth)
        {
            LogAuthNotRequired(app.Logger);
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<DnsRebindingMiddleware>();
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/mcp"), gate);
        app.MapDefaultEndpoints();
        app.MapProtectedResourceMetadata();
        app.MapAuthorizationServerProxy();
        app.MapLibraryAdminApi();
        app.MapAdminApiDocs();
        app.MapMcp("/mcp");
        return app;
    }

    /// <summary>
    /// Decisions go through <see cref="DecisionCache"/>; with <c>ConnectionStrings:redis</c> it caches them and hears
    /// of revoking changes (and announces the library admin API's own), without Redis every call asks auth-service.
    /// </summary>
    private static void AddDecisionCache(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AuthServiceClient>();
        services.AddSingleton<CachedUsage>();
        services.AddHostedService(sp => sp.GetRequiredService<CachedUsage>());
        services.AddSingleton<DecisionCache>();
        services.AddAuthFailureCounter();
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("redis")))
        {
            // Untraced: Redis here is the invalidation heartbeat (twice a second) and budget leases; the Redis
            // instrumentation would put a span in the trace view for every heartbeat.
            builder.AddRedisClient("redis", settings =>
            {
                settings.DisableHealthChecks = true;
                settings.DisableTracing = true;
            }, RedisConnections.FailFast);
            services.AddInvalidationListener();
            services.AddInvalidationAnnouncer();
            services.AddSingleton<PrincipalBudgets>();
        }
    }

    /// <summary>Neo4j when <c>ConnectionStrings:neo4j</c> is set, else Postgres <c>librarydb</c>; neither stops the service.</summary>
    private static void AddLibraryStore(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
//#if (LibraryStore != "postgres")
        if (builder.Configuration.HasNeo4j())
        {
            builder.AddNeo4jHttpClient();
            services.AddSingleton<ILibraryStore, Neo4jLibraryStore>();
        }
        else
//#endif
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("librarydb")))
        {
            builder.AddNpgsqlDbContext<LibraryDbContext>("librarydb", settings =>
            {
                settings.DisableRetry = true;
                settings.ConnectionString = PostgresConnections.WithDefaults(settings.ConnectionString);
            });
            services.AddScoped<ILibraryStore, PostgresLibraryStore>();
        }
        else
        {
            throw new InvalidOperationException(
                "No library store is configured: set " +
//#if (LibraryStore != "postgres")
                "ConnectionStrings__neo4j (Neo4j) or " +
//#endif
                "ConnectionStrings__librarydb (Postgres), or run the stack with `dotnet run --project AppHost`.");
        }

        services.AddStartupStep<LibraryStoreSchema>("library-store");
    }

    [LoggerMessage(LogLevel.Warning, "mcp.auth.not_required: Auth:RequireAuth=false, tool calls without a valid token run seeing no library")]
    private static partial void LogAuthNotRequired(ILogger logger);
}
