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
    private readonly TimeProvider _time;
    private readonly ILogger<OAuthIssuers> _logger;

    public OAuthIssuers(IOptions<OAuthOptions> options, IHttpClientFactory httpClients, TimeProvider time, ILogger<OAuthIssuers> logger)
    {
        // A refresh asked for because of an unknown kid must finish before the token is judged, not in the background
        // (the library's default), or the first token signed with a rotated key would be refused.
        AppContext.SetSwitch("Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking", true);
        _time = time;
        _logger = logger;
        var http = httpClients.CreateClient(HttpClientName);
        _issuers = options.Value.Issuers.ToDictionary(i => i.Issuer, i => new Issuer(i, Manager(i, http)), StringComparer.Ordinal);
    }

    private sealed class Issuer(OAuthIssuer settings, ConfigurationManager<OpenIdConnectConfiguration> manager)
    {
        public OAuthIssuer Settings { get; } = settings;
        public ConfigurationManager<OpenIdConnectConfiguration> Manager { get; } = manager;
        public long LastForcedRefresh { get; set; } = long.MinValue;
    }

    public bool Any => _issuers.Count > 0;

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
    /// Fetches the issuer's keys again when the last forced refresh is at least 30 s old; otherwise answers what is
    /// cached. The caller refuses the token when its key is still unknown.
    /// </summary>
    public Task<OpenIdConnectConfiguration> RefreshForUnknownKeyAsync(OAuthIssuer issuer, CancellationToken cancellationToken)
    {
        var entry = _issuers[issuer.Issuer];
        var now = _time.GetTimestamp();
        lock (entry)
        {
            if (entry.LastForcedRefresh != long.MinValue && _time.GetElapsedTime(entry.LastForcedRefresh, now) < ForcedRefreshInterval)
            {
                return ConfigurationAsync(issuer, cancellationToken);
            }

            entry.LastForcedRefresh = now;
        }

        LogForcedRefresh(_logger, issuer.Issuer);
        entry.Manager.RequestRefresh();
        return ConfigurationAsync(issuer, cancellationToken);
    }

    private static ConfigurationManager<OpenIdConnectConfiguration> Manager(OAuthIssuer issuer, HttpClient http) =>
        new(issuer.Issuer, new OAuthMetadataRetriever(), new HttpDocumentRetriever(http)
        {
            // OAuthOptions allows http only for a loopback issuer.
            RequireHttps = new Uri(issuer.Issuer).Scheme == Uri.UriSchemeHttps,
        })
        {
            // Our own 30 s limit above decides when a refresh may be forced; the manager's own limit would only delay it.
            RefreshInterval = ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval,
        };

    [LoggerMessage(LogLevel.Warning, "oauth.metadata_unavailable {Issuer} {Error}")]
    private static partial void LogMetadataUnavailable(ILogger logger, string issuer, string error);

    [LoggerMessage(LogLevel.Information, "oauth.keys_refresh {Issuer}: a token named an unknown kid")]
    private static partial void LogForcedRefresh(ILogger logger, string issuer);
}
