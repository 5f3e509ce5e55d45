using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Fetches a client ID metadata document (draft-ietf-oauth-client-id-metadata-document §4) within fixed bounds: one
/// GET of the <c>client_id</c> URL, answered <c>200 OK</c> (a redirect is refused, never followed; any other status is
/// an error), at most <see cref="MaxBytes"/> (counted while reading, so a larger or endless body is cut off there),
/// within <see cref="Timeout"/> for everything from the connect to the last byte (on the service's clock), from a public
/// address only (<see cref="ClientMetadataConnector"/>, which also judges wherever service discovery might point a
/// name configured under <c>services:</c>). The named HTTP client has no retries, no proxy, no cookies and no
/// decompression: one request, to the address that was checked.
/// </summary>
public sealed class ClientMetadataFetcher(IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "client-metadata";
    public const int MaxBytes = 64 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static void AddHttpClient(IServiceCollection services)
    {
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental
        // No HttpClient.Timeout: it would stop at the headers; FetchAsync's bound covers the body too.
        services.AddHttpClient(HttpClientName, client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                MaxResponseDrainSize = 0,
                ConnectCallback = ClientMetadataConnector.Create(
                    services.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.AllowPrivateClientMetadata),
            });
    }

    /// <summary>The document at <paramref name="clientId"/> and until when it may be used.</summary>
    /// <exception cref="ClientMetadataRefusedException">It cannot be fetched or used; the message says why.</exception>
    public async Task<(ClientMetadataDocument Document, DateTimeOffset ExpiresAt)> FetchAsync(string clientId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, clientId);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await http.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                throw new ClientMetadataRefusedException(
                    $"The client_id URL answered with a redirect (HTTP {status}), which is not followed: the document must be served at the client_id itself.");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ClientMetadataRefusedException($"The client_id URL answered HTTP {status}, not 200 OK with the client metadata document.");
            }

            var document = ClientMetadataDocument.Parse(await ReadAtMostAsync(response.Content, linked.Token), clientId);
            var now = time.GetUtcNow();
            return (document, now + ClientMetadataLifetime.Of(response.Headers, response.Content.Headers, now));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ClientMetadataRefusedException(
                $"The client metadata document was not received within {Timeout.TotalSeconds:0} seconds.");
        }
        catch (HttpRequestException e)
        {
            throw e.InnerException as ClientMetadataRefusedException ?? new ClientMetadataRefusedException(
                $"The client metadata document could not be fetched: {Reason(e)}.");
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAtMostAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        while (length < buffer.Length && await stream.ReadAsync(buffer.AsMemory(length), cancellationToken) is var read and > 0)
        {
            length += read;
        }

        return length > MaxBytes ? throw TooLarge() : buffer.AsMemory(0, length);
    }

    private static ClientMetadataRefusedException TooLarge() =>
        new($"The client metadata document is larger than {MaxBytes / 1024} KiB.");

    private static string Reason(HttpRequestException e) => (e.HttpRequestError, e.InnerException) switch
    {
        (HttpRequestError.NameResolutionError, _) or (_, SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData })
            => "its host name does not resolve",
        (HttpRequestError.ConnectionError, _) => "no connection could be made to its host",
        (HttpRequestError.SecureConnectionError, _) => "the TLS handshake failed (is its certificate valid and trusted?)",
        _ => "the connection failed or the answer was not valid HTTP",
    };
}
