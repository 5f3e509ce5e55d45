namespace Mnemosyne.ServiceDefaults.Neo4j;

/// <summary>Something went wrong talking to Neo4j; the subclasses say what.</summary>
public class Neo4jException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Neo4j is unreachable, timed out, or answered 5xx: callers report <c>unavailable</c>.</summary>
public sealed class Neo4jUnavailableException(string message, Exception? inner = null) : Neo4jException(message, inner);

/// <summary>Neo4j refused the credentials from <c>ConnectionStrings:neo4j</c>.</summary>
public sealed class Neo4jAuthenticationException(string message) : Neo4jException(message), IUnrecoverableError;

/// <summary>Neo4j ran the statement and reported an error (its <c>errors</c> array).</summary>
public sealed class Neo4jQueryException(string code, string message) : Neo4jException($"{code}: {message}")
{
    public string Code { get; } = code;
}

/// <summary>Neo4j answered something that is not the documented JSON.</summary>
public sealed class Neo4jProtocolException(string message, Exception? inner = null) : Neo4jException(message, inner);
