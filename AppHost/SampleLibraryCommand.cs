namespace Mnemosyne.AppHost;

/// <summary>
/// mcp-host's "Load sample library" command: a small library (uid <see cref="Library"/>, workspace
/// <see cref="Workspace"/>) about Mnemosyne itself, so a new user can mint a token for it and try <c>search</c>
/// within minutes. Loading again replaces the same documents.
/// </summary>
public static class SampleLibraryCommand
{
    public const string Library = "sample";
    public const string Workspace = "ws-sample";

    private static readonly (string Uid, string Title, string Content)[] Documents =
    [
        ("tokens", "Kinds of token",
            "Mnemosyne accepts three kinds of credential: long-lived opaque tokens that start with mnm_, short-lived turn " +
            "JWTs signed with a signing key, and team JWTs whose libraries follow the team's workspaces."),
        ("revocation", "Revocation is immediate",
            "Deactivating a token, retiring a signing key or deactivating a team takes effect on every replica before the " +
            "admin call answers. There is no grace period during which a revoked credential still works."),
        ("search", "How search works",
            "The search tool looks through every library your token may read and returns the best matching documents " +
            "with a snippet. A library outside your scope behaves exactly like one that does not exist."),
        ("dashboard", "The operator's dashboard",
            "The Aspire dashboard lists each service with commands: mint a token, create a signing key, create a team, " +
            "retire a key, deactivate a token, and load this sample library. Traces show each tool call by name."),
    ];

    public static IResourceBuilder<ProjectResource> WithSampleLibraryCommand(
        this IResourceBuilder<ProjectResource> mcpHost, IResourceBuilder<ParameterResource> adminKey)
    {
        var api = new AdminApiClient(mcpHost.Resource, adminKey.Resource);
        return mcpHost.WithCommand("load-sample-library", "Load sample library",
            context => AdminCommand.RunAsync(() => LoadAsync(api, context.CancellationToken)),
            AdminCommand.Options(
                $"Load a small library '{Library}' (workspace '{Workspace}') to try search with: mint a token for library '{Library}' on auth-service.",
                "BookAdd"));
    }

    private static async Task<ExecuteCommandResult> LoadAsync(AdminApiClient api, CancellationToken cancellationToken)
    {
        await api.SendAsync(HttpMethod.Put, $"/admin/v1/libraries/{Library}",
            new { name = "Mnemosyne sample", workspace = Workspace }, cancellationToken);
        foreach (var (uid, title, content) in Documents)
        {
            await api.SendAsync(HttpMethod.Put, $"/admin/v1/libraries/{Library}/documents/{uid}", new { title, content }, cancellationToken);
        }

        return CommandResults.Success(
            $"Library '{Library}' loaded with {Documents.Length} documents. Mint a token for library '{Library}' " +
            "(auth-service → Mint token) and search for \"revocation\".");
    }
}
