using Microsoft.EntityFrameworkCore;

namespace Mnemosyne.AuthService.Data;

public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<OpaqueToken> OpaqueTokens => Set<OpaqueToken>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamWorkspace> TeamWorkspaces => Set<TeamWorkspace>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.Property(u => u.Username).HasMaxLength(Limits.NameLength);
            user.HasIndex(u => u.Username).IsUnique();
        });

        modelBuilder.Entity<OpaqueToken>(token =>
        {
            token.Property(t => t.Name).HasMaxLength(Limits.NameLength);
            token.Property(t => t.Prefix).HasMaxLength(16);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SigningKey>(key =>
        {
            key.HasKey(k => k.Kid);
            key.Property(k => k.Kid).HasMaxLength(64);
            key.Property(k => k.Sequence).UseIdentityAlwaysColumn();
            key.HasIndex(k => k.Sequence).IsUnique();
        });

        modelBuilder.Entity<Team>(team =>
        {
            team.Property(t => t.Name).HasMaxLength(Limits.NameLength);
            team.HasIndex(t => t.Name).IsUnique();
            team.Property(t => t.ActiveJti).HasMaxLength(64);
            // A Postgres text[]: the OAuth lookup is one array-overlap (&&) test, served by the GIN index.
            team.Property(t => t.Groups).HasColumnType("text[]");
            team.HasIndex(t => t.Groups).HasMethod("gin");
            team.HasMany(t => t.Workspaces).WithOne().HasForeignKey(w => w.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TeamWorkspace>(assignment =>
        {
            assignment.HasKey(w => new { w.TeamId, w.WorkspaceId });
            assignment.Property(w => w.WorkspaceId).HasMaxLength(Limits.IdentifierLength);
        });
    }
}
