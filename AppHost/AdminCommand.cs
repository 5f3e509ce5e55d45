using System.Text.Json;

namespace Mnemosyne.AppHost;

/// <summary>What every operator command on the dashboard shares: its inputs, its state, its result.</summary>
public static class AdminCommand
{
    /// <summary>A command with a description, an icon, its inputs, enabled only while the service is healthy.</summary>
    public static CommandOptions Options(string description, string icon, params InteractionInput[] arguments) => new()
    {
        Description = description,
        IconName = icon,
        Arguments = arguments,
        UpdateState = context => context.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
            ? ResourceCommandState.Enabled
            : ResourceCommandState.Disabled,
    };

    public static InteractionInput Text(string name, string label, string placeholder, bool required, string? value = null) => new()
    {
        Name = name,
        Label = label,
        InputType = InputType.Text,
        Placeholder = placeholder,
        Required = required,
        Value = value,
        MaxLength = 2000,
    };

    /// <summary>Runs a command body, turning admin-API refusals and unreachable services into a clear failure.</summary>
    public static async Task<ExecuteCommandResult> RunAsync(Func<Task<ExecuteCommandResult>> command)
    {
        try
        {
            return await command();
        }
        catch (AdminApiException exception)
        {
            return CommandResults.Failure(exception.Message);
        }
        catch (HttpRequestException exception)
        {
            return CommandResults.Failure($"The service did not answer: {exception.Message}");
        }
    }

    /// <summary>A success whose secret the dashboard opens in a dialog at once; it is kept nowhere else.</summary>
    public static ExecuteCommandResult ShownOnce(string message, string markdown) =>
        CommandResults.Success(message, markdown, CommandResultFormat.Markdown, displayImmediately: true);

    /// <summary>A comma-separated input as a list (blank items dropped).</summary>
    public static string[] List(string? commaSeparated) =>
        (commaSeparated ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string Field(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) ? value.ToString() : "?";

    /// <summary>Text as a Markdown table cell: callers name tools and clients anything, so nothing in it may break the table.</summary>
    public static string Cell(string? text) =>
        text is null ? "" : text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("`", "\\`", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
