using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.AppHost;

/// <summary>
/// The audit trail on the dashboard: auth-service's <c>Latest refusals</c> command opens the newest refused tool
/// calls (<c>GET /admin/v1/audit?type=decision&amp;outcome=refused</c>) as a table — when, who (the masked principal,
/// or none when no credential was identified), which tool, why — optionally for one principal.
/// </summary>
public static class AuditCommands
{
    public const int Shown = 25;

    public static IResourceBuilder<ProjectResource> WithAuditCommands(
        this IResourceBuilder<ProjectResource> authService, IResourceBuilder<ParameterResource> adminKey)
    {
        var api = new AdminApiClient(authService.Resource, adminKey.Resource);
        authService.WithCommand("latest-refusals", "Latest refusals",
            context => AdminCommand.RunAsync(() => LatestRefusalsAsync(api, context)),
            AdminCommand.Options($"Open the {Shown} newest refused tool calls: when, who, which tool and why.", "ShieldError",
                AdminCommand.Text("principal", "Principal (empty = everyone)", "mcptoken:mnm_…", required: false)));
        return authService;
    }

    private static async Task<ExecuteCommandResult> LatestRefusalsAsync(AdminApiClient api, ExecuteCommandContext context)
    {
        var principal = context.Arguments.GetString("principal")?.Trim();
        var query = $"/admin/v1/audit?type=decision&outcome=refused&limit={Shown}"
                    + (string.IsNullOrEmpty(principal) ? "" : "&principal=" + Uri.EscapeDataString(principal));
        var page = await api.SendAsync(HttpMethod.Get, query, null, context.CancellationToken);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        var who = string.IsNullOrEmpty(principal) ? "" : $" of {AdminCommand.Cell(principal)}";
        if (items.Count == 0)
        {
            return CommandResults.Success($"No refused tool calls{who}.", $"No refused tool calls{who} in the audit trail.",
                CommandResultFormat.Markdown, displayImmediately: true);
        }

        var table = new StringBuilder($"The newest refused tool calls{who}, newest first:\n\n")
            .Append("| time (UTC) | principal | kind | tool | reason |\n| --- | --- | --- | --- | --- |\n");
        foreach (var item in items)
        {
            table.Append(CultureInfo.InvariantCulture,
                $"| {item.GetProperty("time").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm:ss} | {AdminCommand.Cell(Text(item, "principal") ?? "(not identified)")} | {AdminCommand.Cell(Text(item, "kind"))} | {AdminCommand.Cell(Text(item, "tool"))} | {AdminCommand.Cell(Text(item, "reason"))} |\n");
        }

        var count = items.Count == 1 ? "1 refused tool call" : $"{items.Count} refused tool calls";
        return CommandResults.Success($"{count}{who}.", table.ToString(), CommandResultFormat.Markdown,
            displayImmediately: true);
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
