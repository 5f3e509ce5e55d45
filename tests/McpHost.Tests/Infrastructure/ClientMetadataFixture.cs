using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.AuthorizationServer;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// An <see cref="AuthorizationServerFixture"/> whose MCP clients identify themselves by client ID metadata documents,
/// published on a <see cref="ClientMetadataServer"/> that starts first. That server is on loopback, so auth-service
/// runs with <c>Auth:AuthorizationServer:AllowPrivateClientMetadata=true</c>, and its client metadata HTTP client —
/// the product's own, connect guard and bounds included — additionally trusts that server's self-signed certificate.
/// </summary>
public sealed class ClientMetadataFixture(TestServers servers) : AuthorizationServerFixture(servers)
{
    private ClientMetadataServer? _documents;

    public ClientMetadataServer Documents => _documents ?? throw new InvalidOperationException("The fixture is not started.");

    protected override async Task BeforeStartAsync() => _documents = Track(await ClientMetadataServer.StartAsync());

    protected override void AddSettings(Dictionary<string, string?> configuration)
    {
        base.AddSettings(configuration);
        configuration["Auth:AuthorizationServer:AllowPrivateClientMetadata"] = "true";
    }

    public override void ConfigureAuthService(IServiceCollection services) =>
        services.AddHttpClient(ClientMetadataFetcher.HttpClientName).ConfigurePrimaryHttpMessageHandler((handler, _) =>
            ((SocketsHttpHandler)handler).SslOptions.RemoteCertificateValidationCallback =
            (_, certificate, _, errors) => Documents.Trusts(certificate, errors));
}
