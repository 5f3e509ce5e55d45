using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Mnemosyne.AppHost;

/// <summary>
/// Postgres from local binaries: <c>initdb</c> once into a data folder (a visible init step the server waits for),
/// then <c>postgres</c> on a loopback port, as the <c>postgres</c> user when the AppHost runs as root. Ready when a
/// connection succeeds; its databases are created then and only then report Running.
/// </summary>
public static class LocalPostgresExtensions
{
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string dataRoot)
    {
        var bin = FindBinDirectory(builder);
        var dataDirectory = Path.Combine(dataRoot, name);
        Directory.CreateDirectory(dataDirectory);
        LocalExecutables.EnsureReachable(dataRoot, dataDirectory, "postgres");
        LocalExecutables.GiveTo(dataDirectory, "postgres");

        var password = builder.AddParameter($"{name}-password",
            new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        var (command, prefix) = LocalExecutables.AsUser(Path.Combine(bin, "postgres"), "postgres");
        var server = builder.AddResource(new LocalPostgresResource(name, command, dataDirectory, password.Resource))
            .WithEndpoint(targetPort: null, scheme: "tcp", name: LocalPostgresResource.EndpointName)
            .WithArgs(context =>
            {
                foreach (var argument in prefix)
                {
                    context.Args.Add(argument);
                }

                var endpoint = ((LocalPostgresResource)context.Resource).Endpoint;
                context.Args.Add("-D");
                context.Args.Add(dataDirectory);
                context.Args.Add("-p");
                context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-c");
                context.Args.Add("listen_addresses=127.0.0.1");
                context.Args.Add("-c");
                context.Args.Add("unix_socket_directories=");
            });

        var passwordFile = Path.Combine(dataRoot, $".{name}-initdb-password");
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            server.WaitForCompletion(AddInit(builder, name, bin, dataDirectory, passwordFile, password.Resource));
        }

        // initdb reads the password from a file that must not outlive it.
        File.Delete(passwordFile);
        builder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, (_, _) =>
        {
            File.Delete(passwordFile);
            return Task.CompletedTask;
        });

        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck,
            _ => new ConnectHealthCheck(server.Resource), HealthStatus.Unhealthy, tags: null));
        return server.WithHealthCheck(healthCheck);
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresResource> server, string name)
    {
        var database = server.ApplicationBuilder.AddResource(new LocalPostgresDatabaseResource(name, server.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", name)],
            });

        // A child of an executable does not follow its parent's state: create the database once the server is ready,
        // then say so, or everything that waits for it would wait for ever.
        server.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (@event, cancellationToken) =>
        {
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await using (var connection = new NpgsqlConnection(await server.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken)))
            {
                await connection.OpenAsync(cancellationToken);
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
                {
                    Parameters = { new NpgsqlParameter { Value = name } },
                };
                if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await notifications.PublishUpdateAsync(database.Resource,
                state => state with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
        });
        return database;
    }

    private static IResourceBuilder<ExecutableResource> AddInit(IDistributedApplicationBuilder builder, string name, string bin,
        string dataDirectory, string passwordFile, ParameterResource password)
    {
        var (command, prefix) = LocalExecutables.AsUser(Path.Combine(bin, "initdb"), "postgres");
        var init = builder.AddExecutable($"{name}-init", command, Path.GetDirectoryName(dataDirectory)!,
            [.. prefix, "-D", dataDirectory, "-U", "postgres", "-E", "UTF8", "--auth-local=trust",
                "--auth-host=scram-sha-256", $"--pwfile={passwordFile}"]);

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(init.Resource, async (_, cancellationToken) =>
        {
            await File.WriteAllTextAsync(passwordFile, await password.GetValueAsync(cancellationToken), cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            LocalExecutables.GiveTo(passwordFile, "postgres");
        });
        return init;
    }

    private static string FindBinDirectory(IDistributedApplicationBuilder builder)
    {
        const string install = "Install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql)";
        if (builder.Configuration["AppHost:PostgresBin"] is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "initdb")) && File.Exists(Path.Combine(configured, "postgres"))
                ? configured
                : throw new InvalidOperationException(
                    $"AppHost:PostgresBin is '{configured}', which holds no initdb and postgres. {install} or fix the setting.");
        }

        return LocalExecutables.PostgresBin() ?? throw new InvalidOperationException(
            $"Local infrastructure needs the PostgreSQL server binaries (initdb, postgres) and none were found. {install}, " +
            "set AppHost:PostgresBin to their folder, or start a container runtime and use --Infrastructure=containers.");
    }

    /// <summary>Ready when a connection to the server succeeds.</summary>
    private sealed class ConnectHealthCheck(LocalPostgresResource server) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = new NpgsqlConnection(await server.ConnectionStringExpression.GetValueAsync(cancellationToken));
                await connection.OpenAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Postgres is not accepting connections yet.", exception);
            }
        }
    }
}
