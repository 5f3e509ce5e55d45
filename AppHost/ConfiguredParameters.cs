namespace Mnemosyne.AppHost;

/// <summary>
/// Settings the operator gives the AppHost under a service's own configuration key (user secrets, environment, or
/// <c>azd env set</c>), passed on as parameters so <c>azd up</c> deploys them: each value set becomes a parameter with
/// that value as its published default — a secret one is marked secret and not published (azd asks for it) — and the
/// environment variable the service reads. Nothing set, nothing added.
/// </summary>
public static class ConfiguredParameters
{
    /// <summary>Adds the parameter <paramref name="name"/> for <paramref name="key"/> to <paramref name="settings"/> when it is set.</summary>
    public static void AddIfSet(this IDistributedApplicationBuilder builder, List<(string Variable, IResourceBuilder<ParameterResource> Parameter)> settings,
        string key, string name, bool secret = false)
    {
        if (builder.Configuration[key] is { } value)
        {
            settings.Add((key.Replace(":", "__", StringComparison.Ordinal),
                builder.AddParameter(name, value, publishValueAsDefault: !secret, secret: secret)));
        }
    }

    public static IResourceBuilder<ProjectResource> WithParameters(this IResourceBuilder<ProjectResource> service,
        IReadOnlyList<(string Variable, IResourceBuilder<ParameterResource> Parameter)> settings)
    {
        foreach (var (variable, parameter) in settings)
        {
            service.WithEnvironment(variable, parameter);
        }

        return service;
    }
}
