using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// The configured identity providers (CONTRACT §6), each with its metadata and signing keys cached by a
/// <see cref="ConfigurationManager{T}"/> (refreshed every 12 hours by itself). A token naming an unknown <c>kid</c>
/// may force one refresh per issuer per 30 s (<see cref="RefreshForUnknownKeyAsync"/>): keys rotate without a restart
/// and a flood of made-up kids cannot turn into a flood of requests to the provider. Metadata or keys that cannot be
/// fetched while none are cached throw <see cref="DependencyUnavailableException"/> (503 <c>unavailable</c>); once
/// fetched, the last good keys stay in use through a provider outage.
/// </summary>
public sealed partial class OAuthIssuers
{
    public const string HttpClientName = "oauth-metadata";
    private static readonly TimeSpan ForcedRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, Issuer> _issuers;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<OAuthIssuers> _logger;

    public OAuthIssuers(IOptions<OAuthOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILogger<OAuthIssuers> logger)
    {
        _time = time;
        _logger = logger;
        _http = httpClients.CreateClient(HttpClientName);
        _issuers = options.Value.Issuers.ToDictionary(i => i.Issuer, i => new Issuer(i, Manager(i, _http)), StringComparer.Ordinal);
    }

    private sealed class Issuer(OAuthIssuer settings, ConfigurationManager<OpenIdConnectConfiguration> manager)
    {
        public OAuthIssuer Settings { get; } = settings;
        public ConfigurationManager<OpenIdConnectConfiguration> Manager { get; set; } = manager;
        public long LastForcedRefresh { get; set; } = long.MinValue;
    }

    public bool Configured => _issuers.Count > 0;

    /// <summary>The configured issuer whose <c>iss</c> is exactly <paramref name="issuer"/>, or null.</summary>
    public OAuthIssuer? Find(string issuer) => _issuers.TryGetValue(issuer, out var entry) ? entry.Settings : null;

    public static string Host(OAuthIssuer issuer) => new Uri(issuer.Issuer).Host;

    public async Task<OpenIdConnectConfiguration> ConfigurationAsync(OAuthIssuer issuer, CancellationToken cancellationToken)
    {
        var entry = _issuers[issuer.Issuer];
        try
        {
            return await entry.Manager.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogMetadataUnavailable(_logger, issuer.Issuer, exception.Message);
            throw new DependencyUnavailableException($"Identity provider '{Host(issuer)}' is unavailable (metadata or keys).", exception);
        }
    }

    /// <summary>
    /// Fetches the issuer's metadata and keys again when the last forced refresh is at least 30 s old; otherwise
    /// answers what is cached. The caller refuses the token when its key is still unknown.
    /// </summary>
    /// <remarks>
    /// The fetch must finish before the token is judged, or the first token signed with a rotated key would be refused.
    /// <see cref="ConfigurationManager{T}.RequestRefresh"/> refreshes in the background unless a process-wide switch
    /// is set, so a fresh manager does the fetch (a manager with nothing cached always fetches at once) and replaces
    /// the old one only when it succeeded: a provider outage keeps the last good keys.
    /// </remarks>
    public async Task<OpenIdConnectConfiguration> RefreshForUnknownKeyAsync(OAuthIssuer issuer, CancellationToken cancellationToken)
    {
        var entry = _issuers[issuer.Issuer];
        var now = _time.GetTimestamp();
        bool allowed;
        lock (entry)
        {
            allowed = entry.LastForcedRefresh == long.MinValue
                      || _time.GetElapsedTime(entry.LastForcedRefresh, now) >= ForcedRefreshInterval;
            if (allowed)
            {
                entry.LastForcedRefresh = now;
            }
        }

        if (!allowed)
        {
            return await ConfigurationAsync(issuer, cancellationToken);
        }

        LogForcedRefresh(_logger, issuer.Issuer);
        var fresh = Manager(issuer, _http);
        try
        {
            var configuration = await fresh.GetConfigurationAsync(cancellationToken);
            entry.Manager = fresh;
            return configuration;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogMetadataUnavailable(_logger, issuer.Issuer, exception.Message);
            return await ConfigurationAsync(issuer, cancellationToken);
        }
    }

    private static ConfigurationManager<OpenIdConnectConfiguration> Manager(OAuthIssuer issuer, HttpClient http) =>
        new(issuer.Issuer, new OAuthMetadataRetriever(), new HttpDocumentRetriever(http)
        {
            // OAuthOptions allows http only for a loopback issuer.
            RequireHttps = new Uri(issuer.Issuer).Scheme == Uri.UriSchemeHttps,
        })
        {
            // After a failed periodic refresh (keys still cached), try again in 30 s rather than the default 5 minutes.
            RefreshInterval = ForcedRefreshInterval,
        };

    [LoggerMessage(LogLevel.Warning, "oauth.metadata_unavailable {Issuer} {Error}")]
    private static partial void LogMetadataUnavailable(ILogger logger, string issuer, string error);

    [LoggerMessage(LogLevel.Information, "oauth.keys_refresh {Issuer}: a token named an unknown kid")]
    private static partial void LogForcedRefresh(ILogger logger, string issuer);
}
