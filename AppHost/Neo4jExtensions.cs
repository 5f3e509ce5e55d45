using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mnemosyne.AppHost;

/// <summary>
/// Neo4j for the library graph: the <c>neo4j:5.26</c> container (http 7474, bolt 7687, a data volume in run mode), or
/// a local <c>neo4j</c> (on PATH, or <c>AppHost:Neo4jCommand</c>) with its data under the AppHost's data folder.
/// Its password is a secret parameter. Without either, the AppHost says the library store is Postgres, unless
/// <see cref="LibraryStore.Neo4j"/> asks for Neo4j only; with <see cref="LibraryStore.Postgres"/> there is none.
/// </summary>
public static class Neo4jExtensions
{
    public const string Name = "neo4j";

    public static IResourceBuilder<IResourceWithConnectionString>? AddNeo4j(this IDistributedApplicationBuilder builder,
        LibraryStore libraryStore, Infrastructure infrastructure, string? dataRoot, IResourceBuilder<InfrastructureNoticeResource> notice)
    {
        if (libraryStore == LibraryStore.Postgres)
        {
            return null;
        }

        if (infrastructure == Infrastructure.Containers)
        {
            var containerPassword = Password(builder);
            var container = builder.AddResource(new Neo4jContainerResource(Name, containerPassword.Resource))
                .WithImage("neo4j", "5.26")
                .WithHttpEndpoint(targetPort: 7474, name: "http")
                .WithEndpoint(targetPort: 7687, name: "bolt", scheme: "tcp")
                .WithEnvironment(context => context.EnvironmentVariables["NEO4J_AUTH"] = ReferenceExpression.Create($"neo4j/{containerPassword.Resource}"))
                .WithHttpHealthCheck("/", endpointName: "http");
            if (builder.ExecutionContext.IsRunMode)
            {
                container.WithVolume("mnemosyne-neo4j-data", "/data");
            }

            notice.Resource.Notes.Add("Neo4j runs as the neo4j:5.26 container; it is the library store.");
            return container;
        }

        var command = builder.Configuration["AppHost:Neo4jCommand"] is { Length: > 0 } configured ? configured : LocalExecutables.OnPath(Name);
        if (command is null || !File.Exists(command))
        {
            if (libraryStore == LibraryStore.Neo4j)
            {
                throw new InvalidOperationException(
                    $"{LibraryStoreMode.SettingName} is neo4j, but Neo4j cannot run here: put neo4j on PATH (or set " +
                    "AppHost:Neo4jCommand), or start a container runtime and use --Infrastructure=containers.");
            }

            notice.Resource.Notes.Add("No neo4j on PATH: the library store is Postgres (librarydb).");
            return null;
        }

        notice.Resource.Notes.Add($"Neo4j runs from {command}; it is the library store.");
        return builder.AddLocalNeo4j(command, Path.Combine(dataRoot!, Name), Password(builder));
    }

    /// <summary>Points a service at Neo4j (which makes it the library store: the services prefer it), when there is one.</summary>
    public static IResourceBuilder<ProjectResource> WithLibraryGraph(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? neo4j) =>
        neo4j is null ? service : service.WithReference(neo4j).WaitFor(neo4j);

    private static IResourceBuilder<LocalNeo4jResource> AddLocalNeo4j(
        this IDistributedApplicationBuilder builder, string command, string home, IResourceBuilder<ParameterResource> password)
    {
        // neo4j reads its ports from neo4j.conf, so they are chosen here rather than by the orchestrator.
        var (httpPort, boltPort) = (FreePort(), FreePort());
        var conf = Path.Combine(home, "conf");
        Directory.CreateDirectory(conf);
        File.WriteAllLines(Path.Combine(conf, "neo4j.conf"),
        [
            "# Written by the Mnemosyne AppHost at each start.",
            "server.default_listen_address=127.0.0.1",
            $"server.http.listen_address=127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
            "server.https.enabled=false",
            $"server.bolt.listen_address=127.0.0.1:{boltPort.ToString(CultureInfo.InvariantCulture)}",
            $"server.directories.data={Path.Combine(home, "data")}",
            $"server.directories.logs={Path.Combine(home, "logs")}",
            $"server.directories.run={Path.Combine(home, "run")}",
            "dbms.security.auth_enabled=true",
        ]);

        var neo4j = builder.AddResource(new LocalNeo4jResource(Name, command, home, password.Resource))
            .WithArgs("console")
            .WithEnvironment("NEO4J_CONF", conf)
            .WithHttpEndpoint(targetPort: httpPort, name: "http", isProxied: false)
            .WithEndpoint(targetPort: boltPort, name: "bolt", scheme: "tcp", isProxied: false)
            .WithHttpHealthCheck("/", endpointName: "http");

        if (!Directory.Exists(Path.Combine(home, "data", "dbms")))
        {
            var admin = Path.Combine(Path.GetDirectoryName(command)!, "neo4j-admin");
            var init = builder.AddExecutable($"{Name}-init", admin, home, "dbms", "set-initial-password")
                .WithArgs(context => context.Args.Add(password.Resource))
                .WithEnvironment("NEO4J_CONF", conf);
            neo4j.WaitForCompletion(init);
        }

        return neo4j;
    }

    private static IResourceBuilder<ParameterResource> Password(IDistributedApplicationBuilder builder) =>
        builder.AddParameter("neo4j-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
