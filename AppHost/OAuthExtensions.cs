namespace Mnemosyne.AppHost;

/// <summary>
/// Passes the identity-provider settings (CONTRACT §6) to both services. The operator sets them in the AppHost's
/// configuration under the services' own keys — <c>Auth:OAuth:Issuers:n:Issuer</c>, <c>…:Audiences:m</c>,
/// <c>…:GroupsClaim</c>, <c>Auth:OAuth:RequiredScope</c> — and each value set becomes a parameter
/// (<c>oauth-issuer-0</c>, <c>oauth-issuer-0-audience-0</c>, …; <see cref="ConfiguredParameters"/>).
/// </summary>
public static class OAuthExtensions
{
    private const string Section = "Auth:OAuth";

    /// <summary>One parameter per OAuth value in the AppHost's configuration, with the variable it goes to.</summary>
    public static IReadOnlyList<(string Variable, IResourceBuilder<ParameterResource> Parameter)> AddOAuthParameters(
        this IDistributedApplicationBuilder builder)
    {
        var settings = new List<(string, IResourceBuilder<ParameterResource>)>();
        void Add(string key, string name) => builder.AddIfSet(settings, $"{Section}:{key}", name);

        var issuers = builder.Configuration.GetSection($"{Section}:Issuers").GetChildren().Select(c => c.Key).ToList();
        foreach (var n in issuers)
        {
            Add($"Issuers:{n}:Issuer", $"oauth-issuer-{n}");
            foreach (var m in builder.Configuration.GetSection($"{Section}:Issuers:{n}:Audiences").GetChildren().Select(c => c.Key))
            {
                Add($"Issuers:{n}:Audiences:{m}", $"oauth-issuer-{n}-audience-{m}");
            }

            Add($"Issuers:{n}:GroupsClaim", $"oauth-issuer-{n}-groups-claim");
        }

        if (issuers.Count > 0)
        {
            Add("RequiredScope", "oauth-required-scope");
        }

        return settings;
    }
}
