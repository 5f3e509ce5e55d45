using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.ServiceDefaults;
using Yarp.ReverseProxy.Configuration;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Serves Mnemosyne's authorization server (CONTRACT §10) on mcp-host's origin, which is its issuer: YARP forwards
/// the RFC 8414 / OIDC metadata paths and everything under <c>/oauth/</c> to auth-service, found through service
/// discovery like every other call there (<c>Mcp:AuthServiceUrl</c>), so auth-service stays internal. YARP sets
/// <c>X-Forwarded-For</c>, replacing whatever the caller sent, so auth-service sees the real client address (its
/// development sign-in is for loopback callers only). Only when <c>Auth:AuthorizationServer:Enabled</c>.
/// </summary>
public static class AuthorizationServerProxy
{
    private const string Cluster = "auth-service";

    public static IServiceCollection AddAuthorizationServerProxy(this IServiceCollection services)
    {
        services.AddReverseProxy().AddServiceDiscoveryDestinationResolver();
        services.AddSingleton<IProxyConfigProvider>(sp =>
        {
            var authService = sp.GetRequiredService<IOptions<McpOptions>>().Value.AuthServiceUrl;
            return new FixedRoutes(authService);
        });
        return services;
    }

    public static WebApplication MapAuthorizationServerProxy(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.Enabled)
        {
            app.MapReverseProxy();
        }

        return app;
    }

    /// <summary>The three routes and the one cluster, fixed at start.</summary>
    private sealed class FixedRoutes(string authService) : IProxyConfigProvider, IProxyConfig
    {
        private static readonly string[] Paths =
        [
            "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/oauth/{**rest}",
        ];

        public IReadOnlyList<RouteConfig> Routes { get; } =
            [.. Paths.Select((path, n) => new RouteConfig { RouteId = $"authorization-server-{n}", ClusterId = Cluster, Match = new RouteMatch { Path = path } })];

        public IReadOnlyList<ClusterConfig> Clusters { get; } =
        [
            new ClusterConfig
            {
                ClusterId = Cluster,
                Destinations = new Dictionary<string, DestinationConfig> { ["auth-service"] = new() { Address = authService } },
                HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) },
            },
        ];

        public Microsoft.Extensions.Primitives.IChangeToken ChangeToken { get; } = new Microsoft.Extensions.Primitives.CancellationChangeToken(CancellationToken.None);

        public IProxyConfig GetConfig() => this;
    }
}
