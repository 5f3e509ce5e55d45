using Microsoft.Extensions.DependencyInjection.Extensions;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Endpoints;
using Mnemosyne.AuthService.Libraries;
using Mnemosyne.AuthService.Options;
using Mnemosyne.AuthService.Tokens;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Neo4j;
using StackExchange.Redis;

namespace Mnemosyne.AuthService;

/// <summary>Everything AuthService registers and maps; Program.cs only calls these two.</summary>
public static class AuthServiceSetup
{
    public static WebApplicationBuilder AddAuthService(this WebApplicationBuilder builder)
    {
        RequireConnectionString(builder.Configuration, "authdb", "Postgres database for tokens, keys, teams and users");
        RequireConnectionString(builder.Configuration, "redis", "Redis for the jti replay cache");

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Limits.RequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = Limits.RequestHeadersBytes;
        });

        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddNpgsqlDbContext<AuthDbContext>("authdb", settings =>
        {
            settings.DisableRetry = true;
            settings.ConnectionString = PostgresConnections.WithAutoPrepare(settings.ConnectionString);
        });
        builder.AddLibraryDirectory();
        builder.AddRedisClient("redis", settings => settings.DisableHealthChecks = true, redis =>
        {
            // Answer at once when Redis is down (turn JWTs then fail closed with 503) instead of queueing.
            redis.AbortOnConnectFail = false;
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            redis.ConnectTimeout = 2000;
            redis.AsyncTimeout = 1000;
            redis.SyncTimeout = 1000;
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AuthTelemetry>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<DatabaseReadiness>();
        services.AddHostedService<DatabaseMigrator>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<KeyRingSync>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRingSync>());
        services.AddSingleton<TokenUsageRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenUsageRecorder>());
        services.AddSingleton<JtiReplayCache>();
        services.AddSingleton<JwtValidator>();
        services.AddScoped<OpaqueTokenResolver>();
        services.AddScoped<JwtResolver>();
        services.AddScoped<TokenResolver>();
        services.AddScoped<JwtMinter>();

        services.AddHealthChecks()
            .AddCheck<DatabaseReadinessHealthCheck>("authdb-migrations")
            .AddCheck<SigningKeyRingHealthCheck>("signing-keys")
            .AddCheck<RedisHealthCheck>("redis")
            .AddCheck<LibraryStoreHealthCheck>("library-store");

        services.AddApiErrors(Limits.RequestBodyBytes);
        services.AddAdminApiDocs("Mnemosyne auth-service admin API", "admin/");
        services.AddExceptionHandler<DependencyExceptionHandler>();
        return builder;
    }

    public static WebApplication MapAuthService(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDefaultEndpoints();
        app.MapResolveApi();
        app.MapAdminApi();
        app.MapAdminApiDocs();
        return app;
    }

    /// <summary>
    /// Where team tokens find their libraries: Neo4j when <c>ConnectionStrings:neo4j</c> is set, else Postgres
    /// <c>librarydb</c>; neither stops the service, saying so.
    /// </summary>
    private static void AddLibraryDirectory(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.HasNeo4j())
        {
            builder.AddNeo4jHttpClient();
            builder.Services.AddSingleton<ILibraryDirectory, Neo4jLibraryDirectory>();
            builder.Services.AddHostedService<LibraryStoreCredentialsCheck>();
            return;
        }

        RequireConnectionString(builder.Configuration, "librarydb",
            "library store that team tokens resolve their libraries from (or set ConnectionStrings__neo4j for Neo4j)");
        builder.AddKeyedNpgsqlDataSource("librarydb", settings =>
        {
            settings.DisableHealthChecks = true;
            settings.ConnectionString = PostgresConnections.WithAutoPrepare(settings.ConnectionString);
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
