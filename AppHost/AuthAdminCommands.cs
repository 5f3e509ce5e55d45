using System.Text.Json;

namespace Mnemosyne.AppHost;

/// <summary>
/// auth-service's operator commands on the dashboard: create a signing key, mint an opaque token (the user is
/// created when missing), create a team and mint its token, rotate a team's token, retire a key, deactivate a token.
/// Each asks for its inputs in the dashboard's dialog, calls the admin API, and shows a secret once, in the result.
/// </summary>
public static class AuthAdminCommands
{
    public static IResourceBuilder<ProjectResource> WithAuthAdminCommands(
        this IResourceBuilder<ProjectResource> authService, IResourceBuilder<ParameterResource> adminKey)
    {
        var api = new AdminApiClient(authService.Resource, adminKey.Resource);

        authService.WithCommand("mint-token", "Mint token", context => AdminCommand.RunAsync(() => MintTokenAsync(api, context)),
            AdminCommand.Options("Mint an opaque mnm_ token for a user (created when missing). The token is shown once.", "Key",
                AdminCommand.Text("username", "Username", "ada", required: true),
                AdminCommand.Text("libraries", "Libraries (comma-separated uids)", "sample", required: false
//#if (SampleLibrary)
                    , value: SampleLibraryCommand.Library
//#endif
                    ),
                AdminCommand.Text("tools", "Tools (comma-separated; empty = every tool)", "search, list_libraries", required: false),
                AdminCommand.Text("name", "Token name", "dashboard", required: false)));

        authService.WithCommand("create-signing-key", "Create signing key",
            context => AdminCommand.RunAsync(() => CreateSigningKeyAsync(api, context)),
            AdminCommand.Options("Create an HS256 signing key; minting switches to it. Its secret is shown once, for outside minters.", "KeyMultiple"));

        authService.WithCommand("create-team", "Create team",
            context => AdminCommand.RunAsync(() => CreateTeamAsync(api, context)),
            AdminCommand.Options("Create a team over some workspaces and mint its token (needs a signing key). The token is shown once.", "PeopleTeam",
                AdminCommand.Text("name", "Team name", "red", required: true),
                AdminCommand.Text("workspaces", "Workspaces (comma-separated)", "ws-sample", required: false)));

        authService.WithCommand("rotate-team-token", "Mint team token",
            context => AdminCommand.RunAsync(() => MintTeamTokenAsync(api, context)),
            AdminCommand.Options("Mint a new token for a team; its previous token stops working. The token is shown once.", "ArrowSync",
                AdminCommand.Text("team", "Team id", "0196…", required: true)));

        authService.WithCommand("retire-signing-key", "Retire signing key",
            context => AdminCommand.RunAsync(() => RetireKeyAsync(api, context)),
            AdminCommand.Options("Retire a signing key: every JWT signed with it is refused on every replica once this answers.", "LockClosed",
                AdminCommand.Text("kid", "Key id (kid)", "k-…", required: true)));

        authService.WithCommand("deactivate-token", "Deactivate token",
            context => AdminCommand.RunAsync(() => DeactivateTokenAsync(api, context)),
            AdminCommand.Options("Deactivate an opaque token by its id (GET /admin/v1/tokens lists them).", "Prohibited",
                AdminCommand.Text("id", "Token id", "0196…", required: true)));

        return authService;
    }

    private static async Task<ExecuteCommandResult> MintTokenAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var ct = context.CancellationToken;
        var username = context.Arguments.GetString("username")!.Trim();
        var tools = AdminCommand.List(context.Arguments.GetString("tools"));
        try
        {
            await api.SendAsync(HttpMethod.Post, "/admin/v1/users", new { username }, ct);
        }
        catch (AdminApiException exception) when (exception.Status == 409)
        {
            // The user exists already: mint for it.
        }

        var minted = await api.SendAsync(HttpMethod.Post, "/admin/v1/tokens", new
        {
            username,
            name = context.Arguments.GetString("name") is { Length: > 0 } name ? name.Trim() : "dashboard",
            libraries = AdminCommand.List(context.Arguments.GetString("libraries")),
            tools = tools.Length == 0 ? null : tools,
        }, ct);
        return AdminCommand.ShownOnce($"Token for '{username}' minted (id {AdminCommand.Field(minted, "id")}).",
            $"Token for **{username}** (shown once; keep it now):\n\n```\n{AdminCommand.Field(minted, "token")}\n```\n\nId: `{AdminCommand.Field(minted, "id")}`");
    }

    private static async Task<ExecuteCommandResult> CreateSigningKeyAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var key = await api.SendAsync(HttpMethod.Post, "/admin/v1/signing-keys", new { }, context.CancellationToken);
        return AdminCommand.ShownOnce($"Signing key {AdminCommand.Field(key, "kid")} created; minting uses it now.",
            $"Signing key `{AdminCommand.Field(key, "kid")}` (its hex secret is shown once, for outside minters):\n\n```\n{AdminCommand.Field(key, "secret")}\n```");
    }

    private static async Task<ExecuteCommandResult> CreateTeamAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var ct = context.CancellationToken;
        var team = await api.SendAsync(HttpMethod.Post, "/admin/v1/teams", new
        {
            name = context.Arguments.GetString("name")!.Trim(),
            workspaces = AdminCommand.List(context.Arguments.GetString("workspaces")),
        }, ct);
        var id = AdminCommand.Field(team, "id");
        try
        {
            var minted = await api.SendAsync(HttpMethod.Post, $"/admin/v1/teams/{id}/token", new { }, ct);
            return AdminCommand.ShownOnce($"Team {id} created with its token.",
                $"Team `{id}` token (shown once; keep it now):\n\n```\n{AdminCommand.Field(minted, "token")}\n```");
        }
        catch (AdminApiException exception)
        {
            return CommandResults.Failure($"Team {id} was created, but its token was not minted: {exception.Message}");
        }
    }

    private static async Task<ExecuteCommandResult> MintTeamTokenAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var id = Uri.EscapeDataString(context.Arguments.GetString("team")!.Trim());
        var minted = await api.SendAsync(HttpMethod.Post, $"/admin/v1/teams/{id}/token", new { }, context.CancellationToken);
        return AdminCommand.ShownOnce($"New token for team {id}; the previous one no longer works.",
            $"Team `{id}` token (shown once; keep it now):\n\n```\n{AdminCommand.Field(minted, "token")}\n```");
    }

    private static async Task<ExecuteCommandResult> RetireKeyAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var kid = context.Arguments.GetString("kid")!.Trim();
        await api.SendAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{Uri.EscapeDataString(kid)}/retire", null, context.CancellationToken);
        return CommandResults.Success($"Signing key {kid} retired: JWTs signed with it are refused everywhere.");
    }

    private static async Task<ExecuteCommandResult> DeactivateTokenAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var id = context.Arguments.GetString("id")!.Trim();
        await api.SendAsync(HttpMethod.Post, $"/admin/v1/tokens/{Uri.EscapeDataString(id)}/deactivate", null, context.CancellationToken);
        return CommandResults.Success($"Token {id} deactivated.");
    }
}
