using Microsoft.Extensions.Configuration;

namespace Mnemosyne.AppHost;

/// <summary>Which library store the AppHost runs for both services (<c>AppHost:LibraryStore</c>).</summary>
public enum LibraryStore
{
    /// <summary>Neo4j when one can run (a container runtime, or a local <c>neo4j</c>), else Postgres <c>librarydb</c>.</summary>
    Both,

    /// <summary>Neo4j only: no <c>librarydb</c>; a start without a way to run Neo4j stops, saying what to install.</summary>
    Neo4j,

    /// <summary>Postgres <c>librarydb</c> only: no Neo4j resource at all.</summary>
    Postgres,
}

public static class LibraryStoreMode
{
    public const string SettingName = "AppHost:LibraryStore";

    /// <summary>
    /// The setting (in <c>appsettings.json</c>, or <c>--AppHost:LibraryStore=…</c>); a value it does not know stops the
    /// AppHost. Postgres only is said on the dashboard's notice here (Neo4j's own wiring says the rest).
    /// </summary>
    public static LibraryStore Read(IConfiguration configuration, IResourceBuilder<InfrastructureNoticeResource> notice)
    {
        var chosen = configuration[SettingName] is not { Length: > 0 } setting ? LibraryStore.Both
            : Enum.TryParse<LibraryStore>(setting, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
            : throw new InvalidOperationException($"{SettingName} must be 'both', 'neo4j' or 'postgres', not '{setting}'.");
        if (chosen == LibraryStore.Postgres)
        {
            notice.Resource.Notes.Add($"{SettingName}=postgres: the library store is Postgres (librarydb).");
        }

        return chosen;
    }

    /// <summary>Points a service at Postgres <c>librarydb</c> (the library store when there is no Neo4j), when there is one.</summary>
    public static IResourceBuilder<ProjectResource> WithLibraryDatabase(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? librarydb) =>
        librarydb is null ? service : service.WithReference(librarydb).WaitFor(librarydb);
}
