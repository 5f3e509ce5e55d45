using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Mnemosyne.AuthService.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database is contacted).</summary>
public sealed class DesignTimeAuthDbContextFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=localhost;Database=authdb").Options);
}
