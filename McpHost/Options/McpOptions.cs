using System.ComponentModel.DataAnnotations;

namespace Mnemosyne.McpHost.Options;

/// <summary>The <c>Mcp</c> configuration section.</summary>
public sealed class McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>Origins allowed to call (DNS-rebinding protection); a request with any other Origin gets 403.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public string ResourceName { get; set; } = "Mnemosyne";

    /// <summary>The public URL of <c>/mcp</c> when it differs from what requests show (behind a proxy).</summary>
    [Url] public string? ResourceUrl { get; set; }

    /// <summary>Where auth-service is; resolved through Aspire service discovery.</summary>
    [Required] public string AuthServiceUrl { get; set; } = "https+http://auth-service";

    /// <summary>Longest wait for auth-service on a tool call, retry included; then 503 (never a pass).</summary>
    [Range(100, 30_000)] public int AuthTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>Largest request body accepted (MCP messages and admin uploads); larger → 413.</summary>
    [Range(4096, 64 * 1024 * 1024)] public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
