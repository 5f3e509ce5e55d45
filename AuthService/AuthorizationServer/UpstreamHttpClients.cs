using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using OpenIddict.Client.SystemNetHttp;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Takes the retries off OpenIddict.Client's calls to the upstream providers (metadata, keys, code exchange,
/// userinfo): the service defaults give every HttpClient the standard resilience handler, and OpenIddict adds its own
/// with four more retries, so a provider that is down would keep a user in front of a blank page for a minute. A
/// sign-in is interactive: one attempt within the client's timeout (<see cref="UpstreamSignInSetup"/>), then a page
/// saying the provider did not answer. Hand-written because OpenIddict names its clients per registration and per
/// request, so <c>RemoveAllResilienceHandlers</c> on a named client cannot reach them.
/// </summary>
public sealed class UpstreamHttpClients : Microsoft.Extensions.Options.IPostConfigureOptions<HttpClientFactoryOptions>
{
    private static readonly string Prefix = typeof(OpenIddictClientSystemNetHttpOptions).Assembly.GetName().Name + ":";

    public void PostConfigure(string? name, HttpClientFactoryOptions options)
    {
        if (name?.StartsWith(Prefix, StringComparison.Ordinal) != true)
        {
            return;
        }

        options.HttpMessageHandlerBuilderActions.Add(builder =>
        {
            foreach (var handler in builder.AdditionalHandlers.OfType<ResilienceHandler>().ToList())
            {
                builder.AdditionalHandlers.Remove(handler);
            }
        });
    }
}
