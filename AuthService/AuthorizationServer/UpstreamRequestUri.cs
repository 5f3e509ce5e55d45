using Microsoft.AspNetCore;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Puts the request OpenIddict.Client sees on the issuer — mcp-host's public origin — as <see cref="DiscoveryMetadata"/>
/// does for the server: auth-service is reached only through mcp-host's proxy, so the URL ASP.NET Core gives is
/// auth-service's internal address. OpenIddict.Client finds its redirection endpoint and checks that a callback
/// arrives on the very redirect URI its state names (its defence against mix-up attacks) by comparing absolute URLs,
/// so both must be the public ones. The issuer is configuration, not a forwarded header, so no caller can choose it.
/// </summary>
public sealed class UpstreamRequestUri(IOptions<AuthorizationServerOptions> settings) : IOpenIddictClientHandler<ProcessRequestContext>
{
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } =
        OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
            .AddFilter<OpenIddictClientAspNetCoreHandlerFilters.RequireHttpRequest>()
            .UseSingletonHandler<UpstreamRequestUri>()
            .SetOrder(OpenIddictClientHandlers.InferEndpointType.Descriptor.Order - 1_000)
            .Build();

    public ValueTask HandleAsync(ProcessRequestContext context)
    {
        var request = context.Transaction.GetHttpRequest()!;
        var issuer = settings.Value.IssuerUri();
        context.BaseUri = issuer;
        context.RequestUri = new Uri(issuer, (request.PathBase + request.Path).ToUriComponent().TrimStart('/') + request.QueryString.ToUriComponent());
        return ValueTask.CompletedTask;
    }
}
