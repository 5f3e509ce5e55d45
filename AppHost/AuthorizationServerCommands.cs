using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.AppHost;

/// <summary>
/// The authorization server's operator commands on auth-service (CONTRACT §10): <c>OAuth clients</c> opens the clients
/// that signed users in, <c>Revoke sign-ins</c> revokes every grant of one user (its MCP clients must sign in again),
/// <c>Block OAuth client</c> blocks one client. Revoking and blocking are immediate on every replica once they answer.
/// </summary>
public static class AuthorizationServerCommands
{
    public static IResourceBuilder<ProjectResource> WithAuthorizationServerCommands(
        this IResourceBuilder<ProjectResource> authService, IResourceBuilder<ParameterResource> adminKey)
    {
        var api = new AdminApiClient(authService.Resource, adminKey.Resource);
        authService.WithCommand("oauth-clients", "OAuth clients",
            context => AdminCommand.RunAsync(() => ClientsAsync(api, context)),
            AdminCommand.Options("Open the MCP clients that registered or signed in with their metadata document, and whether each is blocked.", "AppsList"));
        authService.WithCommand("revoke-sign-ins", "Revoke sign-ins",
            context => AdminCommand.RunAsync(() => RevokeSignInsAsync(api, context)),
            AdminCommand.Options("Revoke every OAuth grant of a user: its clients' access and refresh tokens stop working everywhere.", "PersonProhibited",
                AdminCommand.Text("username", "Username", "ada", required: true)));
        authService.WithCommand("block-oauth-client", "Block OAuth client",
            context => AdminCommand.RunAsync(() => BlockClientAsync(api, context)),
            AdminCommand.Options("Block an OAuth client (its client_id): its tokens stop working everywhere and it cannot sign anyone in.", "Prohibited",
                AdminCommand.Text("clientId", "Client id", "dcr_… or https://…", required: true)));
        return authService;
    }

    private static async Task<ExecuteCommandResult> ClientsAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var clients = (await api.SendAsync(HttpMethod.Get, "/admin/v1/oauth/clients", null, context.CancellationToken)).EnumerateArray().ToList();
        if (clients.Count == 0)
        {
            return CommandResults.Success("No OAuth clients yet.", "No MCP client has registered or signed in yet.",
                CommandResultFormat.Markdown, displayImmediately: true);
        }

        var table = new StringBuilder("| client | name | kind | blocked | registered (UTC) |\n| --- | --- | --- | --- | --- |\n");
        foreach (var client in clients)
        {
            var created = client.GetProperty("createdAt") is { ValueKind: JsonValueKind.String } date
                ? date.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
                : "";
            table.Append(CultureInfo.InvariantCulture,
                $"| {AdminCommand.Cell(client.GetProperty("clientId").GetString())} | {AdminCommand.Cell(client.GetProperty("name").GetString())} | {client.GetProperty("kind").GetString()} | {(client.GetProperty("blocked").GetBoolean() ? "yes" : "no")} | {created} |\n");
        }

        return CommandResults.Success(clients.Count == 1 ? "1 OAuth client." : $"{clients.Count} OAuth clients.", table.ToString(),
            CommandResultFormat.Markdown, displayImmediately: true);
    }

    private static async Task<ExecuteCommandResult> RevokeSignInsAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var username = context.Arguments.GetString("username")!.Trim();
        var grants = await api.SendAsync(HttpMethod.Get, $"/admin/v1/oauth/grants?username={Uri.EscapeDataString(username)}", null,
            context.CancellationToken);
        var revoked = 0;
        foreach (var grant in grants.EnumerateArray())
        {
            await api.SendAsync(HttpMethod.Post, $"/admin/v1/oauth/grants/{Uri.EscapeDataString(grant.GetProperty("id").GetString()!)}/revoke",
                null, context.CancellationToken);
            revoked++;
        }

        return CommandResults.Success(revoked switch
        {
            0 => $"'{username}' has no OAuth grants.",
            1 => $"1 OAuth grant of '{username}' revoked.",
            _ => $"{revoked} OAuth grants of '{username}' revoked.",
        });
    }

    private static async Task<ExecuteCommandResult> BlockClientAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var clientId = context.Arguments.GetString("clientId")!.Trim();
        await api.SendAsync(HttpMethod.Post, $"/admin/v1/oauth/clients/{Uri.EscapeDataString(clientId)}/block", null, context.CancellationToken);
        return CommandResults.Success($"OAuth client {clientId} blocked: its tokens are refused everywhere.");
    }
}
