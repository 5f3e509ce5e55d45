using Mnemosyne.ServiceDefaults;
//#if (LibraryStore != "postgres")
using Mnemosyne.ServiceDefaults.Neo4j;
//#endif

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// Where the library stores meet their database: an outage (Postgres or Neo4j unreachable, timed out, refusing the
/// credentials) leaves the store only as <see cref="LibraryStoreUnavailableException"/>, which the admin API answers
/// with 503 and the tools with an error saying so.
/// </summary>
public static class StoreBoundary
{
    public static async Task<T> CallAsync<T>(string store, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception exception) when (DatabaseOutage.Is(exception)
//#if (LibraryStore != "postgres")
                                          || exception is Neo4jUnavailableException or Neo4jAuthenticationException
//#endif
                                         )
        {
            throw new LibraryStoreUnavailableException(store, exception);
        }
    }
}
