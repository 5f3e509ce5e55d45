using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// OpenIddict's application manager with one rule added: RFC 8252 §7.3 — a native client's loopback redirect URI
/// (<c>http://127.0.0.1</c> or <c>http://[::1]</c>) matches a registered one whatever its port, because the client
/// picks a free port at each sign-in. Everything else (scheme, host, path, query) must still match exactly, and every
/// other redirect URI keeps OpenIddict's exact comparison. OpenIddict has no such option, hence this subclass.
/// </summary>
public sealed class LoopbackRedirectApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache, ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options, IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store)
    where TApplication : class
{
    public override async ValueTask<bool> ValidateRedirectUriAsync(TApplication application, string uri, CancellationToken cancellationToken = default)
    {
        if (await base.ValidateRedirectUriAsync(application, uri, cancellationToken))
        {
            return true;
        }

        if (!RedirectUris.IsLoopbackIp(uri, out var requested))
        {
            return false;
        }

        foreach (var registered in await GetRedirectUrisAsync(application, cancellationToken))
        {
            if (RedirectUris.IsLoopbackIp(registered, out var candidate)
                && string.Equals(candidate.Host, requested.Host, StringComparison.OrdinalIgnoreCase)
                && candidate.PathAndQuery == requested.PathAndQuery && requested.Fragment.Length == 0)
            {
                return true;
            }
        }

        return false;
    }
}
