namespace Mnemosyne.AppHost;

public static class AdminApiReferenceExtensions
{
    /// <summary>
    /// Links the service's Scalar page (its admin API reference, served in Development) on the dashboard, next to
    /// the service's own URL rather than instead of it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAdminApiReference(this IResourceBuilder<ProjectResource> service) =>
        service.WithUrls(context =>
        {
            if (context.Urls.FirstOrDefault(url => url.Endpoint?.EndpointName == "http") is { } http)
            {
                context.Urls.Add(new ResourceUrlAnnotation
                {
                    Url = http.Url.TrimEnd('/') + "/scalar",
                    DisplayText = "Admin API reference",
                    Endpoint = http.Endpoint,
                });
            }
        });
}
