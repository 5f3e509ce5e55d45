using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// Where the tests' MCP clients publish their client ID metadata documents: a real Kestrel server on a random loopback
/// port, over https (as the draft and the MCP C# client require) with a self-signed certificate made for this run
/// (subject alternative name 127.0.0.1). Each test serves its own paths with whatever answer it needs — a document, a
/// redirect, a stall, an endless body — and reads how many requests each path received. Only the test's auth-service
/// trusts the certificate (<see cref="Trusts"/>, added through the test host), so no setting of the product is involved.
/// </summary>
public sealed class ClientMetadataServer : IAsyncDisposable
{
    /// <summary>The redirect URI a <see cref="Document"/> lists unless told otherwise: loopback, so any port matches (RFC 8252 §7.3).</summary>
    public const string LoopbackRedirect = "http://127.0.0.1/callback";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _answers = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();

    private ClientMetadataServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    public Uri Address { get; private set; } = null!;

    public static async Task<ClientMetadataServer> StartAsync()
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var server = new ClientMetadataServer(app, certificate);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        server.Address = new Uri(app.Urls.Single() + "/");
        return server;
    }

    /// <summary>A URL on this server no other test uses.</summary>
    public string NewUrl(string name) => new Uri(Address, $"{Guid.NewGuid():N}/{name}").AbsoluteUri;

    /// <summary>A valid document of a public client (code and refresh grants, no secret) served at <paramref name="clientId"/>.</summary>
    public static string Document(string clientId, string name, string redirect = LoopbackRedirect) => JsonSerializer.Serialize(new
    {
        client_id = clientId, client_name = name, redirect_uris = new[] { redirect },
        grant_types = new[] { "authorization_code", "refresh_token" }, response_types = new[] { "code" },
        token_endpoint_auth_method = "none",
    });

    /// <summary>Answers GETs of <paramref name="url"/> with <paramref name="answer"/> from now on.</summary>
    public void Serve(string url, Func<HttpContext, Task> answer) => _answers[new Uri(url).AbsolutePath] = answer;

    /// <summary>Serves <paramref name="json"/> at <paramref name="url"/> as <c>application/json</c> with its Content-Length and an optional Cache-Control.</summary>
    public void ServeJson(string url, string json, string? cacheControl = null) => Serve(url, async context =>
    {
        if (cacheControl is not null)
        {
            context.Response.Headers.CacheControl = cacheControl;
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Encoding.UTF8.GetByteCount(json);
        await context.Response.WriteAsync(json, context.RequestAborted);
    });

    /// <summary>How many requests <paramref name="url"/> has received.</summary>
    public int Requests(string url) => _requests.GetValueOrDefault(new Uri(url).AbsolutePath);

    /// <summary>Whether a TLS peer presenting <paramref name="certificate"/> with <paramref name="errors"/> is this server.</summary>
    public bool Trusts(X509Certificate? certificate, SslPolicyErrors errors) =>
        errors is SslPolicyErrors.None
        || errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null
        && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _certificate.GetCertHashString(HashAlgorithmName.SHA256);

    private async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        _requests.AddOrUpdate(path, 1, (_, count) => count + 1);
        if (_answers.TryGetValue(path, out var answer))
        {
            await answer(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }
}
