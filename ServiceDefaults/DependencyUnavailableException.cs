namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// A dependency (Postgres, Redis, the library store) could not answer. Thrown where our code meets the dependency,
/// with a message naming it; <see cref="UnavailableExceptionHandler"/> turns it into 503 <c>unavailable</c>.
/// </summary>
public class DependencyUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The library store (Postgres <c>librarydb</c> or Neo4j) could not answer.</summary>
public sealed class LibraryStoreUnavailableException(string store, Exception inner)
    : DependencyUnavailableException("Library store is unavailable.", inner)
{
    /// <summary><c>librarydb</c> or <c>neo4j</c>: for logs, not for callers.</summary>
    public string Store { get; } = store;
}
