namespace Mnemosyne.AppHost;

/// <summary>The connection string both Neo4j forms give (CONTRACT §1): the HTTP endpoint, user, password, database.</summary>
public static class Neo4jConnection
{
    public static ReferenceExpression For(EndpointReference http, ParameterResource password) => ReferenceExpression.Create(
        $"Endpoint={http.Property(EndpointProperty.Url)};Username=neo4j;Password={password};Database=neo4j");
}

/// <summary>The <c>neo4j:5.26</c> container.</summary>
public sealed class Neo4jContainerResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression => Neo4jConnection.For(new EndpointReference(this, "http"), password);
}

/// <summary>A local <c>neo4j console</c>, configured through a generated <c>neo4j.conf</c> (<c>NEO4J_CONF</c>).</summary>
public sealed class LocalNeo4jResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression => Neo4jConnection.For(new EndpointReference(this, "http"), password);
}
