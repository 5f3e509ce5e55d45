using System.ComponentModel.DataAnnotations;

namespace Mnemosyne.McpHost.Options;

/// <summary>The <c>Mcp</c> configuration section.</summary>
public sealed class McpOptions
{
    public const string SectionName = "Mcp";

    /// <summary>
    /// Origins allowed to call besides the request's own (DNS-rebinding protection); a request with any other
    /// <c>Origin</c> gets 403.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// Host names (<c>mcp.example.com</c>, <c>*.example.com</c>, or <c>*</c> for any) accepted in the <c>Host</c> header
    /// besides loopback names. Empty: loopback names only while every listening address is loopback, any host otherwise.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    public string ResourceName { get; set; } = "Mnemosyne";

    /// <summary>The public URL of <c>/mcp</c> when it differs from what requests show (behind a proxy).</summary>
    [Url] public string? ResourceUrl { get; set; }

    /// <summary>Where auth-service is; resolved through Aspire service discovery.</summary>
    [Required] public string AuthServiceUrl { get; set; } = "https+http://auth-service";

    /// <summary>Longest wait for auth-service on a tool call; then 503 (never a pass).</summary>
    [Range(100, 30_000)] public int AuthTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>Largest request body accepted (MCP messages and admin uploads); larger → 413.</summary>
    [Range(4096, 64 * 1024 * 1024)] public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most decisions cached (by SHA-256 of the bearer) when Redis is configured; 0 turns the cache off. When full,
    /// what is stale or expired goes first, else a tenth of the entries, as they come.
    /// </summary>
    [Range(0, 1_000_000)] public int DecisionCacheEntries { get; set; } = 10_000;

    /// <summary>
    /// Longest a cached team or OAuth decision lives: their libraries come from the library store, which writers
    /// other than mcp-host's admin API (e.g. straight to Neo4j) can change without telling anyone.
    /// </summary>
    [Range(1, 3600)] public int LibraryScopeCacheSeconds { get; set; } = 30;
}
