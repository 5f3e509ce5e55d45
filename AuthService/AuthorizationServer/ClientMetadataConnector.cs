using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// How the client metadata HTTP client opens a connection (<see cref="SocketsHttpHandler.ConnectCallback"/>): it
/// resolves the URL's host itself, refuses it when any address it resolves to is special-use
/// (<see cref="SpecialUseAddresses"/>) — unless <c>Auth:AuthorizationServer:AllowPrivateClientMetadata</c> — and then
/// connects to exactly the addresses it checked. Checking and connecting on the same resolution is what stops DNS
/// rebinding (a name that answers a public address to the check and a private one to the connect); checking before
/// connecting means not even a TCP handshake reaches a refused address. Hand-written: .NET has no SSRF guard, and
/// this callback is the supported place for one.
/// </summary>
public static class ClientMetadataConnector
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Create(bool allowPrivate) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            if (!allowPrivate && addresses.Any(address => !SpecialUseAddresses.IsPublic(address)))
            {
                throw new ClientMetadataRefusedException(
                    $"The client_id's host '{host}' resolves to a private, loopback, link-local or other special-use address: " +
                    "client metadata documents are fetched from public addresses only.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
