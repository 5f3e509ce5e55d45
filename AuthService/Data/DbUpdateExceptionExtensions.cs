using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Mnemosyne.AuthService.Data;

public static class DbUpdateExceptionExtensions
{
    /// <summary>True when a unique index refused the write (a concurrent create of the same name).</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
