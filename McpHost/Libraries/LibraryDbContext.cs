using Microsoft.EntityFrameworkCore;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// The Postgres library store (<c>librarydb</c>): <c>libraries</c> and <c>documents</c>, snake_case because
/// AuthService reads <c>libraries.uid</c> by <c>workspace_id</c> with plain SQL (CONTRACT §5).
/// </summary>
public sealed class LibraryDbContext(DbContextOptions<LibraryDbContext> options) : DbContext(options)
{
    public DbSet<Library> Libraries => Set<Library>();
    public DbSet<Document> Documents => Set<Document>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Library>(library =>
        {
            library.ToTable("libraries");
            library.HasKey(l => l.Uid);
            library.Property(l => l.Uid).HasColumnName("uid").HasMaxLength(LibraryLimits.IdentifierLength);
            library.Property(l => l.Name).HasColumnName("name").HasMaxLength(LibraryLimits.NameLength);
            library.Property(l => l.WorkspaceId).HasColumnName("workspace_id").HasMaxLength(LibraryLimits.IdentifierLength);
            library.HasIndex(l => l.WorkspaceId);
            library.HasMany(l => l.Documents).WithOne().HasForeignKey(d => d.LibraryUid).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Document>(document =>
        {
            document.ToTable("documents");
            document.HasKey(d => d.Uid);
            document.Property(d => d.Uid).HasColumnName("uid").HasMaxLength(LibraryLimits.IdentifierLength);
            document.Property(d => d.LibraryUid).HasColumnName("library_uid");
            document.Property(d => d.Title).HasColumnName("title").HasMaxLength(LibraryLimits.NameLength);
            document.Property(d => d.Content).HasColumnName("content");
            document.Property(d => d.SearchVector).HasColumnName("search_vector")
                .HasComputedColumnSql(
                    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')",
                    stored: true);
            document.HasIndex(d => d.SearchVector).HasMethod("GIN");
            document.HasIndex(d => d.LibraryUid);
        });
    }
}
