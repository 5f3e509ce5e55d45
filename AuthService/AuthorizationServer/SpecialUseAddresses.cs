using System.Net;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The addresses a client ID metadata document must not be fetched from (draft-ietf-oauth-client-id-metadata-document
/// §6.6: no special-use addresses, RFC 6890): the IANA IPv4 and IPv6 special-purpose registries — unspecified,
/// "this network", private (RFC 1918), shared CGNAT space (RFC 6598), loopback, link-local, unique-local, site-local,
/// documentation, benchmarking, protocol assignments, 6to4 / Teredo / NAT64 translation, multicast, reserved and
/// broadcast. An IPv4-mapped IPv6 address is judged as its IPv4 address. Hand-written: .NET has
/// <see cref="IPAddress.IsLoopback"/> and a few IPv6 tests, but no list of special-use ranges.
/// </summary>
public static class SpecialUseAddresses
{
    private static readonly IPNetwork[] Ranges =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/96", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
            "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    /// <summary>True when <paramref name="address"/> is a public unicast address a document may be fetched from.</summary>
    public static bool IsPublic(IPAddress address)
    {
        var judged = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return !Ranges.Any(range => range.Contains(judged));
    }
}
