using System.Text.Json;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Writes a refusal as MCP authorization asks (CONTRACT §4): the HTTP status, a <c>WWW-Authenticate</c> challenge
/// for 401/403, and a JSON-RPC error body carrying the reason code. When OAuth is configured, the 401 challenge and
/// the 403 for <c>insufficient_scope</c> name the required scope, so a client knows what to ask its identity provider
/// for (CONTRACT §6).
/// </summary>
public static class McpRefusal
{
    public const int AuthErrorCode = -32001;

    /// <summary>MCP 2026-07-28 <c>HeaderMismatch</c>: a standard header is missing or disagrees with the body.</summary>
    public const int HeaderMismatchCode = -32020;
    public const int InvalidRequestCode = -32600;
    public const int MethodNotFoundCode = -32601;
    public const int InvalidParamsCode = -32602;
    public const int ParseErrorCode = -32700;

    public static Task WriteAuthAsync(
        HttpContext context, JsonElement? id, int status, string title, string reason, bool tokenSent, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = PrincipalBudgets.RetryAfterHeader(wait);
        }

        var services = context.RequestServices;
        var metadata = ProtectedResource.MetadataUrl(context.Request, services.GetRequiredService<IOptions<McpOptions>>().Value);
        var description = title.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        var scope = ProtectedResource.RequiredScope(services.GetRequiredService<IOptions<OAuthOptions>>().Value) is { } required
            ? $", scope=\"{required}\""
            : "";
        var challenge = status switch
        {
            StatusCodes.Status403Forbidden when reason == "insufficient_scope" =>
                $"Bearer error=\"insufficient_scope\"{scope}, resource_metadata=\"{metadata}\"",
            StatusCodes.Status403Forbidden =>
                $"Bearer error=\"insufficient_scope\", error_description=\"{description}\", resource_metadata=\"{metadata}\"",
            StatusCodes.Status401Unauthorized when tokenSent =>
                $"Bearer resource_metadata=\"{metadata}\"{scope}, error=\"invalid_token\", error_description=\"{description}\"",
            StatusCodes.Status401Unauthorized => $"Bearer resource_metadata=\"{metadata}\"{scope}",
            _ => null,
        };
        if (challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }

        return WriteAsync(context, id, status, AuthErrorCode, title, reason);
    }

    public static async Task WriteAsync(HttpContext context, JsonElement? id, int status, int code, string message, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WritePropertyName("id");
        if (id is { } value)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteStartObject("error");
        writer.WriteNumber("code", code);
        writer.WriteString("message", message);
        writer.WriteStartObject("data");
        writer.WriteString("reason", reason);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
