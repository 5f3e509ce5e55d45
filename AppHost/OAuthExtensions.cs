namespace Mnemosyne.AppHost;

/// <summary>
/// Passes the identity-provider settings (CONTRACT §6) to both services. The operator sets them in the AppHost's
/// configuration under the services' own keys — <c>Auth:OAuth:Issuers:n:Issuer</c>, <c>…:Audiences:m</c>,
/// <c>…:GroupsClaim</c>, <c>Auth:OAuth:RequiredScope</c> (user secrets, environment, or <c>azd env set</c>) — and
/// each value set becomes a parameter (<c>oauth-issuer-0</c>, <c>oauth-issuer-0-audience-0</c>, …) with that value as
/// its published default, so <c>azd up</c> deploys it. Nothing set, nothing added.
/// </summary>
public static class OAuthExtensions
{
    private const string Section = "Auth:OAuth";

    public static IResourceBuilder<ProjectResource> WithOAuth(this IResourceBuilder<ProjectResource> service,
        IReadOnlyList<(string Variable, IResourceBuilder<ParameterResource> Parameter)> settings)
    {
        foreach (var (variable, parameter) in settings)
        {
            service.WithEnvironment(variable, parameter);
        }

        return service;
    }

    /// <summary>One parameter per OAuth value in the AppHost's configuration, with the variable it goes to.</summary>
    public static IReadOnlyList<(string Variable, IResourceBuilder<ParameterResource> Parameter)> AddOAuthParameters(
        this IDistributedApplicationBuilder builder)
    {
        var settings = new List<(string, IResourceBuilder<ParameterResource>)>();
        void Add(string key, string name)
        {
            if (builder.Configuration[$"{Section}:{key}"] is { } value)
            {
                settings.Add(($"Auth__OAuth__{key.Replace(":", "__", StringComparison.Ordinal)}",
                    builder.AddParameter(name, value, publishValueAsDefault: true)));
            }
        }

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
