using System.Data.Common;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Whether an exception means Postgres could not be reached or did not answer in time (an outage, answered with 503
/// <c>unavailable</c>), rather than a bug. EF Core's Npgsql execution strategy, with retries off, rethrows a transient
/// database error wrapped in an <see cref="InvalidOperationException"/> ("likely due to a transient failure"), so
/// that wrapper counts too; found by the fault harness with Postgres stopped.
/// </summary>
public static class DatabaseOutage
{
    public static bool Is(Exception exception) =>
        exception is DbException or TimeoutException
        || exception is InvalidOperationException { InnerException: DbException or TimeoutException };
}
