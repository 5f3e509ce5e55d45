using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Mnemosyne.AuthService.Audit;
using OpenIddict.EntityFrameworkCore.Models;

namespace Mnemosyne.AuthService.Data;

public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<OpaqueToken> OpaqueTokens => Set<OpaqueToken>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamWorkspace> TeamWorkspaces => Set<TeamWorkspace>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AuthorizationServerKey> AuthorizationServerKeys => Set<AuthorizationServerKey>();
    public DbSet<OAuthClientBlock> OAuthClientBlocks => Set<OAuthClientBlock>();
    public DbSet<UpstreamIdentity> UpstreamIdentities => Set<UpstreamIdentity>();

    /// <summary>The sign-in pages' cookie and antiforgery keys, shared by every replica (<c>SharedDataProtection</c>).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // OpenIddict's applications (clients), authorizations (grants), scopes and tokens (CONTRACT §10).
        modelBuilder.UseOpenIddict();
        // OpenIddict's 100 characters are too few for a client ID metadata document's URL.
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>().Property(a => a.ClientId).HasMaxLength(Limits.ClientIdLength);

        modelBuilder.Entity<OAuthClientBlock>(block =>
        {
            block.HasKey(b => b.ClientId);
            block.Property(b => b.ClientId).HasMaxLength(Limits.ClientIdLength);
        });

        modelBuilder.Entity<AuthorizationServerKey>(key =>
        {
            key.HasKey(k => k.Use);
            key.Property(k => k.Use).HasMaxLength(16);
            key.Property(k => k.Kid).HasMaxLength(64);
        });

        modelBuilder.Entity<User>(user =>
        {
            user.Property(u => u.Username).HasMaxLength(Limits.NameLength);
            user.HasIndex(u => u.Username).IsUnique();
        });

        modelBuilder.Entity<UpstreamIdentity>(identity =>
        {
            identity.HasKey(i => new { i.Issuer, i.Subject });
            identity.Property(i => i.Issuer).HasMaxLength(Limits.IssuerLength);
            identity.Property(i => i.Subject).HasMaxLength(Limits.SubjectLength);
            identity.Property(i => i.Groups).HasColumnType("text[]");
            identity.HasIndex(i => i.UserId);
            identity.HasOne(i => i.User).WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
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

        modelBuilder.Entity<AuditEvent>(audit =>
        {
            audit.Property(a => a.Id).UseIdentityAlwaysColumn();
            // A page is "WHERE [<filter> = $1 AND] (Time, Id) < $cursor AND Id <= $ceiling ORDER BY Time DESC, Id DESC
            // LIMIT n" (the export the same, ascending): one index led by each filter, then by time and id. The
            // unfiltered one also serves since/until and retention.
            audit.HasIndex(a => new { a.Time, a.Id });
            audit.HasIndex(a => new { a.Type, a.Time, a.Id });
            audit.HasIndex(a => new { a.Principal, a.Time, a.Id });
            audit.HasIndex(a => new { a.Outcome, a.Time, a.Id });
            audit.HasIndex(a => new { a.Tool, a.Time, a.Id });
        });
    }
}
