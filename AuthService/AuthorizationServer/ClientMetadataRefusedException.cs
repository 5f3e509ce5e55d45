namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Why a client ID metadata document cannot be used — not fetched, too slow, too large, not a valid document, from a
/// special-use address — in one sentence that becomes the OAuth <c>error_description</c> the user or client sees.
/// Thrown from anywhere in the fetch (the connect callback included) and caught once, by
/// <see cref="ClientMetadataClients"/>.
/// </summary>
public sealed class ClientMetadataRefusedException(string message) : Exception(message);
