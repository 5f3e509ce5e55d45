using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database is contacted).</summary>
public sealed class DesignTimeLibraryDbContextFactory : IDesignTimeDbContextFactory<LibraryDbContext>
{
    public LibraryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LibraryDbContext>().UseNpgsql("Host=localhost;Database=librarydb").Options);
}
