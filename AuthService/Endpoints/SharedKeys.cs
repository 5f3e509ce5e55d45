using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Checks the admin and internal keys in constant time.</summary>
public sealed class SharedKeys(IOptions<AuthOptions> options)
{
    private readonly byte[] _adminKeyHash = SharedSecrets.Hash(options.Value.AdminKey);
    private readonly byte[] _internalKeyHash = SharedSecrets.Hash(options.Value.InternalKey);

    public bool IsAdminKey(string? presented) => SharedSecrets.Matches(presented, _adminKeyHash);

    public bool IsInternalKey(string? presented) => SharedSecrets.Matches(presented, _internalKeyHash);
}
