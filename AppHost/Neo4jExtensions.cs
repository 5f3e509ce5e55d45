namespace Mnemosyne.AppHost;

/// <summary>
/// Neo4j for the library graph: the <c>neo4j:5.26</c> container (http 7474, bolt 7687, password from a secret
/// parameter, a data volume in run mode). Without containers and without a local <c>neo4j</c> the library store is
/// Postgres (<c>librarydb</c>), and the AppHost says so.
/// </summary>
public static class Neo4jExtensions
{
    public const string Name = "neo4j";

    public static void AddNeo4j(this IDistributedApplicationBuilder builder, Infrastructure infrastructure, IResourceBuilder<InfrastructureNoticeResource> notice)
    {
        if (infrastructure == Infrastructure.Containers)
        {
            var password = builder.AddParameter("neo4j-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
            var neo4j = builder.AddContainer(Name, "neo4j", "5.26")
                .WithHttpEndpoint(targetPort: 7474, name: "http")
                .WithEndpoint(targetPort: 7687, name: "bolt", scheme: "tcp")
                .WithEnvironment(context => context.EnvironmentVariables["NEO4J_AUTH"] = ReferenceExpression.Create($"neo4j/{password.Resource}"));
            if (builder.ExecutionContext.IsRunMode)
            {
                neo4j.WithVolume("mnemosyne-neo4j-data", "/data");
            }

            notice.Resource.Notes.Add("Neo4j runs as a container; the services use Postgres librarydb until the Neo4j store lands.");
            return;
        }

        notice.Resource.Notes.Add(LocalExecutables.OnPath(Name) is { } found
            ? $"A local neo4j was found at {found}, but running it from the AppHost is not supported yet: the library store is Postgres (librarydb)."
            : "No neo4j on PATH: the library store is Postgres (librarydb).");
    }
}
