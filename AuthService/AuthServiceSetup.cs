using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Endpoints;
using Mnemosyne.AuthService.Libraries;
using Mnemosyne.AuthService.Options;
using Mnemosyne.AuthService.Tokens;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;
//#if (LibraryStore != "postgres")
using Mnemosyne.ServiceDefaults.Neo4j;
//#endif

namespace Mnemosyne.AuthService;

/// <summary>Everything AuthService registers and maps; Program.cs only calls these two.</summary>
public static class AuthServiceSetup
{
    public static WebApplicationBuilder AddAuthService(this WebApplicationBuilder builder)
    {
        RequireConnectionString(builder.Configuration, "authdb", "Postgres database for tokens, keys, teams and users");
        RequireConnectionString(builder.Configuration, "redis", "Redis for the jti replay cache");

        var services = builder.Services;
        services.AddRequestLimits(Limits.RequestBodyBytes);
        services.AddSharedKeys();
        services.AddOAuthOptions();
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddNpgsqlDbContext<AuthDbContext>("authdb", settings =>
        {
            settings.DisableRetry = true;
            settings.ConnectionString = PostgresConnections.WithDefaults(settings.ConnectionString);
        });
        builder.AddLibraryDirectory();
        // Untraced, as in mcp-host: auth-service now holds an invalidation lease too, and the Redis instrumentation would
        // put a span in the trace view for every heartbeat (twice a second; it traces what it profiled on a timer of its
        // own, which suppressing instrumentation around the call does not reach). The decision's span says what it did.
        builder.AddRedisClient("redis", settings =>
        {
            settings.DisableHealthChecks = true;
            settings.DisableTracing = true;
        }, RedisConnections.FailFast);
        services.AddInvalidationAnnouncer();
        services.AddInvalidationListener();
        services.AddSingleton<WorkspaceLibraries>();
        services.AddSingleton<TeamScopes>();
        services.AddSingleton<ResolutionCache>();
        services.AddSingleton<PrincipalBudgets>();
        services.AddSingleton<AuditLogRecords>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<AuditTrail>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditTrail>());
        services.AddSingleton<AuditCursor>();
        services.AddSingleton<AuditRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddAuthTelemetry();
        services.AddSingleton<SecretProtector>();
        services.AddStartupStep<AuthDbMigration>("authdb-migrations");
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<KeyRingSync>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRingSync>());
        services.AddSingleton<TokenUsageRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenUsageRecorder>());
        services.AddSingleton<JtiReplayCache>();
        services.AddSingleton<JwtValidator>();
        services.AddScoped<OpaqueTokenResolver>();
        services.AddScoped<JwtResolver>();
        services.AddOAuthValidation();
        services.AddScoped<IssuedTokenStatus>();
        services.AddScoped<TokenResolver>();
        services.AddScoped<JwtMinter>();

        services.AddHealthChecks()
            .AddCheck<SigningKeyRingHealthCheck>("signing-keys")
            .AddCheck<RedisHealthCheck>("redis")
            .AddCheck<LibraryStoreHealthCheck>("library-store");

        if (builder.Configuration.GetValue(AuthorizationServerOptions.SectionName + ":Enabled", true))
        {
            services.AddAuthorizationServer(builder.Configuration);
        }

        services.AddApiErrors();
        services.AddAdminApiDocs("Mnemosyne auth-service admin API", "admin/");
        return builder;
    }

    public static WebApplication MapAuthService(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (app.Services.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.Enabled)
        {
            app.UseAuthorizationServer();
        }

        app.MapDefaultEndpoints();
        app.MapInternalApi();
        app.MapAdminApi();
        app.MapAdminApiDocs();
        return app;
    }

    /// <summary>
    /// OAuth access tokens (CONTRACT §6). The metadata client has no resilience pipeline: the configuration manager
    /// already caches and throttles, and a provider that does not answer within 10 s is 503, not a slow retry loop.
    /// </summary>
    private static void AddOAuthValidation(this IServiceCollection services)
    {
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental
        services.AddHttpClient(OAuthIssuers.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton<OAuthIssuers>();
        services.AddSingleton<OAuthValidator>();
        services.AddScoped<OAuthResolver>();
    }

    /// <summary>
    /// Where team tokens find their libraries: Neo4j when <c>ConnectionStrings:neo4j</c> is set, else Postgres
    /// <c>librarydb</c>; neither stops the service, saying so.
    /// </summary>
    private static void AddLibraryDirectory(this WebApplicationBuilder builder)
    {
//#if (LibraryStore != "postgres")
        if (builder.Configuration.HasNeo4j())
        {
            builder.AddNeo4jHttpClient();
            builder.Services.AddSingleton<ILibraryDirectory, Neo4jLibraryDirectory>();
            builder.Services.AddStartupStep<LibraryStoreCredentialsCheck>("library-store-credentials");
            return;
        }

//#endif
        RequireConnectionString(builder.Configuration, "librarydb",
            "library store that team tokens resolve their libraries from (or set ConnectionStrings__neo4j for Neo4j)");
        builder.AddKeyedNpgsqlDataSource("librarydb", settings =>
        {
            settings.DisableHealthChecks = true;
            settings.ConnectionString = PostgresConnections.WithDefaults(settings.ConnectionString);
        });
        builder.Services.AddSingleton<ILibraryDirectory, PostgresLibraryDirectory>();
    }

    private static void RequireConnectionString(IConfiguration configuration, string name, string purpose)
    {
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(name)))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set: AuthService needs it for the {purpose}. " +
                $"Set ConnectionStrings__{name} or run the stack with `dotnet run --project AppHost`.");
        }
    }
}
